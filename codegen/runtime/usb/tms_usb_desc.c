/* USB descriptors of the CDC-ACM serial port (see tms_usb_desc.h). Follows USB 2.0 spec chapter 9.6
 * (device 9.6.1, configuration 9.6.3, interface 9.6.5, endpoint 9.6.6, string 9.6.7), CDC 1.2
 * section 5.2.3 (header and union functional descriptors), PSTN 1.2 section 5.3 (call management,
 * abstract control management functional descriptors). The Python reference it must match: tests/codegen/usb/usb_spec.py.
 * TMS_USB_VID, TMS_USB_PID and the UTF-8 string literals TMS_USB_MANUFACTURER, TMS_USB_PRODUCT
 * come from tms_board.h, written by codegen/firmware_boards.py from the board profile. */
#include "tms_usb_desc.h"
#include "tms_board.h"

#if !defined(TMS_USB_VID) || !defined(TMS_USB_PID) || !defined(TMS_USB_MANUFACTURER) || !defined(TMS_USB_PRODUCT)
#error "tms_board.h must define TMS_USB_VID, TMS_USB_PID, TMS_USB_MANUFACTURER and TMS_USB_PRODUCT"
#endif

#define LO(v) ((uint8_t)((v) & 0xFFu))
#define HI(v) ((uint8_t)(((v) >> 8) & 0xFFu))

const uint8_t tms_usb_device_desc[18] = {
    18u, 0x01u,                 /* bLength, DEVICE */
    LO(0x0200u), HI(0x0200u),   /* bcdUSB 2.00 */
    /* class "miscellaneous / common / interface association": the CDC function is described by
     * its interface association descriptor (IAD ECN, table 1-1) */
    0xEFu, 0x02u, 0x01u,
    (uint8_t)TMS_USB_EP0_BYTES,
    LO(TMS_USB_VID), HI(TMS_USB_VID),
    LO(TMS_USB_PID), HI(TMS_USB_PID),
    LO(0x0100u), HI(0x0100u),   /* bcdDevice 1.00 */
    TMS_USB_STR_MANUFACTURER, TMS_USB_STR_PRODUCT, TMS_USB_STR_SERIAL,
    1u,                         /* bNumConfigurations */
};

const uint8_t tms_usb_config_desc[TMS_USB_CONFIG_BYTES] = {
    /* configuration: bus powered, 100 mA */
    9u, 0x02u, LO(TMS_USB_CONFIG_BYTES), HI(TMS_USB_CONFIG_BYTES), 2u, TMS_USB_CONFIG_VALUE, 0u, 0x80u, 50u,
    /* interface association: the two interfaces are one CDC-ACM function */
    8u, 0x0Bu, TMS_USB_IF_COMM, 2u, 0x02u, 0x02u, 0x00u, 0u,
    /* communication interface: CDC class, abstract control model, no AT protocol (so modem
     * managers leave the port alone) */
    9u, 0x04u, TMS_USB_IF_COMM, 0u, 1u, 0x02u, 0x02u, 0x00u, 0u,
    /* header functional descriptor: CDC 1.20 */
    5u, 0x24u, 0x00u, LO(0x0120u), HI(0x0120u),
    /* call management: the device does not handle calls itself; data interface 1 */
    5u, 0x24u, 0x01u, 0x00u, TMS_USB_IF_DATA,
    /* abstract control management: Set/Get_Line_Coding, Set_Control_Line_State, Serial_State */
    4u, 0x24u, 0x02u, 0x02u,
    /* union: communication interface 0 controls data interface 1 */
    5u, 0x24u, 0x06u, TMS_USB_IF_COMM, TMS_USB_IF_DATA,
    /* notification endpoint: interrupt IN, polled every 16 ms */
    7u, 0x05u, (uint8_t)(0x80u | TMS_USB_EP_NOTIFY), 0x03u, LO(TMS_USB_NOTIFY_BYTES), HI(TMS_USB_NOTIFY_BYTES), 16u,
    /* data interface: CDC data class */
    9u, 0x04u, TMS_USB_IF_DATA, 0u, 2u, 0x0Au, 0x00u, 0x00u, 0u,
    7u, 0x05u, (uint8_t)TMS_USB_EP_DATA, 0x02u, LO(TMS_USB_BULK_BYTES), HI(TMS_USB_BULK_BYTES), 0u,
    7u, 0x05u, (uint8_t)(0x80u | TMS_USB_EP_DATA), 0x02u, LO(TMS_USB_BULK_BYTES), HI(TMS_USB_BULK_BYTES), 0u,
};

