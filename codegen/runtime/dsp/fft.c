/* Reference: nodes.dsp._spectrum (numpy.fft.rfft of a float32 frame, magnitude or power).
 * Float32 throughout; the error against numpy's float64 FFT grows like eps * log2(n_fft) * rms:
 * about 2e-7 of the peak magnitude. */
#include "fft.h"

#include <math.h>

static void tms_fft_bit_reverse(float *z, uint32_t m)
{
    uint32_t i, j = 0;
    for (i = 0; i + 1 < m; i++) {
        uint32_t bit = m >> 1;
        if (i < j) {
            float tr = z[2 * i], ti = z[2 * i + 1];
            z[2 * i] = z[2 * j];
            z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = tr;
            z[2 * j + 1] = ti;
        }
        while (j & bit) {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
    }
}

/* Complex radix-2 decimation-in-time FFT of m = n_fft / 2 points. The twiddle of a stage of length
 * len is W_len^j = W_n^(j * n/len), so the one n_fft table serves every stage. */
static void tms_fft_complex(float *z, uint32_t m, uint32_t n_fft, const float *cos_tab, const float *msin_tab)
{
    float *const end = z + 2 * m;
    uint32_t len;
    tms_fft_bit_reverse(z, m);
    for (len = 2; len <= m; len <<= 1) {
        const uint32_t step = n_fft / len;
        const uint32_t half = len >> 1;
        uint32_t j;
        float *a;
        /* j = 0: the twiddle is exactly 1, so skipping the products changes no bit */
        for (a = z; a < end; a += 2 * len) {
            float *b = a + len;
            /* read everything before writing: the compiler cannot know a and b never alias */
            const float ar = a[0], ai = a[1], tr = b[0], ti = b[1];
            b[0] = ar - tr;
            b[1] = ai - ti;
            a[0] = ar + tr;
            a[1] = ai + ti;
        }
        for (j = 1; j < half; j++) {
            const float wr = cos_tab[j * step];
            const float wi = msin_tab[j * step];
            for (a = z + 2 * j; a < end; a += 2 * len) {
                float *b = a + len;
                const float ar = a[0], ai = a[1], br = b[0], bi = b[1];
                const float tr = br * wr - bi * wi;
                const float ti = br * wi + bi * wr;
                b[0] = ar - tr;
                b[1] = ai - ti;
                a[0] = ar + tr;
                a[1] = ai + ti;
            }
        }
    }
}

/* In place: buf holds n_fft real samples on entry and n_fft/2 + 1 complex bins (re, im interleaved)
 * on return. The even samples are the real parts and the odd samples the imaginary parts of a
 * complex FFT of n_fft / 2 points, which a split step turns into the real FFT. */
static void tms_rfft(float *buf, uint32_t n_fft, const float *cos_tab, const float *msin_tab)
{
    const uint32_t m = n_fft >> 1;
    uint32_t k;
    float z0r, z0i;
    tms_fft_complex(buf, m, n_fft, cos_tab, msin_tab);
    z0r = buf[0];
    z0i = buf[1];
    /* split: X[k] = Fe[k] + W^k Fo[k] and X[m-k] = conj(Fe[k] - W^k Fo[k]), done pairwise in place */
    for (k = 1; k <= m / 2; k++) {
        const uint32_t j = m - k;
        const float ar = buf[2 * k], ai = buf[2 * k + 1];
        const float br = buf[2 * j], bi = buf[2 * j + 1];
        const float fer = 0.5f * (ar + br), fei = 0.5f * (ai - bi);
        const float for_ = 0.5f * (ai + bi), foi = -0.5f * (ar - br);
        const float wr = cos_tab[k], wi = msin_tab[k];
        const float tr = wr * for_ - wi * foi;
        const float ti = wr * foi + wi * for_;
        buf[2 * k] = fer + tr;
        buf[2 * k + 1] = fei + ti;
        buf[2 * j] = fer - tr;
        buf[2 * j + 1] = -(fei - ti);
    }
    buf[0] = z0r + z0i;
    buf[1] = 0.0f;
    buf[2 * m] = z0r - z0i;
    buf[2 * m + 1] = 0.0f;
}

void tms_frame_spectrum(const tms_fft_tables_t *fft, const float *x, uint32_t n, uint32_t stride,
                        const float *window, float *out, uint32_t n_bins, int power)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        out[i] = window ? x[i * stride] * window[i] : x[i * stride];
    }
    for (; i < fft->n_fft; i++) {
        out[i] = 0.0f;
    }
    tms_rfft(out, fft->n_fft, fft->cos_tab, fft->msin_tab);
    /* in place: bin k is read from out[2k], out[2k + 1] before out[k] is written */
    for (i = 0; i < n_bins; i++) {
        const float re = out[2 * i], im = out[2 * i + 1];
        const float p = re * re + im * im;
        out[i] = power ? p : sqrtf(p);
    }
}
