/* USB device state machine and CDC-ACM class requests (see tms_usb_cdc.h). Follows the USB 2.0
 * specification chapter 9 (device states 9.1, control transfers 8.5.3 and 9.3, standard requests
 * 9.4) and PSTN 1.2 section 6.3 (SetLineCoding 6.3.10, GetLineCoding 6.3.11, SetControlLineState
 * 6.3.12). Checked against register-level controller models by tests/codegen/usb/. */
#include "tms_usb_cdc.h"

#define REQ_GET_STATUS        0x00u
#define REQ_CLEAR_FEATURE     0x01u
#define REQ_SET_FEATURE       0x03u
#define REQ_SET_ADDRESS       0x05u
#define REQ_GET_DESCRIPTOR    0x06u
#define REQ_GET_CONFIGURATION 0x08u
#define REQ_SET_CONFIGURATION 0x09u
#define REQ_GET_INTERFACE     0x0Au
#define REQ_SET_INTERFACE     0x0Bu
#define CDC_SET_LINE_CODING        0x20u
#define CDC_GET_LINE_CODING        0x21u
#define CDC_SET_CONTROL_LINE_STATE 0x22u
#define CDC_SEND_BREAK             0x23u

#define DESC_DEVICE 1u
#define DESC_CONFIG 2u
#define DESC_STRING 3u

tms_usb_cdc_t tms_usb_cdc;

static const uint8_t zero_status[2] = {0u, 0u};

static void copy_bytes(uint8_t *dst, const uint8_t *src, uint16_t len)
{
    uint16_t i;
    for (i = 0; i < len; i++) {
        dst[i] = src[i];
    }
}

static void default_line_coding(void)
{
    static const uint8_t coding[7] = {0x00u, 0xC2u, 0x01u, 0x00u, 0u, 0u, 8u};  /* 115200 8N1 */
    copy_bytes(tms_usb_cdc.line_coding, coding, 7u);
}

void tms_usb_cdc_init(void)
{
    uint8_t *p = (uint8_t *)&tms_usb_cdc;
    uint32_t i;
    for (i = 0; i < sizeof tms_usb_cdc; i++) {
        p[i] = 0u;
    }
    default_line_coding();
    tms_usbd_init();
}

void tms_usb_cdc_poll(void)
{
    tms_usbd_poll();
}

int tms_usb_cdc_connected(void)
{
    return tms_usb_cdc.state == TMS_USB_CONFIGURED && (tms_usb_cdc.control_line_state & TMS_USB_LINE_DTR) != 0u;
}

uint32_t tms_usb_cdc_baud(void)
{
    const uint8_t *c = tms_usb_cdc.line_coding;
    return (uint32_t)c[0] | ((uint32_t)c[1] << 8) | ((uint32_t)c[2] << 16) | ((uint32_t)c[3] << 24);
}

static uint16_t rx_count(void)
{
    return (uint16_t)((tms_usb_cdc.rx_head + TMS_USB_RX_BYTES - tms_usb_cdc.rx_tail) % TMS_USB_RX_BYTES);
}

static uint16_t rx_free(void)
{
    return (uint16_t)(TMS_USB_RX_BYTES - 1u - rx_count());
}

/* The OUT endpoint is re-armed only while a whole packet fits: until then the controller NAKs and
 * the host holds the bytes, so none is lost to a busy firmware. */
static void rx_arm_if_room(void)
{
    if (tms_usb_cdc.state == TMS_USB_CONFIGURED && !tms_usb_cdc.rx_armed && rx_free() >= TMS_USB_BULK_BYTES) {
        tms_usb_cdc.rx_armed = 1u;
        tms_usbd_ep_receive(TMS_USB_EP_DATA);
    }
}

int tms_usb_cdc_read(void)
{
    int byte;
    if (rx_count() == 0u) {
        rx_arm_if_room();
        return -1;
    }
    byte = tms_usb_cdc.rx[tms_usb_cdc.rx_tail];
    tms_usb_cdc.rx_tail = (uint16_t)((tms_usb_cdc.rx_tail + 1u) % TMS_USB_RX_BYTES);
    rx_arm_if_room();
    return byte;
}

