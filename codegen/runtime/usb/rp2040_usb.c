/* USB CDC-ACM controller driver for the RP2040's USB controller in device mode. Follows the RP2040
 * Datasheet (Raspberry Pi Ltd, RP2040-datasheet.pdf) section 4.1 USB: the DPRAM layout (setup
 * packet at 0x000, endpoint control at 0x008.., buffer control at 0x080.., EP0 buffer at 0x100),
 * the buffer control register and its concurrent-access rule (AVAILABLE set in a second write,
 * after the other fields, as clk_sys runs faster than clk_usb), device-mode programming (SIE_CTRL,
 * SIE_STATUS, BUFF_STATUS, ADDR_ENDP, EP_STALL_ARM) and the register list; sections 2.18 (PLL_USB:
 * VCO 1200 MHz inside its 750-1600 MHz range, post dividers 5 and 5) and 2.15 (clk_usb at 48 MHz);
 * section 2.8 (boot ROM: the function table lookup through the 16-bit pointers at 0x14/0x18 and
 * reset_usb_boot, code 'U','B'), which the 1200-baud touch calls. Every register goes through
 * tms_mmio.h, so tests/codegen/usb/rp2040_usb_model.py can check the sequence on the host. */
#include "tms_mmio.h"
#include "tms_usb_cdc.h"
#include "tms_board.h"

#define RESETS_BASE        0x4000C000u
#define RESETS_RESET       (RESETS_BASE + 0x0u)
#define RESETS_DONE        (RESETS_BASE + 0x8u)
#define ALIAS_SET          0x2000u
#define ALIAS_CLR          0x3000u
#define RESET_PLL_USB      (1u << 13)
#define RESET_USBCTRL      (1u << 24)
#define PLL_USB_BASE       0x4002C000u
#define PLL_CS             (PLL_USB_BASE + 0x0u)
#define PLL_PWR            (PLL_USB_BASE + 0x4u)
#define PLL_FBDIV_INT      (PLL_USB_BASE + 0x8u)
#define PLL_PRIM           (PLL_USB_BASE + 0xCu)
#define PLL_CS_LOCK        (1u << 31)
#define PLL_PWR_PD         (1u << 0)
#define PLL_PWR_POSTDIVPD  (1u << 3)
#define PLL_PWR_VCOPD      (1u << 5)
#define CLK_USB_CTRL       0x40008054u
#define CLK_USB_DIV        0x40008058u
#define CLK_CTRL_ENABLE    (1u << 11)

#define DPRAM              0x50100000u
#define DPRAM_BYTES        4096u
#define EP_CONTROL(ep, in) (DPRAM + 0x08u + ((uint32_t)(ep) - 1u) * 8u + ((in) ? 0u : 4u))
#define BUF_CONTROL(ep, in) (DPRAM + 0x80u + (uint32_t)(ep) * 8u + ((in) ? 0u : 4u))
#define EP0_BUF_OFFSET     0x100u
#define EP_CTRL_ENABLE     (1u << 31)
#define EP_CTRL_INT_PER_BUF (1u << 29)
#define EP_TYPE_BULK       2u
#define EP_TYPE_INTERRUPT  3u
#define BUF_FULL           (1u << 15)
#define BUF_DATA1          (1u << 13)
#define BUF_STALL          (1u << 11)
#define BUF_AVAILABLE      (1u << 10)
#define BUF_LEN_MASK       0x3FFu

#define USB_REGS           0x50110000u
#define USB_ADDR_ENDP      (USB_REGS + 0x00u)
#define USB_MAIN_CTRL      (USB_REGS + 0x40u)
#define USB_SIE_CTRL       (USB_REGS + 0x4Cu)
#define USB_SIE_STATUS     (USB_REGS + 0x50u)
#define USB_BUFF_STATUS    (USB_REGS + 0x58u)
#define USB_EP_STALL_ARM   (USB_REGS + 0x68u)
#define USB_MUXING         (USB_REGS + 0x74u)
#define USB_PWR            (USB_REGS + 0x78u)
#define MAIN_CTRL_CONTROLLER_EN (1u << 0)
#define SIE_CTRL_PULLUP_EN  (1u << 16)
#define SIE_CTRL_EP0_INT_1BUF (1u << 29)
#define SIE_STATUS_SETUP_REC (1u << 17)
#define SIE_STATUS_BUS_RESET (1u << 19)
#define MUXING_TO_PHY      (1u << 0)
#define MUXING_SOFTCON     (1u << 3)
#define PWR_VBUS_DETECT    (1u << 2)
#define PWR_VBUS_DETECT_OVERRIDE_EN (1u << 3)

