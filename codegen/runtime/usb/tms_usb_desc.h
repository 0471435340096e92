/* USB descriptors of the firmware's CDC-ACM serial port: device, configuration (interface
 * association, communication interface with its CDC functional descriptors and notification
 * endpoint, data interface with bulk OUT/IN) and UTF-16LE string descriptors.
 * Field layout: USB 2.0 specification section 9.6; CDC 1.2 section 5.2.3; PSTN 1.2 section 5.3;
 * interface association: USB ECN "Interface Association Descriptors" (2003).
 * Checked by tests/codegen/usb/test_usb_descriptors.py, which parses the bytes this file builds. */
#ifndef TMS_USB_DESC_H
#define TMS_USB_DESC_H
#include <stdint.h>

#define TMS_USB_EP0_BYTES      64u
#define TMS_USB_NOTIFY_BYTES   16u
#define TMS_USB_BULK_BYTES     64u
/* endpoint numbers (the address adds 0x80 for IN) */
#define TMS_USB_EP_NOTIFY      1u
#define TMS_USB_EP_DATA        2u
#define TMS_USB_IF_COMM        0u
#define TMS_USB_IF_DATA        1u
#define TMS_USB_CONFIG_VALUE   1u
#define TMS_USB_CONFIG_BYTES   75u
/* a string descriptor holds at most 126 UTF-16 code units (bLength is one byte) */
#define TMS_USB_STRING_MAX_BYTES 254u

#define TMS_USB_STR_MANUFACTURER 1u
#define TMS_USB_STR_PRODUCT      2u
#define TMS_USB_STR_SERIAL       3u

extern const uint8_t tms_usb_device_desc[18];
extern const uint8_t tms_usb_config_desc[TMS_USB_CONFIG_BYTES];

/* String descriptor `index` (0 = the language list) into `out` (at most `cap` bytes, truncated
 * at a whole code unit); returns its length in bytes, 0 when there is no such string. */
uint16_t tms_usb_string_desc(uint8_t index, uint8_t *out, uint16_t cap);

/* A string descriptor holding the UTF-8 text `utf8` as UTF-16LE (malformed UTF-8 as U+FFFD), at
 * most `cap` bytes; returns its length. */
uint16_t tms_usb_utf16_desc(const char *utf8, uint8_t *out, uint16_t cap);

/* The serial number text (ASCII/UTF-8), from the controller driver: a chip's unique id where it
 * can be read while running from flash, else the generation-time TMS_USB_SERIAL. */
const char *tms_usb_serial_text(void);

#endif
