/* USB CDC-ACM controller driver for the nRF52840 USBD peripheral. Follows the nRF52840 Product
 * Specification v1.7, section 6.35 USBD: USB device states and the enable sequence (after VBUS,
 * HFXO running, wait for EVENTCAUSE.READY, then USBPULLUP), the control endpoint (EP0SETUP with
 * the request in BMREQUESTTYPE..WLENGTHH, data stages through STARTEPIN[0] / EP0RCVOUT +
 * STARTEPOUT[0] and EP0DATADONE, status through EP0STATUS, EP0STALL; SET_ADDRESS is answered by
 * the hardware itself), bulk and interrupt endpoints (EasyDMA per packet, ENDEPIN/ENDEPOUT, EPDATA
 * with EPDATASTATUS, DTOGGLE) and the register list; section 5.3 POWER (USBREGSTATUS, GPREGRET).
 * EasyDMA reads and writes RAM only, so every packet is staged in tms_usbd_dma_ram. Errata
 * workarounds, from the nRF52840 errata sheets, applied unconditionally as the driver does not read
 * the chip revision (which revisions need each was not checked): [187] and [171] (USBD might not reach its active state: 0x4006ED14 and 0x4006EC14
 * set around ENABLE, each write framed by the 0x4006EC00 key), [166] (ISO double buffering, the
 * 0x800/0x804 offsets; harmless without ISO endpoints), [199] (USBD cannot receive tasks during
 * DMA: 0x40027C1C = 0x82 while an EasyDMA transfer runs).
 * The 1200-baud touch writes the Arduino bootloader's GPREGRET value 0x4E (DFU_MAGIC_SERIAL_ONLY_RESET,
 * as Arduino's mbed core for the Nano 33 BLE does) and resets through SCB AIRCR.SYSRESETREQ.
 * Every register goes through tms_mmio.h: tests/codegen/usb/nrf52840_usbd_model.py checks the
 * sequence on the host. */
#include "tms_mmio.h"
#include "tms_usb_cdc.h"

#define CLOCK_TASKS_HFCLKSTART    0x40000000u
#define CLOCK_EVENTS_HFCLKSTARTED 0x40000100u
#define POWER_USBREGSTATUS        0x40000438u
#define POWER_GPREGRET            0x4000051Cu
#define USBREGSTATUS_VBUSDETECT   (1u << 0)
#define USBREGSTATUS_OUTPUTRDY    (1u << 1)
#define FICR_DEVICEID0            0x10000060u
#define FICR_DEVICEID1            0x10000064u
#define SCB_AIRCR                 0xE000ED0Cu
#define AIRCR_SYSRESETREQ         0x05FA0004u
#define ARDUINO_DFU_MAGIC_SERIAL  0x4Eu

#define USBD                      0x40027000u
#define TASKS_STARTEPIN(n)        (USBD + 0x004u + 4u * (uint32_t)(n))
#define TASKS_STARTEPOUT(n)       (USBD + 0x028u + 4u * (uint32_t)(n))
#define TASKS_EP0RCVOUT           (USBD + 0x04Cu)
#define TASKS_EP0STATUS           (USBD + 0x050u)
#define TASKS_EP0STALL            (USBD + 0x054u)
#define EVENTS_USBRESET           (USBD + 0x100u)
#define EVENTS_ENDEPIN(n)         (USBD + 0x108u + 4u * (uint32_t)(n))
#define EVENTS_EP0DATADONE        (USBD + 0x128u)
#define EVENTS_ENDEPOUT(n)        (USBD + 0x130u + 4u * (uint32_t)(n))
#define EVENTS_USBEVENT           (USBD + 0x158u)
#define EVENTS_EP0SETUP           (USBD + 0x15Cu)
#define EVENTS_EPDATA             (USBD + 0x160u)
#define EVENTCAUSE                (USBD + 0x400u)
#define EVENTCAUSE_READY          (1u << 11)
#define EPDATASTATUS              (USBD + 0x46Cu)
#define SETUP_BYTE(i)             (USBD + 0x480u + 4u * (uint32_t)(i))
#define SIZE_EPOUT(n)             (USBD + 0x4A0u + 4u * (uint32_t)(n))
#define ENABLE                    (USBD + 0x500u)
#define USBPULLUP                 (USBD + 0x504u)
#define DTOGGLE                   (USBD + 0x50Cu)
#define DTOGGLE_IN                (1u << 7)
#define DTOGGLE_DATA0             (1u << 8)
#define EPINEN                    (USBD + 0x510u)
#define EPOUTEN                   (USBD + 0x514u)
#define EPIN_PTR(n)               (USBD + 0x600u + 0x14u * (uint32_t)(n))
#define EPIN_MAXCNT(n)            (USBD + 0x604u + 0x14u * (uint32_t)(n))
#define EPOUT_PTR(n)              (USBD + 0x700u + 0x14u * (uint32_t)(n))
#define EPOUT_MAXCNT(n)           (USBD + 0x704u + 0x14u * (uint32_t)(n))
/* errata registers (undocumented addresses named by the errata sheet) */
#define ERRATA_UNLOCK             0x4006EC00u
#define ERRATA_UNLOCK_KEY         0x00009375u
#define ERRATA_171_REG            0x4006EC14u
#define ERRATA_187_REG            0x4006ED14u
#define ERRATA_166_REG0           (USBD + 0x800u)
#define ERRATA_166_REG1           (USBD + 0x804u)
#define ERRATA_199_REG            (USBD + 0xC1Cu)

