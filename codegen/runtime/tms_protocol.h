/* The serial protocol: one JSON object per line, written without printf.
 *
 * Strings that came from the project (project name, board, labels) arrive already encoded as
 * JSON string literals (quotes included) by codegen.cnames.json_string_literal, and are written
 * verbatim. Numbers are formatted here: floats with a fixed number of decimals (in exponent form
 * beyond 2^32), and non-finite values as null (JSON has no NaN). */
#ifndef TMS_PROTOCOL_H
#define TMS_PROTOCOL_H
#include <stddef.h>
#include <stdint.h>

/* decimals of every score the firmware prints (inference lines, alerts) */
#define TMS_SCORE_DECIMALS 5u

void tms_put_raw(const char *text);
void tms_put_u32(uint32_t value);
void tms_put_u64(uint64_t value);
void tms_put_i32(int32_t value);
void tms_put_float(float value, unsigned decimals);
/* writes "\n" and flushes, so a reader sees whole lines */
void tms_put_line_end(void);

/* formats into buf (at least 32 bytes); returns the length. Exposed for host tests. */
size_t tms_format_float(char *buf, float value, unsigned decimals);
size_t tms_format_u64(char *buf, uint64_t value);
/* n / d for 0 < d < 65536 without 64-bit division; the remainder into *rem when rem is not NULL */
uint64_t tms_udiv64_small(uint64_t n, uint32_t d, uint32_t *rem);

void tms_print_hello(const char *project_json, const char *board_json, const char *build_json,
                     uint32_t clock_hz);
void tms_print_inference(uint32_t seq, const char *label_json, int32_t index, const float *scores,
                         size_t n_scores, uint64_t dsp_cycles, uint64_t model_cycles);
void tms_print_end(uint32_t inferences);
/* {"type":"power","seq":N,"busy_us":B,"window_us":W,"busy_cycles":b,"window_cycles":w}: a span of the
 * sample tick's time and the part of it the core was awake (tms_power.c, board/nrf52840_rtc_tick.c) */
void tms_print_power_span(uint32_t seq, uint64_t busy_cycles, uint64_t window_cycles, uint32_t busy_us,
                          uint32_t window_us);
/* A driver-fed sensor's ring: from then on every inference line carries "overruns":N, the samples
 * its ring (or the part's own FIFO) has lost so far. NULL stops it. */
void tms_report_overruns(const volatile uint32_t *counter);
/* {"type":"log","level":"error","message":"sensor <what>: <reason>","node":..,"part":..,"status":N}
 * for a driver's TMS_SENSOR_E* status; node_json and part_json are JSON string literals */
void tms_print_sensor_error(const char *node_json, const char *part_json, const char *what, int32_t status);

#endif