int tms_usb_cdc_tx_busy(void)
{
    return tms_usb_cdc.tx_busy;
}

uint16_t tms_usb_cdc_send(const uint8_t *data, uint16_t len)
{
    if (tms_usb_cdc.state != TMS_USB_CONFIGURED || tms_usb_cdc.tx_busy || len == 0u) {
        return 0u;
    }
    if (len > TMS_USB_BULK_BYTES) {
        len = TMS_USB_BULK_BYTES;
    }
    tms_usb_cdc.tx_busy = 1u;
    tms_usbd_ep_send(TMS_USB_EP_DATA, data, len);
    return len;
}

void tms_usb_cdc_on_reset(void)
{
    tms_usb_cdc.state = TMS_USB_DEFAULT;
    tms_usb_cdc.configuration = 0u;
    tms_usb_cdc.address = 0u;
    tms_usb_cdc.pending_address = 0u;
    tms_usb_cdc.control_line_state = 0u;
    tms_usb_cdc.ep0_stage = TMS_USB_EP0_IDLE;
    tms_usb_cdc.ep0_tx_left = 0u;
    tms_usb_cdc.ep0_tx_zlp = 0u;
    tms_usb_cdc.tx_busy = 0u;
    tms_usb_cdc.rx_armed = 0u;
    tms_usb_cdc.resets++;
}

static void stall(void)
{
    tms_usb_cdc.ep0_stage = TMS_USB_EP0_IDLE;
    tms_usb_cdc.stalls++;
    tms_usbd_ep0_stall();
}

static void status_in(void)
{
    tms_usb_cdc.ep0_stage = TMS_USB_EP0_STATUS_IN;
    tms_usbd_ep0_status_in();
}

static void ep0_next_packet(void)
{
    uint16_t n = tms_usb_cdc.ep0_tx_left;
    if (n > TMS_USB_EP0_BYTES) {
        n = TMS_USB_EP0_BYTES;
    }
    if (n == 0u) {
        tms_usb_cdc.ep0_tx_zlp = 0u;
    }
    tms_usbd_ep0_send(tms_usb_cdc.ep0_tx, n);
    tms_usb_cdc.ep0_tx += n;
    tms_usb_cdc.ep0_tx_left = (uint16_t)(tms_usb_cdc.ep0_tx_left - n);
}

/* A control read's data stage: never more than wLength; a transfer shorter than wLength that ends
 * on a full packet is ended by a zero-length packet (USB 2.0 spec 5.5.3). */
static void send_data(const uint8_t *data, uint16_t len, uint16_t w_length)
{
    if (len > w_length) {
        len = w_length;
    }
    tms_usb_cdc.ep0_tx = data;
    tms_usb_cdc.ep0_tx_left = len;
    tms_usb_cdc.ep0_tx_zlp = (uint8_t)(len < w_length && len % TMS_USB_EP0_BYTES == 0u);
    tms_usb_cdc.ep0_stage = TMS_USB_EP0_DATA_IN;
    ep0_next_packet();
}

static void get_descriptor(uint16_t w_value, uint16_t w_length)
{
    uint8_t type = (uint8_t)(w_value >> 8);
    uint8_t index = (uint8_t)(w_value & 0xFFu);
    uint16_t len;
    switch (type) {
    case DESC_DEVICE:
        send_data(tms_usb_device_desc, sizeof tms_usb_device_desc, w_length);
        return;
    case DESC_CONFIG:
        send_data(tms_usb_config_desc, sizeof tms_usb_config_desc, w_length);
        return;
    case DESC_STRING:
        len = tms_usb_string_desc(index, tms_usb_cdc.ep0_scratch, sizeof tms_usb_cdc.ep0_scratch);
        if (len != 0u) {
            send_data(tms_usb_cdc.ep0_scratch, len, w_length);
            return;
        }
        break;
    default:
        /* a full-speed-only device answers DEVICE_QUALIFIER with a request error (9.6.2) */
        break;
    }
    stall();
}