/* boot ROM (datasheet 2.8.3): 16-bit pointers to the function table and to the lookup function */
#define ROM_FUNC_TABLE_PTR 0x00000014u
#define ROM_LOOKUP_PTR     0x00000018u
#define ROM_CODE(a, b)     ((uint32_t)(a) | ((uint32_t)(b) << 8))

/* ~1-2 ms of polling at 125 MHz for SET_ADDRESS's status stage */
#ifndef TMS_USB_ADDRESS_SPINS
#define TMS_USB_ADDRESS_SPINS 20000u
#endif

#ifndef TMS_USB_SERIAL
#define TMS_USB_SERIAL "0"
#endif

/* data buffers in DPRAM after the EP0 buffer, 64-byte aligned */
static uint32_t buffer_offset(uint8_t ep, int in)
{
    if (ep == 0u) {
        return EP0_BUF_OFFSET;
    }
    return 0x180u + ((uint32_t)ep - 1u) * 0x80u + (in ? 0u : 0x40u);
}

/* next DATA PID per endpoint and direction; the controller leaves the toggle to software */
static uint8_t next_pid[TMS_USB_EP_DATA + 1u][2];

static void unreset(uint32_t mask)
{
    TMS_REG_WRITE(RESETS_RESET + ALIAS_CLR, mask);
    while ((TMS_REG_READ(RESETS_DONE) & mask) != mask) {
    }
}

static void usb_clock_48mhz(void)
{
    TMS_REG_WRITE(RESETS_RESET + ALIAS_SET, RESET_PLL_USB);
    unreset(RESET_PLL_USB);
    TMS_REG_WRITE(PLL_CS, 1u);            /* REFDIV 1: 12 MHz reference */
    TMS_REG_WRITE(PLL_FBDIV_INT, 100u);   /* VCO 1200 MHz, inside the 750-1600 MHz range */
    TMS_REG_WRITE(PLL_PWR + ALIAS_CLR, PLL_PWR_PD | PLL_PWR_VCOPD);
    while ((TMS_REG_READ(PLL_CS) & PLL_CS_LOCK) == 0u) {
    }
    TMS_REG_WRITE(PLL_PRIM, (5u << 16) | (5u << 12));  /* 1200 / 5 / 5 = 48 MHz */
    TMS_REG_WRITE(PLL_PWR + ALIAS_CLR, PLL_PWR_POSTDIVPD);
    /* clk_usb: aux source pll_usb (0), divide by 1 */
    TMS_REG_WRITE(CLK_USB_CTRL, 0u);
    TMS_REG_WRITE(CLK_USB_DIV, 1u << 8);
    TMS_REG_WRITE(CLK_USB_CTRL, CLK_CTRL_ENABLE);
}

static void write_bytes(uint32_t offset, const uint8_t *data, uint16_t len)
{
    uint16_t i;
    for (i = 0; i < len; i += 4u) {
        uint32_t word = 0u;
        uint16_t k;
        for (k = 0; k < 4u && i + k < len; k++) {
            word |= (uint32_t)data[i + k] << (8u * k);
        }
        TMS_REG_WRITE(DPRAM + offset + i, word);
    }
}

static void read_bytes(uint32_t offset, uint8_t *out, uint16_t len)
{
    uint16_t i;
    for (i = 0; i < len; i += 4u) {
        uint32_t word = TMS_REG_READ(DPRAM + offset + i);
        uint16_t k;
        for (k = 0; k < 4u && i + k < len; k++) {
            out[i + k] = (uint8_t)(word >> (8u * k));
        }
    }
}

/* hands a buffer to the controller: every field first, AVAILABLE in a second write (section 4.1,
 * buffer control, concurrent access) */
static void give_buffer(uint8_t ep, int in, uint16_t len)
{
    uint32_t ctrl = (uint32_t)len | (in ? BUF_FULL : 0u) | (next_pid[ep][in ? 1 : 0] ? BUF_DATA1 : 0u);
    next_pid[ep][in ? 1 : 0] ^= 1u;
    TMS_REG_WRITE(BUF_CONTROL(ep, in), ctrl);
    /* clk_sys (125 MHz) is ~2.6x clk_usb: a few cycles let the controller see the fields settle */
    __asm__ volatile("nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop" ::: "memory");
    TMS_REG_WRITE(BUF_CONTROL(ep, in), ctrl | BUF_AVAILABLE);
}

