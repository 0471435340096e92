/* The host-stream sample source (see tms_hoststream.h for the frames). Must match
 * studio/device/hoststream.py (encode_frame / decode_frame). */
#include "tms_hoststream.h"
#include "tms_protocol.h"
#include "tms_timer.h"
#include "tms_uart.h"

#define HEADER_BYTES 16u

/* nibble table: 64 bytes of flash instead of 1 KiB for the byte table */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t tms_crc32_update(uint32_t crc, const uint8_t *data, uint32_t len)
{
    uint32_t i;
    crc = ~crc;
    for (i = 0; i < len; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ crc_nibble[crc & 0xFu];
        crc = (crc >> 4) ^ crc_nibble[crc & 0xFu];
    }
    return ~crc;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void tms_hoststream_init(tms_hoststream_t *s, float *block, uint32_t block_samples, uint32_t channels)
{
    s->block = block;
    s->block_samples = block_samples;
    s->channels = channels;
    s->have = 0;
    s->pos = 0;
    s->clip_start = 0;
    s->seq = 0;
    s->rejected = 0;
    s->waited_cycles = 0;
}

static void request(const tms_hoststream_t *s)
{
    tms_put_raw("{\"type\":\"need\",\"seq\":");
    tms_put_u32(s->seq);
    tms_put_raw(",\"max\":");
    tms_put_u32(s->block_samples);
    tms_put_raw(",\"channels\":");
    tms_put_u32(s->channels);
    tms_put_raw("}");
    tms_put_line_end();
}

static void reject(tms_hoststream_t *s, const char *reason)
{
    s->rejected++;
    tms_put_raw("{\"type\":\"log\",\"level\":\"error\",\"message\":\"host-stream frame rejected: ");
    tms_put_raw(reason);
    tms_put_raw("\",\"seq\":");
    tms_put_u32(s->seq);
    tms_put_raw("}");
    tms_put_line_end();
}

/* reads the header: scans for the magic so a stray byte before a frame does not lose it */
static void read_header(uint8_t *h)
{
    static const uint8_t magic[4] = {'T', 'M', 'S', 'H'};
    uint32_t matched = 0;
    while (matched < 4u) {
        uint8_t b = tms_uart_read_byte();
        if (b == magic[matched]) {
            h[matched++] = b;
        } else {
            matched = (b == magic[0]) ? 1u : 0u;
        }
    }
    for (matched = 4; matched < HEADER_BYTES; matched++) {
        h[matched] = tms_uart_read_byte();
    }
}

/* asks for the next block until a good frame arrives; returns 0 for samples, 1 for the end */
static int fetch(tms_hoststream_t *s)
{
    for (;;) {
        uint8_t h[HEADER_BYTES];
        uint8_t *payload = (uint8_t *)s->block;
        uint32_t count, bytes, i, crc;
        uint16_t seq;
        request(s);
        read_header(h);
        seq = (uint16_t)(h[6] | (h[7] << 8));
        count = get_u32(&h[8]);
        if ((h[4] != 'D' && h[4] != 'H' && h[4] != 'E') || count > s->block_samples
            || (h[4] == 'E' && count != 0u)) {
            reject(s, "bad header");
            continue;
        }
        bytes = count * s->channels * (h[4] == 'H' ? 2u : 4u);
        for (i = 0; i < bytes; i++) {
            payload[i] = tms_uart_read_byte();
        }
        crc = tms_crc32_update(tms_crc32_update(0u, &h[4], 8u), payload, bytes);
        if (crc != get_u32(&h[12])) {
            reject(s, "crc");
            continue;
        }
        if (seq != s->seq) {
            reject(s, "sequence");
            continue;
        }
        s->seq++;
        if (h[4] == 'E') {
            return 1;
        }
        if (count == 0u) {
            continue;
        }
        if (h[4] == 'H') {
            /* widen in place from the end: float i takes bytes 4i..4i+3, which held int16 values
             * 2i and 2i+1, both read already when going down (value 0 is read before float 0) */
            i = count * s->channels;
            while (i > 0u) {
                int16_t q;
                i--;
                q = (int16_t)(uint16_t)(payload[2u * i] | (payload[2u * i + 1u] << 8));
                s->block[i] = (float)q * (1.0f / 32768.0f);
            }
        }
        s->have = count;
        s->pos = 0;
        s->clip_start = h[5] & 1u;
        return 0;
    }
}

int tms_hoststream_next(tms_hoststream_t *s, const float **sample)
{
    int event = TMS_HS_SAMPLE;
    if (s->pos >= s->have) {
        uint64_t t0 = tms_timer_cycles();
        int end = fetch(s);
        s->waited_cycles += tms_timer_cycles() - t0;
        if (end) {
            s->have = 0;
            s->pos = 0;
            *sample = (const float *)0;
            return TMS_HS_END;
        }
        if (s->clip_start) {
            event = TMS_HS_CLIP;
        }
    }
    /* the block holds little-endian float32, the Cortex-M's own layout */
    *sample = &s->block[s->pos * s->channels];
    s->pos++;
    return event;
}