static void set_configuration(uint16_t value)
{
    if (tms_usb_cdc.state == TMS_USB_DEFAULT || (value != 0u && value != TMS_USB_CONFIG_VALUE)) {
        stall();
        return;
    }
    tms_usb_cdc.configuration = (uint8_t)value;
    if (value == 0u) {
        tms_usb_cdc.state = TMS_USB_ADDRESSED;
    } else {
        tms_usb_cdc.state = TMS_USB_CONFIGURED;
        tms_usb_cdc.tx_busy = 0u;
        tms_usb_cdc.rx_armed = 0u;
        tms_usbd_configure();
        rx_arm_if_room();
    }
    status_in();
}

/* Arduino's convention: 1200 baud with DTR low asks for the bootloader; entered once the request's
 * status stage has gone out, so the host sees the request completed. */
static void check_touch(void)
{
    tms_usb_cdc.bootloader_requested = (uint8_t)(tms_usb_cdc_baud() == TMS_USB_TOUCH_BAUD
                                                 && (tms_usb_cdc.control_line_state & TMS_USB_LINE_DTR) == 0u);
}

static void standard_request(const uint8_t *s, uint16_t w_value, uint16_t w_length)
{
    uint8_t recipient = s[0] & 0x1Fu;
    switch (s[1]) {
    case REQ_GET_STATUS:
        /* bus powered, no remote wake-up, no halted endpoint */
        send_data(zero_status, 2u, w_length);
        return;
    case REQ_CLEAR_FEATURE:
    case REQ_SET_FEATURE:
        if (recipient == 2u && w_value == 0u) {  /* ENDPOINT_HALT: accepted, the endpoints never halt */
            status_in();
            return;
        }
        break;
    case REQ_SET_ADDRESS:
        if (s[0] == 0x00u && w_value <= 127u && tms_usb_cdc.state != TMS_USB_CONFIGURED) {
            tms_usb_cdc.pending_address = (uint8_t)(0x80u | w_value);
            status_in();
            return;
        }
        break;
    case REQ_GET_DESCRIPTOR:
        if ((s[0] & 0x80u) != 0u) {
            get_descriptor(w_value, w_length);
            return;
        }
        break;
    case REQ_GET_CONFIGURATION:
        send_data(&tms_usb_cdc.configuration, 1u, w_length);
        return;
    case REQ_SET_CONFIGURATION:
        set_configuration(w_value);
        return;
    case REQ_GET_INTERFACE:
        if (tms_usb_cdc.state == TMS_USB_CONFIGURED) {
            send_data(zero_status, 1u, w_length);
            return;
        }
        break;
    case REQ_SET_INTERFACE:
        if (tms_usb_cdc.state == TMS_USB_CONFIGURED && w_value == 0u) {
            status_in();
            return;
        }
        break;
    default:
        break;
    }
    stall();
}

static void class_request(const uint8_t *s, uint16_t w_value, uint16_t w_index, uint16_t w_length)
{
    if ((s[0] & 0x1Fu) != 1u || w_index != TMS_USB_IF_COMM) {
        stall();
        return;
    }
    switch (s[1]) {
    case CDC_SET_LINE_CODING:
        if (s[0] == 0x21u && w_length == 7u) {
            tms_usb_cdc.ep0_request = CDC_SET_LINE_CODING;
            tms_usb_cdc.ep0_out_expected = 7u;
            tms_usb_cdc.ep0_stage = TMS_USB_EP0_DATA_OUT;
            tms_usbd_ep0_receive();
            return;
        }
        break;
    case CDC_GET_LINE_CODING:
        if (s[0] == 0xA1u) {
            send_data(tms_usb_cdc.line_coding, 7u, w_length);
            return;
        }
        break;
    case CDC_SET_CONTROL_LINE_STATE:
        if (s[0] == 0x21u) {
            if ((w_value & TMS_USB_LINE_DTR) != 0u && (tms_usb_cdc.control_line_state & TMS_USB_LINE_DTR) == 0u) {
                tms_usb_cdc.opens++;
            }
            tms_usb_cdc.control_line_state = w_value;
            check_touch();
            status_in();
            return;
        }
        break;
    case CDC_SEND_BREAK:
        if (s[0] == 0x21u) {
            status_in();
            return;
        }
        break;
    default:
        break;
    }
    stall();
}

