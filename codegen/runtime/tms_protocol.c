/* Serial protocol printer; see tms_protocol.h. Host-testable: depends only on tms_uart.h and
 * tms_timer_cycles_to_us. */
#include <float.h>

#include "tms_protocol.h"
#include "tms_timer.h"
#include "tms_uart.h"

static size_t tms_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

void tms_put_raw(const char *text)
{
    tms_uart_write(text, tms_strlen(text));
}

/* n / d for d < 65536, in 16-bit limbs with 32-bit arithmetic: libgcc's 64-bit division (and
 * the soft-double code float->uint64 conversion pulls in) would cost kilobytes of flash. */
uint64_t tms_udiv64_small(uint64_t n, uint32_t d, uint32_t *rem)
{
    uint64_t q = 0;
    uint32_t r = 0;
    int shift;
    for (shift = 48; shift >= 0; shift -= 16) {
        uint32_t cur = (r << 16) | (uint32_t)((n >> shift) & 0xFFFFu);
        q |= (uint64_t)(cur / d) << shift;
        r = cur % d;
    }
    if (rem) {
        *rem = r;
    }
    return q;
}

size_t tms_format_u64(char *buf, uint64_t value)
{
    char tmp[21];
    size_t n = 0, i;
    do {
        uint32_t digit;
        if (value <= 0xFFFFFFFFu) {
            uint32_t v32 = (uint32_t)value;
            digit = v32 % 10u;
            value = v32 / 10u;
        } else {
            value = tms_udiv64_small(value, 10u, &digit);
        }
        tmp[n++] = (char)('0' + (int)digit);
    } while (value != 0u);
    for (i = 0; i < n; i++) {
        buf[i] = tmp[n - 1u - i];
    }
    buf[n] = '\0';
    return n;
}

void tms_put_u64(uint64_t value)
{
    char buf[21];
    tms_uart_write(buf, tms_format_u64(buf, value));
}

void tms_put_u32(uint32_t value)
{
    tms_put_u64(value);
}

void tms_put_i32(int32_t value)
{
    if (value < 0) {
        tms_uart_write("-", 1);
        tms_put_u64((uint64_t)(-(int64_t)value));
    } else {
        tms_put_u64((uint64_t)value);
    }
}

size_t tms_format_float(char *buf, float value, unsigned decimals)
{
    uint32_t scale = 1u, whole, frac;
    size_t n = 0;
    unsigned d;
    int exponent = 0;
    float magnitude;
    if (decimals > 9u) {
        decimals = 9u;
    }
    if (!(value == value) || value > FLT_MAX || value < -FLT_MAX) {
        /* NaN and infinities: JSON has no such numbers */
        buf[0] = 'n'; buf[1] = 'u'; buf[2] = 'l'; buf[3] = 'l'; buf[4] = '\0';
        return 4;
    }
    for (d = 0; d < decimals; d++) {
        scale *= 10u;
    }
    magnitude = value < 0.0f ? -value : value;
    /* beyond 32-bit integers, print in exponent form (float has only ~7 significant digits anyway) */
    while (magnitude >= 4294967040.0f) {
        magnitude /= 10.0f;
        exponent++;
    }
    whole = (uint32_t)magnitude;
    frac = (uint32_t)((magnitude - (float)whole) * (float)scale + 0.5f);
    if (frac >= scale) {
        whole += 1u;
        frac -= scale;
    }
    if (value < 0.0f && (whole != 0u || frac != 0u)) {
        buf[n++] = '-';
    }
    n += tms_format_u64(buf + n, whole);
    if (decimals > 0u) {
        uint32_t div = scale;
        buf[n++] = '.';
        for (d = 0; d < decimals; d++) {
            div /= 10u;
            buf[n++] = (char)('0' + (int)((frac / div) % 10u));
        }
    }
    if (exponent > 0) {
        buf[n++] = 'e';
        n += tms_format_u64(buf + n, (uint64_t)exponent);
    }
    buf[n] = '\0';
    return n;
}

void tms_put_float(float value, unsigned decimals)
{
    char buf[40];
    tms_uart_write(buf, tms_format_float(buf, value, decimals));
}

