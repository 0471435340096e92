/* The serial functions of tms_uart.h over the USB CDC-ACM port (usb/tms_usb_cdc.c), no datasheet
 * of its own: DTR as PSTN 1.2 section 6.3.12 defines it; checked by tests/codegen/usb/
 * test_usb_cdc_device.py through the controller models. What the
 * protocol printer writes goes out on the bulk IN endpoint, what the host sends on bulk OUT is
 * what tms_uart_read_byte returns (the host-stream sample source). Bytes are packed into 64-byte
 * packets and sent when a packet is full or on tms_uart_flush (the printer flushes each line).
 * While no program on the host has the port open (DTR low) output is dropped, as a UART with
 * nothing attached would lose it, so the firmware never waits for a host that is not there; whole
 * lines only, so a program opening the port mid-line reads no half line. It then reads the first
 * line the firmware printed (the protocol's hello: which project and build run) before anything
 * else, as a monitor attached to a UART from power-on would have. A host that holds the port but
 * stops reading is given up on after TMS_USB_TX_SPINS polls. */
#include "tms_uart.h"
#include "tms_usb_cdc.h"

#ifndef TMS_USB_TX_SPINS
#define TMS_USB_TX_SPINS 2000000u
#endif
/* polls at start-up while the host enumerates (some hundred ms after the pull-up), about 1-2 s */
#ifndef TMS_USB_ENUM_SPINS
#define TMS_USB_ENUM_SPINS 4000000u
#endif

/* the first line kept for programs that open the port later (a longer one is not repeated) */
#ifndef TMS_USB_FIRST_LINE_BYTES
#define TMS_USB_FIRST_LINE_BYTES 192u
#endif

static uint8_t tx_packet[TMS_USB_BULK_BYTES];
static uint16_t tx_len;
static uint8_t first_line[TMS_USB_FIRST_LINE_BYTES];
static uint16_t first_len;
static uint8_t first_state;     /* 0 being written, 1 complete and kept, 2 too long to keep */
static uint8_t at_line_start = 1u;
static uint8_t dropping_line;   /* the line under way began while the port was closed */
static uint32_t seen_opens;     /* tms_usb_cdc.opens when the kept first line last went out */
uint32_t tms_usb_tx_dropped_bytes;
/* set while a tms_uart_* function runs, so the background poll never interleaves with it */
volatile uint8_t tms_usb_in_use;
static volatile uint8_t started;

void tms_uart_init(void)
{
    uint32_t spins;
    tms_usb_in_use = 1u;
    tx_len = 0u;
    first_len = 0u;
    first_state = 0u;
    at_line_start = 1u;
    dropping_line = 0u;
    seen_opens = 0u;
    tms_usb_cdc_init();
    started = 1u;
    /* a host that finds the device configured at once sees the port before the first line is printed */
    for (spins = 0u; spins < TMS_USB_ENUM_SPINS && tms_usb_cdc.state != TMS_USB_CONFIGURED; spins++) {
        tms_usb_cdc_poll();
    }
    tms_usb_in_use = 0u;
}

/* From the SysTick interrupt (tms_timer.c): control requests get answered while the firmware is busy
 * elsewhere (sampling, inference), within one SysTick period (2^24 core cycles: 262 ms at 64 MHz,
 * 134 ms at 125 MHz), well inside the host's 5 s control-transfer timeout. */
void tms_usb_background_poll(void)
{
    if (started && !tms_usb_in_use) {
        tms_usb_cdc_poll();
    }
}

/* sends the staged packet, waiting while the previous one is in flight */
static void send_packet(void)
{
    uint32_t spins = 0u;
    while (tx_len != 0u) {
        tms_usb_cdc_poll();
        if (!tms_usb_cdc_connected() || spins++ > TMS_USB_TX_SPINS) {
            tms_usb_tx_dropped_bytes += tx_len;
            tx_len = 0u;
            return;
        }
        if (tms_usb_cdc_send(tx_packet, tx_len) != 0u) {
            tx_len = 0u;
        }
    }
}

static void stage(uint8_t byte)
{
    tx_packet[tx_len++] = byte;
    if (tx_len == TMS_USB_BULK_BYTES) {
        send_packet();
    }
}

static void keep_first_line(uint8_t byte)
{
    if (first_state != 0u) {
        return;
    }
    if (first_len == sizeof first_line) {
        first_state = 2u;
        return;
    }
    first_line[first_len++] = byte;
    if (byte == '\n') {
        first_state = 1u;
    }
}

/* At a line boundary: a line begun while the port is closed is dropped whole; a program that opened
 * the port since the last line (a DTR rising edge) reads the kept first line before this one,
 * unless this is the first line itself. */
static void start_line(uint8_t is_first_line)
{
    uint8_t open = (uint8_t)tms_usb_cdc_connected();
    uint16_t i;
    if (open && tms_usb_cdc.opens != seen_opens) {
        seen_opens = tms_usb_cdc.opens;
        if (!is_first_line && first_state == 1u) {
            for (i = 0; i < first_len; i++) {
                stage(first_line[i]);
            }
        }
    }
    dropping_line = (uint8_t)!open;
}

void tms_uart_write(const char *data, size_t len)
{
    size_t i;
    tms_usb_in_use = 1u;
    tms_usb_cdc_poll();
    for (i = 0; i < len; i++) {
        uint8_t byte = (uint8_t)data[i];
        uint8_t is_first_line = (uint8_t)(first_state == 0u);
        keep_first_line(byte);
        if (at_line_start) {
            start_line(is_first_line);
        }
        if (dropping_line) {
            tms_usb_tx_dropped_bytes++;
        } else {
            stage(byte);
        }
        at_line_start = (uint8_t)(byte == '\n');
    }
    tms_usb_in_use = 0u;
}

void tms_uart_flush(void)
{
    uint32_t spins = 0u;
    tms_usb_in_use = 1u;
    send_packet();
    /* the last packet is on its way once the controller has handed it to the host */
    while (tms_usb_cdc_tx_busy() && tms_usb_cdc_connected() && spins++ <= TMS_USB_TX_SPINS) {
        tms_usb_cdc_poll();
    }
    tms_usb_in_use = 0u;
}

uint8_t tms_uart_read_byte(void)
{
    int byte;
    tms_usb_in_use = 1u;
    for (;;) {
        tms_usb_cdc_poll();
        byte = tms_usb_cdc_read();
        if (byte >= 0) {
            tms_usb_in_use = 0u;
            return (uint8_t)byte;
        }
    }
}