#ifndef TMS_USB_READY_SPINS
#define TMS_USB_READY_SPINS 1000000u
#endif

enum { DMA_EP0_IN, DMA_EP0_OUT, DMA_NOTIFY_IN, DMA_DATA_IN, DMA_DATA_OUT, DMA_BUFFERS };

/* EasyDMA staging buffers (RAM); not static, so the host model can find where EPIN/EPOUT.PTR point */
uint8_t tms_usbd_dma_ram[DMA_BUFFERS][TMS_USB_BULK_BYTES];

static uint8_t started;          /* USBD enabled (VBUS was present) */
static uint8_t setup_is_set_address;
static uint8_t status_done_pending;
static uint8_t out_armed, out_waiting;  /* data OUT endpoint: firmware ready / a packet in the USBD */
static char serial_text[17];

static void write_errata(uint32_t reg, uint32_t value)
{
    /* each write to these registers is framed by the unlock key (errata 171/187 workaround text) */
    if (TMS_REG_READ(ERRATA_UNLOCK) == 0u) {
        TMS_REG_WRITE(ERRATA_UNLOCK, ERRATA_UNLOCK_KEY);
        TMS_REG_WRITE(reg, value);
        TMS_REG_WRITE(ERRATA_UNLOCK, ERRATA_UNLOCK_KEY);
    } else {
        TMS_REG_WRITE(reg, value);
    }
}

static void start_usbd(void)
{
    uint32_t spins;
    /* USBD needs the 64 MHz crystal; starting it again when it runs is harmless */
    TMS_REG_WRITE(CLOCK_EVENTS_HFCLKSTARTED, 0u);
    TMS_REG_WRITE(CLOCK_TASKS_HFCLKSTART, 1u);
    while (TMS_REG_READ(CLOCK_EVENTS_HFCLKSTARTED) == 0u) {
    }
    while ((TMS_REG_READ(POWER_USBREGSTATUS) & USBREGSTATUS_OUTPUTRDY) == 0u) {
    }
    /* a bootloader may hand over with the USBD still on: off first, so the host sees the device go
     * and come back (and enumerates our descriptors), and READY comes again */
    if (TMS_REG_READ(ENABLE) != 0u) {
        TMS_REG_WRITE(USBPULLUP, 0u);
        TMS_REG_WRITE(ENABLE, 0u);
    }
    write_errata(ERRATA_187_REG, 0x3u);
    write_errata(ERRATA_171_REG, 0xC0u);
    TMS_REG_WRITE(ENABLE, 1u);
    /* READY comes within microseconds; bounded, so a USBD that never reports it cannot hang the boot */
    for (spins = 0u; spins < TMS_USB_READY_SPINS && (TMS_REG_READ(EVENTCAUSE) & EVENTCAUSE_READY) == 0u; spins++) {
    }
    TMS_REG_WRITE(EVENTCAUSE, EVENTCAUSE_READY);  /* write-1-to-clear */
    write_errata(ERRATA_171_REG, 0x0u);
    TMS_REG_WRITE(ERRATA_166_REG0, 0x7E3u);
    TMS_REG_WRITE(ERRATA_166_REG1, 0x40u);
    write_errata(ERRATA_187_REG, 0x0u);
    TMS_REG_WRITE(EPINEN, 1u);
    TMS_REG_WRITE(EPOUTEN, 1u);
    TMS_REG_WRITE(USBPULLUP, 1u);
    started = 1u;
}

