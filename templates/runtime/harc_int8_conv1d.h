/*
 * harc_int8_conv1d.h - the `harc` kernel set's 1-D int8 Conv (kernel > 1, one group) for the Cortex-M
 * DSP path (src/backends/c/lower/int8-conv1d.ts, docs/int8-kernels.md).
 *
 * harc_s8_mat2 gathers and widens the patch of every output position (K bytes copied, then K/4 words
 * widened) and runs 2 channels x 2 positions per weight pass. For a 1-D channels-last Conv the
 * patches of consecutive positions are overlapping runs of the padded input, so here:
 *
 *   1. harc_s8_conv1d_widen widens the padded input once per layer into int16 rows of cinp (cin
 *      rounded up to even) channels: row r is input position r - pad_l, the pad row outside the
 *      input, 0 in the extra channel; then `tail` zero words, read (against zero weights) by the
 *      reduction padded to the unroll. The patch of position t is the word-aligned run of
 *      k * cinp int16 at row t * stride;
 *   2. with 4/2-bit weights, per chunk of quads (4 output channels each), harc_s8_conv1d_unpack4/2
 *      writes the quads' doubled int16 weight pairs from their packed fields in flash into scratch
 *      (8-bit weights are those pairs in flash); then for every position pair the layer's loop
 *      (GNU asm generated per layer in model.c, src/backends/c/lower/int8-conv1d.ts) runs 4 output
 *      channels x 2 positions per pass on those int16 weight pairs, 6 single loads + 8 SMLAD
 *      per 16 MACs, then requantizes the 8 sums in registers (harc_s8_requant_fast's arithmetic,
 *      the output zero point folded into its rounding constant) and stores them;
 *   3. harc_s8_conv1d_rest runs the last cout % 4 channels in C.
 *
 * The sums are the reference accumulator exactly (bias' = bias - sum zp*w, padded taps read the pad
 * row, the extra channel and the padded reduction multiply zero weights; SMLAD's products of int8
 * values are exact), so the bytes are the reference kernel's.
 */
#ifndef HARC_INT8_CONV1D_H
#define HARC_INT8_CONV1D_H

#include "harc_int8_kernels.h"
#include "harc_int8_dw.h"

#if defined(HARC_INT8_DSP)

/* n (even) input bytes widened to int16 pairs (x[2i], x[2i + 1]) at q: 8 per pass with one word load
 * per 4, SXTB16 and PKHBT/PKHTB; returns the word after the last. */
static inline int32_t *harc_s8_conv1d_run(const int8_t *x, int32_t n, int32_t *q)
{
    for (; n >= 8; n -= 8) {
        int32_t v0, v1, a0, b0, a1, b1;
        memcpy(&v0, x, 4);
        memcpy(&v1, x + 4, 4);
        x += 8;
        a0 = __sxtb16(v0);
        b0 = harc_sxtb16_ror8(v0);
        a1 = __sxtb16(v1);
        b1 = harc_sxtb16_ror8(v1);
        q[0] = harc_pkh_lo(a0, b0);
        q[1] = harc_pkh_hi(a0, b0);
        q[2] = harc_pkh_lo(a1, b1);
        q[3] = harc_pkh_hi(a1, b1);
        q += 4;
    }
    for (; n > 0; n -= 2, x += 2) *q++ = harc_s8_dw_pair(x, x + 1);
    return q;
}

/* Step 1: rows [0, rows) of the widened input (cinp / 2 words each), then tail zero words. The
 * input's rows are one contiguous run when cinp == cin. */
static inline void harc_s8_conv1d_widen(const int8_t *x, const int8_t *pad_row, int32_t in_w, int32_t cin, int32_t cinp, int32_t pad_l, int32_t rows, int32_t tail, int32_t *q)
{
    const int32_t first = pad_l < rows ? pad_l : rows;
    const int32_t end = pad_l + in_w < rows ? pad_l + in_w : rows;
    int32_t r, c;
    for (r = 0; r < rows; ++r) {
        const int8_t *s = (r >= pad_l && r < pad_l + in_w) ? x + (r - pad_l) * cin : pad_row;
        if (r == first && cinp == cin && end > first) {
            q = harc_s8_conv1d_run(s, (end - first) * cin, q);
            r = end - 1;
            continue;
        }
        for (c = 0; c + 1 < cin; c += 2) *q++ = harc_s8_dw_pair(s + c, s + c + 1);
        if (cin & 1) *q++ = (int32_t)((uint32_t)(int32_t)s[cin - 1] & 0xFFFFu);
    }
    for (r = 0; r < tail; ++r) *q++ = 0;
}

/* The weight stream of n quads (packConv1dQuads' layout in int8-conv1d.ts: per quad the 4 doubled
 * biases, per step the 4 channels' doubled int16 pairs, zero pairs up to `padded` steps, the
 * sentinel, 3 requantization words per channel) at wq, from 4-bit weights w (packConv1dSub: one
 * word per step, pair p's values offset by 8 in bits [4p, 4p + 4) and [16 + 4p, 20 + 4p)) and the
 * quads' 16 constant words k (packConv1dConsts). Pair p doubled is ((v >> (4p - 1)) & 0x001E001E)
 * - 16 in each half: an AND of a shifted operand and one SSUB16, no sign extension. */
