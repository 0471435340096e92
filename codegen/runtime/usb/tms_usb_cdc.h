/* The USB CDC-ACM serial port the firmware prints its protocol on, where the MCU's own USB is the
 * board's connector: the device state machine with the standard requests (USB 2.0 spec 9.4) and the
 * CDC/PSTN class requests (PSTN 1.2 section 6.3), independent of the controller. A controller driver
 * (usb/nrf52840_usbd.c, usb/rp2040_usb.c) implements the tms_usbd_* functions below and reports
 * its events through tms_usb_cdc_on_*. Everything is polled: tms_usb_cdc_poll() runs from the
 * serial functions (tms_usb_uart.c) and from the SysTick interrupt the timer already takes, so no
 * device interrupt vector is needed. */
#ifndef TMS_USB_CDC_H
#define TMS_USB_CDC_H
#include <stdint.h>
#include "tms_usb_desc.h"

enum {
    TMS_USB_DEFAULT = 0,     /* after a bus reset: address 0 */
    TMS_USB_ADDRESSED = 1,
    TMS_USB_CONFIGURED = 2,
};

/* control endpoint stages (tms_usb_cdc_t.ep0_stage) */
enum {
    TMS_USB_EP0_IDLE = 0,
    TMS_USB_EP0_DATA_IN = 1,
    TMS_USB_EP0_DATA_OUT = 2,
    TMS_USB_EP0_STATUS_IN = 3,
    TMS_USB_EP0_STATUS_OUT = 4,
};

/* the 1200-baud "touch": the host sets 1200 baud and drops DTR to ask for the bootloader */
#define TMS_USB_TOUCH_BAUD 1200u
#define TMS_USB_RX_BYTES 256u
/* PSTN 1.2 table 17 (SetControlLineState): bit 0 DTR, bit 1 RTS */
#define TMS_USB_LINE_DTR 0x1u

typedef struct {
    uint8_t state;
    uint8_t configuration;
    uint8_t address;           /* applied after the SET_ADDRESS status stage */
    uint8_t pending_address;   /* 0x80 | address while its status stage is under way */
    uint8_t line_coding[7];    /* dwDTERate (LE), bCharFormat, bParityType, bDataBits */
    uint16_t control_line_state;
    uint32_t opens;            /* DTR rising edges: a program on the host opened the port */
    uint8_t bootloader_requested;
    /* control endpoint */
    uint8_t ep0_stage;
    uint8_t ep0_request;       /* bRequest of the control write whose data stage is under way */
    uint16_t ep0_out_expected;
    const uint8_t *ep0_tx;
    uint16_t ep0_tx_left;
    uint8_t ep0_tx_zlp;        /* a short transfer ending on a full packet is closed by a ZLP */
    uint8_t ep0_scratch[TMS_USB_STRING_MAX_BYTES];
    /* data endpoints */
    uint8_t tx_busy;
    uint8_t rx_armed;
    uint8_t rx[TMS_USB_RX_BYTES];
    uint16_t rx_head, rx_tail;
    uint32_t rx_dropped;       /* host bytes lost to a full receive ring (the endpoint NAKs first) */
    uint32_t setups, stalls, resets;
} tms_usb_cdc_t;

extern tms_usb_cdc_t tms_usb_cdc;

/* --- the device side the serial functions use --- */
void tms_usb_cdc_init(void);     /* controller on, pull-up connected: the host starts enumerating */
void tms_usb_cdc_poll(void);     /* handles what the controller has pending */
int tms_usb_cdc_connected(void); /* configured and the host holds DTR (a program has the port open) */
uint32_t tms_usb_cdc_baud(void);
/* queues up to one bulk packet; returns the bytes taken (0 while the previous packet is in flight) */
uint16_t tms_usb_cdc_send(const uint8_t *data, uint16_t len);
int tms_usb_cdc_tx_busy(void);
/* next received byte, or -1 */
int tms_usb_cdc_read(void);

/* the serial functions' poll from the SysTick interrupt (tms_usb_uart.c; skipped while one of them runs) */
void tms_usb_background_poll(void);

/* --- events a controller driver reports --- */
void tms_usb_cdc_on_reset(void);
void tms_usb_cdc_on_setup(const uint8_t setup[8]);
void tms_usb_cdc_on_ep0_sent(void);                                    /* IN data or status taken */
void tms_usb_cdc_on_ep0_received(const uint8_t *data, uint16_t len);   /* OUT data or status */
void tms_usb_cdc_on_sent(uint8_t ep);                                  /* bulk/interrupt IN taken */
void tms_usb_cdc_on_received(uint8_t ep, const uint8_t *data, uint16_t len);

/* --- the controller interface, one implementation per MCU --- */
void tms_usbd_init(void);
void tms_usbd_poll(void);
void tms_usbd_ep0_send(const uint8_t *data, uint16_t len);  /* one IN packet of a data stage, <= 64 bytes */
void tms_usbd_ep0_receive(void);                            /* accept one OUT packet of a data stage */
void tms_usbd_ep0_status_in(void);   /* status of a control write / no-data request: ZLP to the host */
void tms_usbd_ep0_status_out(void);  /* status of a control read: accept the host's ZLP */
void tms_usbd_ep0_stall(void);       /* request error (USB 2.0 spec 9.2.7) */
void tms_usbd_set_address(uint8_t address);  /* after the SET_ADDRESS status stage */
void tms_usbd_configure(void);       /* open the notification and bulk endpoints (SET_CONFIGURATION) */
void tms_usbd_ep_send(uint8_t ep, const uint8_t *data, uint16_t len);
void tms_usbd_ep_receive(uint8_t ep);   /* accept the next OUT packet on `ep` */
/* restarts into the board's bootloader; does not return on the target */
void tms_usbd_enter_bootloader(void);

#endif