void tms_usbd_init(void)
{
    uint32_t i;
    usb_clock_48mhz();
    TMS_REG_WRITE(RESETS_RESET + ALIAS_SET, RESET_USBCTRL);
    unreset(RESET_USBCTRL);
    for (i = 0; i < DPRAM_BYTES; i += 4u) {
        TMS_REG_WRITE(DPRAM + i, 0u);
    }
    TMS_REG_WRITE(USB_MUXING, MUXING_TO_PHY | MUXING_SOFTCON);
    /* the Pico has no VBUS sense pin wired to the controller: VBUS is forced present */
    TMS_REG_WRITE(USB_PWR, PWR_VBUS_DETECT | PWR_VBUS_DETECT_OVERRIDE_EN);
    TMS_REG_WRITE(USB_MAIN_CTRL, MAIN_CTRL_CONTROLLER_EN);
    TMS_REG_WRITE(USB_SIE_CTRL, SIE_CTRL_EP0_INT_1BUF);
    TMS_REG_WRITE(USB_SIE_CTRL, SIE_CTRL_EP0_INT_1BUF | SIE_CTRL_PULLUP_EN);
}

static void on_bus_reset(void)
{
    uint8_t ep;
    TMS_REG_WRITE(USB_ADDR_ENDP, 0u);
    /* a reset ends every transfer: buffers taken back, data endpoints closed until configured */
    for (ep = 0; ep <= TMS_USB_EP_DATA; ep++) {
        next_pid[ep][0] = 0u;
        next_pid[ep][1] = 0u;
        TMS_REG_WRITE(BUF_CONTROL(ep, 1), 0u);
        TMS_REG_WRITE(BUF_CONTROL(ep, 0), 0u);
        if (ep != 0u) {
            TMS_REG_WRITE(EP_CONTROL(ep, 1), 0u);
            TMS_REG_WRITE(EP_CONTROL(ep, 0), 0u);
        }
    }
    tms_usb_cdc_on_reset();
}

static void on_buffers_done(uint32_t done)
{
    uint8_t ep;
    for (ep = 0; ep <= TMS_USB_EP_DATA; ep++) {
        if (done & (1u << (2u * ep))) {  /* IN buffer taken by the host */
            if (ep == 0u) {
                tms_usb_cdc_on_ep0_sent();
            } else {
                tms_usb_cdc_on_sent(ep);
            }
        }
        if (done & (1u << (2u * ep + 1u))) {  /* OUT buffer filled */
            uint8_t data[TMS_USB_BULK_BYTES];
            uint16_t len = (uint16_t)(TMS_REG_READ(BUF_CONTROL(ep, 0)) & BUF_LEN_MASK);
            if (len > sizeof data) {
                len = sizeof data;
            }
            read_bytes(buffer_offset(ep, 0), data, len);
            if (ep == 0u) {
                tms_usb_cdc_on_ep0_received(data, len);
            } else {
                tms_usb_cdc_on_received(ep, data, len);
            }
        }
    }
}

/* The host sends to the new address 2 ms after SET_ADDRESS's status stage (USB 2.0 spec 9.2.6.3),
 * possibly before the next poll: the status ZLP is waited for here and the address applied at once. */
static void wait_address_status(void)
{
    uint32_t spins;
    for (spins = 0u; spins < TMS_USB_ADDRESS_SPINS; spins++) {
        uint32_t done = TMS_REG_READ(USB_BUFF_STATUS);
        if (done & 1u) {
            TMS_REG_WRITE(USB_BUFF_STATUS, done);
            on_buffers_done(done);
            return;
        }
    }
}

void tms_usbd_poll(void)
{
    uint32_t status = TMS_REG_READ(USB_SIE_STATUS);
    uint32_t done;
    if (status & SIE_STATUS_BUS_RESET) {
        TMS_REG_WRITE(USB_SIE_STATUS, SIE_STATUS_BUS_RESET);  /* write-1-to-clear */
        on_bus_reset();
    }
    /* completed buffers before a new SETUP: they belong to the transfer the SETUP replaces */
    done = TMS_REG_READ(USB_BUFF_STATUS);
    if (done != 0u) {
        TMS_REG_WRITE(USB_BUFF_STATUS, done);
        on_buffers_done(done);
    }
    if (status & SIE_STATUS_SETUP_REC) {
        uint8_t setup[8];
        read_bytes(0u, setup, 8u);
        TMS_REG_WRITE(USB_SIE_STATUS, SIE_STATUS_SETUP_REC);
        /* after SETUP the data and status stages start with DATA1 (USB 2.0 spec 8.5.3) */
        next_pid[0][0] = 1u;
        next_pid[0][1] = 1u;
        tms_usb_cdc_on_setup(setup);
        if (tms_usb_cdc.pending_address & 0x80u) {
            wait_address_status();
        }
    }
}