void tms_usb_cdc_on_setup(const uint8_t setup[8])
{
    uint16_t w_value = (uint16_t)(setup[2] | (setup[3] << 8));
    uint16_t w_index = (uint16_t)(setup[4] | (setup[5] << 8));
    uint16_t w_length = (uint16_t)(setup[6] | (setup[7] << 8));
    /* a SETUP always starts a new transfer, whatever the previous one left */
    tms_usb_cdc.setups++;
    tms_usb_cdc.ep0_stage = TMS_USB_EP0_IDLE;
    tms_usb_cdc.ep0_tx_left = 0u;
    tms_usb_cdc.ep0_tx_zlp = 0u;
    tms_usb_cdc.pending_address = 0u;
    switch ((setup[0] >> 5) & 0x3u) {
    case 0u:
        standard_request(setup, w_value, w_length);
        break;
    case 1u:
        class_request(setup, w_value, w_index, w_length);
        break;
    default:
        stall();
        break;
    }
}

void tms_usb_cdc_on_ep0_sent(void)
{
    switch (tms_usb_cdc.ep0_stage) {
    case TMS_USB_EP0_DATA_IN:
        if (tms_usb_cdc.ep0_tx_left != 0u || tms_usb_cdc.ep0_tx_zlp) {
            ep0_next_packet();
        } else {
            tms_usb_cdc.ep0_stage = TMS_USB_EP0_STATUS_OUT;
            tms_usbd_ep0_status_out();
        }
        break;
    case TMS_USB_EP0_STATUS_IN:
        tms_usb_cdc.ep0_stage = TMS_USB_EP0_IDLE;
        if (tms_usb_cdc.pending_address & 0x80u) {
            /* the new address takes effect after the status stage (USB 2.0 spec 9.4.6) */
            tms_usb_cdc.address = tms_usb_cdc.pending_address & 0x7Fu;
            tms_usb_cdc.pending_address = 0u;
            tms_usb_cdc.state = tms_usb_cdc.address ? TMS_USB_ADDRESSED : TMS_USB_DEFAULT;
            tms_usbd_set_address(tms_usb_cdc.address);
        }
        if (tms_usb_cdc.bootloader_requested) {
            tms_usbd_enter_bootloader();
        }
        break;
    default:
        break;
    }
}

void tms_usb_cdc_on_ep0_received(const uint8_t *data, uint16_t len)
{
    if (tms_usb_cdc.ep0_stage == TMS_USB_EP0_STATUS_OUT) {
        tms_usb_cdc.ep0_stage = TMS_USB_EP0_IDLE;
        return;
    }
    if (tms_usb_cdc.ep0_stage != TMS_USB_EP0_DATA_OUT) {
        return;
    }
    if (tms_usb_cdc.ep0_request == CDC_SET_LINE_CODING && len == tms_usb_cdc.ep0_out_expected) {
        copy_bytes(tms_usb_cdc.line_coding, data, 7u);
        check_touch();
        status_in();
        return;
    }
    stall();
}

void tms_usb_cdc_on_sent(uint8_t ep)
{
    if (ep == TMS_USB_EP_DATA) {
        tms_usb_cdc.tx_busy = 0u;
    }
}

void tms_usb_cdc_on_received(uint8_t ep, const uint8_t *data, uint16_t len)
{
    uint16_t i;
    if (ep != TMS_USB_EP_DATA) {
        return;
    }
    tms_usb_cdc.rx_armed = 0u;
    for (i = 0; i < len; i++) {
        uint16_t next = (uint16_t)((tms_usb_cdc.rx_head + 1u) % TMS_USB_RX_BYTES);
        if (next == tms_usb_cdc.rx_tail) {
            tms_usb_cdc.rx_dropped += (uint32_t)(len - i);
            break;
        }
        tms_usb_cdc.rx[tms_usb_cdc.rx_head] = data[i];
        tms_usb_cdc.rx_head = next;
    }
    rx_arm_if_room();
}