void tms_put_line_end(void)
{
    tms_uart_write("\n", 1);
    tms_uart_flush();
}

void tms_print_hello(const char *project_json, const char *board_json, const char *build_json,
                     uint32_t clock_hz)
{
    tms_put_raw("{\"type\":\"hello\",\"project\":");
    tms_put_raw(project_json);
    tms_put_raw(",\"board\":");
    tms_put_raw(board_json);
    tms_put_raw(",\"build\":");
    tms_put_raw(build_json);
    tms_put_raw(",\"clock_hz\":");
    tms_put_u32(clock_hz);
    tms_put_raw("}");
    tms_put_line_end();
}

static const volatile uint32_t *tms_overrun_counter;

void tms_report_overruns(const volatile uint32_t *counter)
{
    tms_overrun_counter = counter;
}

void tms_print_inference(uint32_t seq, const char *label_json, int32_t index, const float *scores,
                         size_t n_scores, uint64_t dsp_cycles, uint64_t model_cycles)
{
    size_t i;
    tms_put_raw("{\"type\":\"inference\",\"seq\":");
    tms_put_u32(seq);
    tms_put_raw(",\"label\":");
    tms_put_raw(label_json);
    tms_put_raw(",\"index\":");
    tms_put_i32(index);
    tms_put_raw(",\"scores\":[");
    for (i = 0; i < n_scores; i++) {
        if (i > 0u) {
            tms_put_raw(",");
        }
        tms_put_float(scores[i], TMS_SCORE_DECIMALS);
    }
    tms_put_raw("],\"dsp_us\":");
    tms_put_u32(tms_timer_cycles_to_us(dsp_cycles));
    tms_put_raw(",\"model_us\":");
    tms_put_u32(tms_timer_cycles_to_us(model_cycles));
    tms_put_raw(",\"dsp_cycles\":");
    tms_put_u64(dsp_cycles);
    tms_put_raw(",\"model_cycles\":");
    tms_put_u64(model_cycles);
    if (tms_overrun_counter) {
        tms_put_raw(",\"overruns\":");
        tms_put_u32(*tms_overrun_counter);
    }
    tms_put_raw("}");
    tms_put_line_end();
}

void tms_print_end(uint32_t inferences)
{
    tms_put_raw("{\"type\":\"end\",\"inferences\":");
    tms_put_u32(inferences);
    tms_put_raw("}");
    tms_put_line_end();
}

void tms_print_power_span(uint32_t seq, uint64_t busy_cycles, uint64_t window_cycles, uint32_t busy_us,
                          uint32_t window_us)
{
    tms_put_raw("{\"type\":\"power\",\"seq\":");
    tms_put_u32(seq);
    tms_put_raw(",\"busy_us\":");
    tms_put_u32(busy_us);
    tms_put_raw(",\"window_us\":");
    tms_put_u32(window_us);
    tms_put_raw(",\"busy_cycles\":");
    tms_put_u64(busy_cycles);
    tms_put_raw(",\"window_cycles\":");
    tms_put_u64(window_cycles);
    tms_put_raw("}");
    tms_put_line_end();
}

void tms_print_sensor_error(const char *node_json, const char *part_json, const char *what, int32_t status)
{
    /* the TMS_SENSOR_E* codes of sensors/tms_sensor.h */
    const char *reason = status == -10 ? "no answer on its bus (NACK or timeout): check the part, its address and wiring"
                         : status == -11 ? "the part at that address is not the one named"
                         : status == -12 ? "the part cannot do the node's rate, range or channels"
                                         : "driver error";
    tms_put_raw("{\"type\":\"log\",\"level\":\"error\",\"message\":\"sensor ");
    tms_put_raw(what);
    tms_put_raw(": ");
    tms_put_raw(reason);
    tms_put_raw("\",\"node\":");
    tms_put_raw(node_json);
    tms_put_raw(",\"part\":");
    tms_put_raw(part_json);
    tms_put_raw(",\"status\":");
    tms_put_i32(status);
    tms_put_raw("}");
    tms_put_line_end();
}