void tms_usbd_ep0_send(const uint8_t *data, uint16_t len)
{
    write_bytes(EP0_BUF_OFFSET, data, len);
    give_buffer(0u, 1, len);
}

void tms_usbd_ep0_receive(void)
{
    give_buffer(0u, 0, TMS_USB_EP0_BYTES);
}

void tms_usbd_ep0_status_in(void)
{
    next_pid[0][1] = 1u;
    give_buffer(0u, 1, 0u);
}

void tms_usbd_ep0_status_out(void)
{
    next_pid[0][0] = 1u;
    give_buffer(0u, 0, TMS_USB_EP0_BYTES);
}

void tms_usbd_ep0_stall(void)
{
    /* EP_STALL_ARM lets the controller send STALL on EP0; a SETUP clears it */
    TMS_REG_WRITE(USB_EP_STALL_ARM, 0x3u);
    TMS_REG_WRITE(BUF_CONTROL(0u, 1), BUF_STALL);
    TMS_REG_WRITE(BUF_CONTROL(0u, 0), BUF_STALL);
}

void tms_usbd_set_address(uint8_t address)
{
    TMS_REG_WRITE(USB_ADDR_ENDP, address);
}

static void open_endpoint(uint8_t ep, int in, uint32_t type)
{
    TMS_REG_WRITE(EP_CONTROL(ep, in), EP_CTRL_ENABLE | EP_CTRL_INT_PER_BUF | (type << 26) | buffer_offset(ep, in));
    next_pid[ep][in ? 1 : 0] = 0u;
}

void tms_usbd_configure(void)
{
    open_endpoint(TMS_USB_EP_NOTIFY, 1, EP_TYPE_INTERRUPT);
    open_endpoint(TMS_USB_EP_DATA, 1, EP_TYPE_BULK);
    open_endpoint(TMS_USB_EP_DATA, 0, EP_TYPE_BULK);
}

void tms_usbd_ep_send(uint8_t ep, const uint8_t *data, uint16_t len)
{
    write_bytes(buffer_offset(ep, 1), data, len);
    give_buffer(ep, 1, len);
}

void tms_usbd_ep_receive(uint8_t ep)
{
    give_buffer(ep, 0, TMS_USB_BULK_BYTES);
}

const char *tms_usb_serial_text(void)
{
    /* the RP2040's unique id lives in the QSPI flash and can be read only with XIP off; the
     * generation-time serial stands in for it */
    return TMS_USB_SERIAL;
}

typedef uint32_t (*tms_rom_fn2)(uint32_t, uint32_t);
#ifdef TMS_HOST_MODEL
/* on the host the ROM cannot be called: the test's hook records the call (and answers the lookup) */
uint32_t tms_host_rom_call(uint32_t fn, uint32_t a0, uint32_t a1);
#define ROM_CALL(fn, a0, a1) tms_host_rom_call((fn), (a0), (a1))
#else
#define ROM_CALL(fn, a0, a1) (((tms_rom_fn2)(uintptr_t)(fn))((a0), (a1)))
#endif

static uint32_t rom_word(uint32_t address)
{
    /* hides the constant: GCC takes a read near address 0 for a null-pointer access */
    __asm__ volatile("" : "+r"(address));
    return TMS_REG_READ(address);
}

void tms_usbd_enter_bootloader(void)
{
    uint32_t table = rom_word(ROM_FUNC_TABLE_PTR) & 0xFFFFu;
    uint32_t lookup = rom_word(ROM_LOOKUP_PTR) & 0xFFFFu;
    uint32_t reset_usb_boot = ROM_CALL(lookup, table, ROM_CODE('U', 'B'));
    if (reset_usb_boot != 0u) {
        /* no activity LED, both interfaces (mass storage and PICOBOOT) enabled */
        (void)ROM_CALL(reset_usb_boot, 0u, 0u);
    }
}
