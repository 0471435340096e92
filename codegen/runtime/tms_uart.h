/* The byte sink the protocol printer writes to: one implementation per board family in board/. */
#ifndef TMS_UART_H
#define TMS_UART_H
#include <stddef.h>

void tms_uart_init(void);
void tms_uart_write(const char *data, size_t len);
/* blocks until every byte written so far has left the transmitter */
void tms_uart_flush(void);

#endif
