/* The byte sink the protocol printer writes to (and the byte source the host-stream sample source
 * reads): one implementation per board family in board/. */
#ifndef TMS_UART_H
#define TMS_UART_H
#include <stddef.h>
#include <stdint.h>

void tms_uart_init(void);
void tms_uart_write(const char *data, size_t len);
/* blocks until every byte written so far has left the transmitter */
void tms_uart_flush(void);
/* blocks until the host sends a byte; defined by every board glue (mps2, nrf52840, rp2040, stm32l4,
 * the Arduino sketch's), called only by tms_hoststream.c */
uint8_t tms_uart_read_byte(void);

#endif
