/* The host-stream sample source: the board takes its sensor samples from the host over its serial
 * link instead of a sensor or an embedded recording (the emulated board's test clips; later any
 * board whose part has no driver). Host side: studio/device/hoststream.py (the Python codec the
 * frames here must match).
 *
 * The board asks, the host answers, so a board that is busy never loses bytes:
 *   board -> host, one protocol line:  {"type":"need","seq":S,"max":M,"channels":C}
 *   host -> board, one binary frame:   16-byte header, then count * C values, little-endian
 *     0  magic "TMSH"
 *     4  kind   u8   'D' float32 samples, 'H' int16 samples meaning q / 32768 (exact in float:
 *                    half the bytes for a 16-bit recording), 'E' end of the stream (count 0)
 *     5  flags  u8   bit 0: the samples start a new clip (the pipeline is reset first)
 *     6  seq    u16  the request it answers
 *     8  count  u32  samples (of C channels) that follow, at most M
 *     12 crc    u32  CRC-32 (IEEE 802.3, zlib's) of header bytes 4..11 and the payload
 * A frame that fails its checks is reported ({"type":"log",...}) and asked for again. */
#ifndef TMS_HOSTSTREAM_H
#define TMS_HOSTSTREAM_H
#include <stdint.h>

#define TMS_HS_SAMPLE 0   /* *sample points at the next sample of the current clip */
#define TMS_HS_CLIP 1     /* the same, and this sample starts a new clip: reset the pipeline */
#define TMS_HS_END 2      /* the host has no more samples */

typedef struct {
    float *block;              /* block_samples * channels floats */
    uint32_t block_samples;
    uint32_t channels;
    uint32_t have;             /* samples in block */
    uint32_t pos;              /* next sample to hand out */
    uint32_t clip_start;       /* the block starts a new clip */
    uint16_t seq;              /* of the next request */
    uint32_t rejected;         /* frames that failed their checks */
    uint64_t waited_cycles;    /* timer cycles spent waiting for the host since the caller cleared it */
} tms_hoststream_t;

void tms_hoststream_init(tms_hoststream_t *s, float *block, uint32_t block_samples, uint32_t channels);
/* blocks until the next sample is there; returns TMS_HS_SAMPLE, TMS_HS_CLIP or TMS_HS_END */
int tms_hoststream_next(tms_hoststream_t *s, const float **sample);
/* CRC-32 (IEEE, reflected, init and final xor 0xFFFFFFFF) continued over len bytes */
uint32_t tms_crc32_update(uint32_t crc, const uint8_t *data, uint32_t len);

#endif