void tms_usbd_init(void)
{
    started = 0u;
    status_done_pending = 0u;
    out_armed = 0u;
    out_waiting = 0u;
    /* without VBUS (powered from VIN) the USBD stays off; tms_usbd_poll starts it when VBUS comes */
    if (TMS_REG_READ(POWER_USBREGSTATUS) & USBREGSTATUS_VBUSDETECT) {
        start_usbd();
    }
}

/* one EasyDMA transfer at a time, waited for: the END event says the RAM buffer is free again */
static void dma(uint32_t ptr_reg, uint32_t maxcnt_reg, uint32_t task, uint32_t end_event, uint8_t *buf, uint32_t len)
{
    TMS_REG_WRITE(ptr_reg, (uint32_t)(uintptr_t)buf);
    TMS_REG_WRITE(maxcnt_reg, len);
    TMS_REG_WRITE(end_event, 0u);
    TMS_REG_WRITE(ERRATA_199_REG, 0x82u);
    TMS_REG_WRITE(task, 1u);
    while (TMS_REG_READ(end_event) == 0u) {
    }
    TMS_REG_WRITE(end_event, 0u);
    TMS_REG_WRITE(ERRATA_199_REG, 0x0u);
}

static void send_in(uint8_t ep, uint8_t slot, const uint8_t *data, uint16_t len)
{
    uint16_t i;
    for (i = 0; i < len; i++) {
        tms_usbd_dma_ram[slot][i] = data[i];
    }
    dma(EPIN_PTR(ep), EPIN_MAXCNT(ep), TASKS_STARTEPIN(ep), EVENTS_ENDEPIN(ep), tms_usbd_dma_ram[slot], len);
}

static uint16_t receive_out(uint8_t ep, uint8_t slot)
{
    uint16_t len = (uint16_t)TMS_REG_READ(SIZE_EPOUT(ep));
    if (len > TMS_USB_BULK_BYTES) {
        len = TMS_USB_BULK_BYTES;
    }
    dma(EPOUT_PTR(ep), EPOUT_MAXCNT(ep), TASKS_STARTEPOUT(ep), EVENTS_ENDEPOUT(ep), tms_usbd_dma_ram[slot], len);
    return len;
}

void tms_usbd_poll(void)
{
    if (!started) {
        if (TMS_REG_READ(POWER_USBREGSTATUS) & USBREGSTATUS_VBUSDETECT) {
            start_usbd();
        }
        return;
    }
    if (TMS_REG_READ(EVENTS_USBRESET)) {
        TMS_REG_WRITE(EVENTS_USBRESET, 0u);
        TMS_REG_WRITE(EPINEN, 1u);
        TMS_REG_WRITE(EPOUTEN, 1u);
        status_done_pending = 0u;
        out_armed = 0u;
        out_waiting = 0u;
        tms_usb_cdc_on_reset();
    }
    if (status_done_pending) {
        /* EP0STATUS has no completion event; the status went out on the previous poll */
        status_done_pending = 0u;
        tms_usb_cdc_on_ep0_sent();
    }
    if (TMS_REG_READ(EVENTS_EP0DATADONE)) {
        TMS_REG_WRITE(EVENTS_EP0DATADONE, 0u);
        if (tms_usb_cdc.ep0_stage == TMS_USB_EP0_DATA_OUT) {  /* the packet waits in the USBD */
            uint16_t len = receive_out(0u, DMA_EP0_OUT);
            tms_usb_cdc_on_ep0_received(tms_usbd_dma_ram[DMA_EP0_OUT], len);
        } else {
            tms_usb_cdc_on_ep0_sent();
        }
    }
    if (TMS_REG_READ(EVENTS_EPDATA)) {
        uint32_t status;
        TMS_REG_WRITE(EVENTS_EPDATA, 0u);
        status = TMS_REG_READ(EPDATASTATUS);
        TMS_REG_WRITE(EPDATASTATUS, status);  /* write-1-to-clear */
        if (status & (1u << TMS_USB_EP_NOTIFY)) {
            tms_usb_cdc_on_sent(TMS_USB_EP_NOTIFY);
        }
        if (status & (1u << TMS_USB_EP_DATA)) {
            tms_usb_cdc_on_sent(TMS_USB_EP_DATA);
        }
        if (status & (1u << (16u + TMS_USB_EP_DATA))) {
            out_waiting = 1u;
        }
    }
    if (out_waiting && out_armed) {
        uint16_t len;
        out_waiting = 0u;
        out_armed = 0u;
        /* the DMA frees the USBD's buffer: the endpoint accepts the host's next packet */
        len = receive_out(TMS_USB_EP_DATA, DMA_DATA_OUT);
        tms_usb_cdc_on_received(TMS_USB_EP_DATA, tms_usbd_dma_ram[DMA_DATA_OUT], len);
    }
    if (TMS_REG_READ(EVENTS_EP0SETUP)) {
        uint8_t setup[8];
        uint8_t i;
        TMS_REG_WRITE(EVENTS_EP0SETUP, 0u);
        for (i = 0; i < 8u; i++) {
            setup[i] = (uint8_t)TMS_REG_READ(SETUP_BYTE(i));
        }
        setup_is_set_address = (uint8_t)(setup[0] == 0x00u && setup[1] == 0x05u);
        status_done_pending = 0u;
        tms_usb_cdc_on_setup(setup);
    }
}