#define HARC_C1D_SUB(v, lsh, rsh, mask, off) __ssub16((int32_t)((lsh) ? ((v) << 1) & (mask) : ((v) >> (rsh)) & (mask)), (int32_t)(off))
static inline void harc_s8_conv1d_unpack4(const uint32_t *w, const int32_t *k, int32_t n, int32_t words, int32_t padded, int32_t *wq)
{
    int32_t s, i;
    for (; n > 0; --n, k += 16) {
        for (i = 0; i < 4; ++i) *wq++ = k[i];
        for (s = 0; s < words; ++s, wq += 4) {
            const uint32_t v = *w++;
            wq[0] = HARC_C1D_SUB(v, 1, 0, 0x001E001Eu, 0x00100010);
            wq[1] = HARC_C1D_SUB(v, 0, 3, 0x001E001Eu, 0x00100010);
            wq[2] = HARC_C1D_SUB(v, 0, 7, 0x001E001Eu, 0x00100010);
            wq[3] = HARC_C1D_SUB(v, 0, 11, 0x001E001Eu, 0x00100010);
        }
        for (; s < padded; ++s, wq += 4) wq[0] = wq[1] = wq[2] = wq[3] = 0;
        *wq++ = (int32_t)0x7F007F00; /* CONV1D_SENTINEL */
        for (i = 4; i < 16; ++i) *wq++ = k[i];
    }
}

/* As harc_s8_conv1d_unpack4, from 2-bit weights: one word per 2 steps (8 pairs, offset by 2 in bits
 * [2p, 2p + 2) and [16 + 2p, 18 + 2p)), each quad starting a word. */
static inline void harc_s8_conv1d_unpack2(const uint32_t *w, const int32_t *k, int32_t n, int32_t words, int32_t padded, int32_t *wq)
{
    int32_t s, i;
    for (; n > 0; --n, k += 16) {
        for (i = 0; i < 4; ++i) *wq++ = k[i];
        for (s = 0; s + 1 < words; s += 2, wq += 8) {
            const uint32_t v = *w++;
            wq[0] = HARC_C1D_SUB(v, 1, 0, 0x00060006u, 0x00040004);
            wq[1] = HARC_C1D_SUB(v, 0, 1, 0x00060006u, 0x00040004);
            wq[2] = HARC_C1D_SUB(v, 0, 3, 0x00060006u, 0x00040004);
            wq[3] = HARC_C1D_SUB(v, 0, 5, 0x00060006u, 0x00040004);
            wq[4] = HARC_C1D_SUB(v, 0, 7, 0x00060006u, 0x00040004);
            wq[5] = HARC_C1D_SUB(v, 0, 9, 0x00060006u, 0x00040004);
            wq[6] = HARC_C1D_SUB(v, 0, 11, 0x00060006u, 0x00040004);
            wq[7] = HARC_C1D_SUB(v, 0, 13, 0x00060006u, 0x00040004);
        }
        if (s < words) {
            const uint32_t v = *w++;
            wq[0] = HARC_C1D_SUB(v, 1, 0, 0x00060006u, 0x00040004);
            wq[1] = HARC_C1D_SUB(v, 0, 1, 0x00060006u, 0x00040004);
            wq[2] = HARC_C1D_SUB(v, 0, 3, 0x00060006u, 0x00040004);
            wq[3] = HARC_C1D_SUB(v, 0, 5, 0x00060006u, 0x00040004);
            ++s;
            wq += 4;
        }
        for (; s < padded; ++s, wq += 4) wq[0] = wq[1] = wq[2] = wq[3] = 0;
        *wq++ = (int32_t)0x7F007F00; /* CONV1D_SENTINEL */
        for (i = 4; i < 16; ++i) *wq++ = k[i];
    }
}

/* The last n < 4 channels: rows of `words` int16 weight pairs (w), folded biases b; position 1's patch
 * is `d` words after position 0's. */
static inline void harc_s8_conv1d_rest(const int32_t *w, const int32_t *b, const int32_t *mult, const int32_t *shift, int32_t n, int32_t words, const int32_t *patch, int32_t d,
                                       int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    int32_t c, s;
    for (c = 0; c < n; ++c) {
        int32_t a0 = b[c], a1 = b[c];
        for (s = 0; s < words; ++s) {
            a0 = __smlad(patch[s], w[s], a0);
            a1 = __smlad(patch[d + s], w[s], a1);
        }
        w += words;
        y0[c] = harc_s8_out(a0, mult[c], shift[c], out_zp, act_min, act_max, fast_rq);
        if (y1) y1[c] = harc_s8_out(a1, mult[c], shift[c], out_zp, act_min, act_max, fast_rq);
    }
}

#endif /* HARC_INT8_DSP */

#endif /* HARC_INT8_CONV1D_H */