/* One code point from UTF-8 at *p (advancing it). A malformed sequence gives one U+FFFD per maximal
 * ill-formed subpart (Unicode 15 section 3.9, "U+FFFD substitution of maximal subparts", as
 * Python's decoder with errors="replace"): the second byte's range excludes overlong forms,
 * surrogates and values past U+10FFFF, so a bad byte can neither stall nor overrun the decoder. */
static uint32_t next_code_point(const uint8_t **p)
{
    const uint8_t *s = *p;
    uint8_t lead = s[0];
    uint8_t lo = 0x80u, hi = 0xBFu;
    uint32_t cp;
    unsigned extra, i;
    if (lead < 0x80u) {
        *p = s + 1;
        return lead;
    }
    if (lead >= 0xC2u && lead <= 0xDFu) {
        cp = lead & 0x1Fu;
        extra = 1u;
    } else if (lead >= 0xE0u && lead <= 0xEFu) {
        cp = lead & 0x0Fu;
        extra = 2u;
        lo = lead == 0xE0u ? 0xA0u : 0x80u;
        hi = lead == 0xEDu ? 0x9Fu : 0xBFu;
    } else if (lead >= 0xF0u && lead <= 0xF4u) {
        cp = lead & 0x07u;
        extra = 3u;
        lo = lead == 0xF0u ? 0x90u : 0x80u;
        hi = lead == 0xF4u ? 0x8Fu : 0xBFu;
    } else {
        *p = s + 1;
        return 0xFFFDu;
    }
    for (i = 1u; i <= extra; i++) {
        if (s[i] < lo || s[i] > hi) {  /* also stops at the terminating NUL */
            *p = s + i;
            return 0xFFFDu;
        }
        lo = 0x80u;
        hi = 0xBFu;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    *p = s + extra + 1u;
    return cp;
}

static uint16_t put_unit(uint8_t *out, uint16_t at, uint16_t cap, uint32_t unit)
{
    if ((uint32_t)at + 2u > cap) {
        return at;
    }
    out[at] = LO(unit);
    out[at + 1u] = HI(unit);
    return (uint16_t)(at + 2u);
}

uint16_t tms_usb_utf16_desc(const char *text, uint8_t *out, uint16_t cap)
{
    const uint8_t *p = (const uint8_t *)text;
    uint16_t at = 2u;
    if (cap > TMS_USB_STRING_MAX_BYTES) {
        cap = TMS_USB_STRING_MAX_BYTES;
    }
    if (cap < 2u) {
        return 0u;
    }
    while (*p != 0u) {
        uint32_t cp = next_code_point(&p);
        if (cp >= 0x10000u) {
            /* a surrogate pair is written whole or not at all */
            if ((uint32_t)at + 4u > cap) {
                break;
            }
            cp -= 0x10000u;
            at = put_unit(out, at, cap, 0xD800u | (cp >> 10));
            at = put_unit(out, at, cap, 0xDC00u | (cp & 0x3FFu));
        } else {
            uint16_t next = put_unit(out, at, cap, cp);
            if (next == at) {
                break;
            }
            at = next;
        }
    }
    out[0] = (uint8_t)at;
    out[1] = 0x03u;  /* STRING */
    return at;
}

uint16_t tms_usb_string_desc(uint8_t index, uint8_t *out, uint16_t cap)
{
    switch (index) {
    case 0u:
        if (cap < 4u) {
            return 0u;
        }
        out[0] = 4u;
        out[1] = 0x03u;
        out[2] = LO(0x0409u);  /* English (United States) */
        out[3] = HI(0x0409u);
        return 4u;
    case TMS_USB_STR_MANUFACTURER:
        return tms_usb_utf16_desc(TMS_USB_MANUFACTURER, out, cap);
    case TMS_USB_STR_PRODUCT:
        return tms_usb_utf16_desc(TMS_USB_PRODUCT, out, cap);
    case TMS_USB_STR_SERIAL:
        return tms_usb_utf16_desc(tms_usb_serial_text(), out, cap);
    default:
        return 0u;
    }
}