void tms_usbd_ep0_send(const uint8_t *data, uint16_t len)
{
    send_in(0u, DMA_EP0_IN, data, len);
}

void tms_usbd_ep0_receive(void)
{
    TMS_REG_WRITE(TASKS_EP0RCVOUT, 1u);
}

void tms_usbd_ep0_status_in(void)
{
    /* the USBD answers SET_ADDRESS's status stage itself */
    if (!setup_is_set_address) {
        TMS_REG_WRITE(TASKS_EP0STATUS, 1u);
    }
    status_done_pending = 1u;
}

void tms_usbd_ep0_status_out(void)
{
    TMS_REG_WRITE(TASKS_EP0STATUS, 1u);
}

void tms_usbd_ep0_stall(void)
{
    TMS_REG_WRITE(TASKS_EP0STALL, 1u);
}

void tms_usbd_set_address(uint8_t address)
{
    /* the USBD took the address from the SET_ADDRESS request (USBADDR) */
    (void)address;
}

void tms_usbd_configure(void)
{
    TMS_REG_WRITE(EPINEN, 1u | (1u << TMS_USB_EP_NOTIFY) | (1u << TMS_USB_EP_DATA));
    TMS_REG_WRITE(EPOUTEN, 1u | (1u << TMS_USB_EP_DATA));
    /* SET_CONFIGURATION starts every endpoint at DATA0 (USB 2.0 spec 9.1.1.5); the USBD does not see
     * the request, so the toggles are reset here through DTOGGLE (select, then set) */
    TMS_REG_WRITE(DTOGGLE, DTOGGLE_IN | TMS_USB_EP_NOTIFY);
    TMS_REG_WRITE(DTOGGLE, DTOGGLE_DATA0 | DTOGGLE_IN | TMS_USB_EP_NOTIFY);
    TMS_REG_WRITE(DTOGGLE, DTOGGLE_IN | TMS_USB_EP_DATA);
    TMS_REG_WRITE(DTOGGLE, DTOGGLE_DATA0 | DTOGGLE_IN | TMS_USB_EP_DATA);
    TMS_REG_WRITE(DTOGGLE, TMS_USB_EP_DATA);
    TMS_REG_WRITE(DTOGGLE, DTOGGLE_DATA0 | TMS_USB_EP_DATA);
    out_armed = 0u;
    out_waiting = 0u;
}

void tms_usbd_ep_send(uint8_t ep, const uint8_t *data, uint16_t len)
{
    send_in(ep, ep == TMS_USB_EP_NOTIFY ? DMA_NOTIFY_IN : DMA_DATA_IN, data, len);
}

void tms_usbd_ep_receive(uint8_t ep)
{
    if (ep == TMS_USB_EP_DATA) {
        out_armed = 1u;
    }
}

const char *tms_usb_serial_text(void)
{
    /* FICR.DEVICEID: 64 bits unique to the chip, as 16 hex digits */
    static const char hex[] = "0123456789ABCDEF";
    uint32_t id[2];
    int i;
    id[0] = TMS_REG_READ(FICR_DEVICEID1);
    id[1] = TMS_REG_READ(FICR_DEVICEID0);
    for (i = 0; i < 16; i++) {
        serial_text[i] = hex[(id[i / 8] >> (28 - 4 * (i % 8))) & 0xFu];
    }
    serial_text[16] = '\0';
    return serial_text;
}

void tms_usbd_enter_bootloader(void)
{
    volatile uint32_t spin;
    /* let the status stage reach the host before the USB goes away */
    for (spin = 0u; spin < 100000u; spin++) {
    }
    TMS_REG_WRITE(POWER_GPREGRET, ARDUINO_DFU_MAGIC_SERIAL);
    TMS_REG_WRITE(SCB_AIRCR, AIRCR_SYSRESETREQ);
#ifndef TMS_HOST_MODEL
    for (;;) {
    }
#endif
}
