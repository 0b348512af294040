/*
 * harc_int8_kernels.h - optimized int8 Conv / Gemm / depthwise micro-kernels.
 *
 * The emitted model.c keeps harc's portable reference kernels and, next to them, calls into the
 * kernels below under `#if HARC_INT8_FAST`. Which path is compiled is decided by the C compiler
 * target, so one model.c serves every target (as TFLite Micro swaps reference / optimized kernels):
 *
 *   __ARM_FEATURE_DSP (Cortex-M4/M7/M33 with DSP)  -> HARC_INT8_DSP: SXTB16 + SMLAD, 2 channels x 2 pixels
 *   __riscv, or -DHARC_INT8_OPT on any compiler    -> HARC_INT8_OPT: portable C, 4 channels x 2 pixels
 *   otherwise (host), or -DHARC_INT8_REFERENCE     -> the reference kernels in model.c
 *
 * All paths are bit-exact with the reference: the input zero point is folded into the bias at
 * compile time (bias' = bias - sum_k zp[k] * w[k]) and padded taps read a "pad row" holding the
 * zero point (or the folded pad value), so sum_k x[k] * w[k] + bias' equals the reference
 * accumulator exactly; requantization is TFLite's MultiplyByQuantizedMultiplier (see
 * harc_s8_requant). Weights are re-packed at compile time for each path (src/backends/c/lower/int8-fast.ts).
 */
#ifndef HARC_INT8_KERNELS_H
#define HARC_INT8_KERNELS_H

#include <stdint.h>
#include <string.h>
#include "harc_fixedpoint.h"

#if !defined(HARC_INT8_REFERENCE) && defined(__ARM_FEATURE_DSP)
#define HARC_INT8_FAST 1
#define HARC_INT8_DSP 1
#include <arm_acle.h>
#elif !defined(HARC_INT8_REFERENCE) && (defined(__riscv) || defined(HARC_INT8_OPT))
#define HARC_INT8_FAST 1
#undef HARC_INT8_OPT
#define HARC_INT8_OPT 1
#else
#define HARC_INT8_FAST 0
#endif

#if HARC_INT8_FAST

/* gcc's pre-RA scheduler hoists the 8 weight loads of the portable 8x2 block ahead of their uses
 * and then spills accumulators on rv32; the loop is shorter without it (loads cost the same either
 * way on a single-issue in-order core). */
#if defined(HARC_INT8_OPT) && defined(__GNUC__) && !defined(__clang__)
#define HARC_INT8_KERNEL_ATTR __attribute__((optimize("no-schedule-insns", "no-schedule-insns2")))
#else
#define HARC_INT8_KERNEL_ATTR
#endif

/* MultiplyByQuantizedMultiplier for multiplier >= 0 (every requantization multiplier is), bit-exact
 * with harc_mbqm: for b >= 0, gemmlowp's SRDHM equals floor((a*b + 2^30) / 2^31) (CMSIS-NN's
 * arm_nn_doubling_high_mult_no_sat; docs/quantization.md), so one 64-bit multiply-add and a shift. */
static inline int32_t harc_s8_requant(int32_t acc, int32_t multiplier, int32_t shift)
{
    int64_t t;
    int32_t hi;
    if (shift > 0) acc = harc_wrap_shl32(acc, (int)shift);
    t = (int64_t)acc * multiplier + ((int64_t)1 << 30);
    hi = (int32_t)(t >= 0 ? (t >> 31) : ~((~t) >> 31));
    if (shift < 0) {
        /* harc_rdbpot(hi, -shift), written with one branch-free compare */
        const int e = (int)-shift;
        const int32_t mask = (int32_t)((1u << e) - 1u);
        const int32_t threshold = (mask >> 1) + (hi < 0 ? 1 : 0);
        hi = harc_asr32(hi, e) + ((hi & mask) > threshold ? 1 : 0);
    }
    return hi;
}

/* The same for a layer whose every channel has multiplier > 2^30 and shift <= -2 (fast_rq, checked at
 * compile time; all zoo layers): both roundings folded into one 64-bit multiply-add.
 *   h = SRDHM(x, m) = floor((x*m + 2^30) / 2^31)                         (m >= 0)
 *   RDBPOT(h, e) = floor((h + 2^(e-1) - [h < 0]) / 2^e)                    (e >= 1)
 *   => y = floor((x*m + 2^30 + 2^(30+e) - [h < 0] * 2^31) / 2^(31+e)),   [h < 0] = [x < 0] as m > 2^30
 * so y is the high word of x*m + C, shifted right by e - 1 (C's words built from x's sign). */
static inline int32_t harc_s8_requant_fast(int32_t x, int32_t multiplier, int32_t shift)
{
    const int e = (int)-shift;
    const uint32_t lo = 0x40000000u | ((uint32_t)x & 0x80000000u);
    const int32_t hi = (int32_t)((uint32_t)1 << (e - 2)) - (x < 0 ? 1 : 0);
    const int64_t v = (int64_t)x * multiplier + ((int64_t)hi * 4294967296 + (int64_t)lo);
    const int32_t vh = (int32_t)(v >= 0 ? (v >> 32) : ~((~v) >> 32));
    return harc_asr32(vh, e - 1);
}

static inline int8_t harc_s8_out(int32_t acc, int32_t multiplier, int32_t shift, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    const int32_t r = fast_rq ? harc_s8_requant_fast(acc, multiplier, shift) : harc_s8_requant(acc, multiplier, shift);
#if defined(HARC_INT8_DSP)
    /* act_min >= -128 and act_max <= 127: SSAT does the int8 clamp */
    const int32_t v = __ssat(r + out_zp, 8);
    return (int8_t)(act_min == -128 && act_max == 127 ? v : harc_clamp32(v, act_min, act_max));
#else
    return (int8_t)harc_clamp32(r + out_zp, act_min, act_max);
#endif
}

/* Geometry of a convolution's input patch (one output pixel; NHWC; weights [oc][kh][kw][cin/group]). */
typedef struct {
    int32_t in_h, in_w, cin, cin_pg, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_t, pad_l;
    /* 1 when an interior patch is one contiguous run of the input (k_h == 1, dil_w == 1, one group) */
    int32_t contiguous;
} harc_s8_geo;

/* The K = k_h * k_w * cin_pg input bytes of output pixel (oh, ow), group channels from cbase: a
 * pointer into x when the patch is contiguous and inside the input, else gathered into buf (padded
 * taps from pad_row, the per-channel pad value). */
static inline const int8_t *harc_s8_patch(const harc_s8_geo *g, const int8_t *x, const int8_t *pad_row, int8_t *buf, int32_t cbase, int32_t oh, int32_t ow)
{
    const int32_t ih0 = oh * g->stride_h - g->pad_t;
    const int32_t iw0 = ow * g->stride_w - g->pad_l;
    int8_t *d = buf;
    int32_t kh, kw, c;
    if (g->contiguous && ih0 >= 0 && iw0 >= 0 && ih0 + (g->k_h - 1) * g->dil_h < g->in_h && iw0 + (g->k_w - 1) * g->dil_w < g->in_w)
        return x + (ih0 * g->in_w + iw0) * g->cin;
    for (kh = 0; kh < g->k_h; ++kh) {
        const int32_t ih = ih0 + kh * g->dil_h;
        for (kw = 0; kw < g->k_w; ++kw) {
            const int32_t iw = iw0 + kw * g->dil_w;
            const int8_t *s = (ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w) ? x + (ih * g->in_w + iw) * g->cin + cbase : pad_row + cbase;
            for (c = 0; c < g->cin_pg; ++c) d[c] = s[c];
            d += g->cin_pg;
        }
    }
    return buf;
}

#if defined(HARC_INT8_DSP)
static inline int32_t harc_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* Two K-byte patches -> sign-extended int16 pairs, ready for SMLAD against SXTB16'd int8 weights:
 * per 4 k, (x0[k], x0[k+2]) (x0[k+1], x0[k+3]) (x1[k], x1[k+2]) (x1[k+1], x1[k+3]); K padded to a
 * multiple of 4 with zeros (the packed weights are zero there too). */
static inline void harc_s8_cols_q15(const int8_t *c0, const int8_t *c1, int32_t K, int32_t *q)
{
    int32_t k, x0, x1;
    for (k = K >> 2; k > 0; --k) {
        memcpy(&x0, c0, 4);
        memcpy(&x1, c1, 4);
        c0 += 4;
        c1 += 4;
        q[0] = __sxtb16(x0);
        q[1] = harc_sxtb16_ror8(x0);
        q[2] = __sxtb16(x1);
        q[3] = harc_sxtb16_ror8(x1);
        q += 4;
    }
    if (K & 3) {
        int8_t t0[4] = { 0, 0, 0, 0 }, t1[4] = { 0, 0, 0, 0 };
        for (k = 0; k < (K & 3); ++k) {
            t0[k] = c0[k];
            t1[k] = c1[k];
        }
        memcpy(&x0, t0, 4);
        memcpy(&x1, t1, 4);
        q[0] = __sxtb16(x0);
        q[1] = harc_sxtb16_ror8(x0);
        q[2] = __sxtb16(x1);
        q[3] = harc_sxtb16_ror8(x1);
    }
}
#endif

/* Output-stationary matrix kernel for two patches (pixels) c0, c1 of K bytes each:
 *   y0[oc] = out(bias[oc] + sum_k c0[k] * w[oc][k]),  y1[oc] likewise from c1,  oc < cout.
 * w is packed by harc's compiler (packS8Weights), K4 = K rounded up to a multiple of 4:
 *   DSP - per channel pair, 4 k of channel a then 4 k of channel b (zeros past K), an odd last
 *         channel as a plain row of K4; the patches are first widened into q (4 * K4 bytes,
 *         32-bit aligned) by harc_s8_cols_q15, so the inner loop is 6 loads, 4 SXTB16, 8 SMLAD
 *         per 16 MACs (2 channels x 2 pixels x 4 k);
 *   OPT - per channel octet, the 8 channels' weights of each k together, then one quad likewise
 *         if cout % 8 >= 4, the last cout % 4 channels as plain rows; q is unused.
 * c1 == c0 (and y1 == y0) is allowed for an odd last pixel. */
static inline HARC_INT8_KERNEL_ATTR void harc_s8_mat2(const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                const int8_t *c0, const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    int32_t oc = 0;
#if defined(HARC_INT8_DSP)
    const int32_t cout2 = cout & ~1;
    const int32_t chunks = (K + 3) >> 2;
    harc_s8_cols_q15(c0, c1, K, q);
    for (; oc < cout2; oc += 2) {
        int32_t a00 = bias[oc], a01 = a00, a10 = bias[oc + 1], a11 = a10;
        const int32_t *p = q;
#if defined(__OPTIMIZE__) && defined(__GNUC__)
        /* the same loop as the C below, scheduled by hand: 2 LDRD + 2 LDR (post-increment),
         * 4 SXTB16, 8 SMLAD, SUBS + BNE = 18 instructions per 16 MACs (gcc's C makes 21-22) */
        int32_t k = chunks, x0e, x0o, x1e, x1o, wv, t;
        __asm__("1:\n\t"
                "ldrd %[x0e], %[x0o], [%[p]], #16\n\t"
                "ldrd %[x1e], %[x1o], [%[p], #-8]\n\t"
                "ldr %[wv], [%[w]], #8\n\t"
                "sxtb16 %[t], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "smlad %[a00], %[x0e], %[wv], %[a00]\n\t"
                "smlad %[a00], %[x0o], %[t], %[a00]\n\t"
                "smlad %[a01], %[x1e], %[wv], %[a01]\n\t"
                "smlad %[a01], %[x1o], %[t], %[a01]\n\t"
                "ldr %[wv], [%[w], #-4]\n\t"
                "sxtb16 %[t], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "smlad %[a10], %[x0e], %[wv], %[a10]\n\t"
                "smlad %[a10], %[x0o], %[t], %[a10]\n\t"
                "smlad %[a11], %[x1e], %[wv], %[a11]\n\t"
                "smlad %[a11], %[x1o], %[t], %[a11]\n\t"
                "subs %[k], %[k], #1\n\t"
                "bne 1b"
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [p] "+r"(p), [w] "+r"(w), [k] "+r"(k),
                  [x0e] "=&r"(x0e), [x0o] "=&r"(x0o), [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [wv] "=&r"(wv), [t] "=&r"(t)
                :
                : "cc", "memory");
#else
        const int32_t *const end = q + 4 * chunks;
        while (p != end) {
            const int32_t x0e = p[0], x0o = p[1], x1e = p[2], x1o = p[3];
            int32_t wv, we, wo;
            p += 4;
            memcpy(&wv, w, 4);
            we = __sxtb16(wv);
            wo = harc_sxtb16_ror8(wv);
            a00 = __smlad(x0e, we, a00);
            a00 = __smlad(x0o, wo, a00);
            a01 = __smlad(x1e, we, a01);
            a01 = __smlad(x1o, wo, a01);
            memcpy(&wv, w + 4, 4);
            w += 8;
            we = __sxtb16(wv);
            wo = harc_sxtb16_ror8(wv);
            a10 = __smlad(x0e, we, a10);
            a10 = __smlad(x0o, wo, a10);
            a11 = __smlad(x1e, we, a11);
            a11 = __smlad(x1o, wo, a11);
        }
#endif
        y0[oc] = harc_s8_out(a00, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a10, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y1[oc] = harc_s8_out(a01, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y1[oc + 1] = harc_s8_out(a11, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
    }
    if (oc < cout) {
        int32_t a0 = bias[oc], a1 = a0, k;
        const int32_t *p = q;
        for (k = chunks; k > 0; --k) {
            int32_t wv, we, wo;
            memcpy(&wv, w, 4);
            w += 4;
            we = __sxtb16(wv);
            wo = harc_sxtb16_ror8(wv);
            a0 = __smlad(p[0], we, a0);
            a0 = __smlad(p[1], wo, a0);
            a1 = __smlad(p[2], we, a1);
            a1 = __smlad(p[3], wo, a1);
            p += 4;
        }
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y1[oc] = harc_s8_out(a1, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
    }
#else
    const int32_t cout8 = cout & ~7;
    (void)q;
    const int32_t cout4 = cout & ~3;
    for (; oc < cout8; oc += 8) {
        int32_t a00 = bias[oc], a01 = a00, a10 = bias[oc + 1], a11 = a10;
        int32_t a20 = bias[oc + 2], a21 = a20, a30 = bias[oc + 3], a31 = a30;
        int32_t a40 = bias[oc + 4], a41 = a40, a50 = bias[oc + 5], a51 = a50;
        int32_t a60 = bias[oc + 6], a61 = a60, a70 = bias[oc + 7], a71 = a70;
        const int8_t *p0 = c0, *p1 = c1;
        const int8_t *const end = c0 + K;
        while (p0 != end) {
            const int32_t x0 = *p0++, x1 = *p1++;
            int32_t v = w[0];
            a00 += x0 * v;
            a01 += x1 * v;
            v = w[1];
            a10 += x0 * v;
            a11 += x1 * v;
            v = w[2];
            a20 += x0 * v;
            a21 += x1 * v;
            v = w[3];
            a30 += x0 * v;
            a31 += x1 * v;
            v = w[4];
            a40 += x0 * v;
            a41 += x1 * v;
            v = w[5];
            a50 += x0 * v;
            a51 += x1 * v;
            v = w[6];
            a60 += x0 * v;
            a61 += x1 * v;
            v = w[7];
            a70 += x0 * v;
            a71 += x1 * v;
            w += 8;
        }
        y0[oc] = harc_s8_out(a00, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a10, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y0[oc + 2] = harc_s8_out(a20, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y0[oc + 3] = harc_s8_out(a30, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
        y0[oc + 4] = harc_s8_out(a40, mult[oc + 4], shift[oc + 4], out_zp, act_min, act_max, fast_rq);
        y0[oc + 5] = harc_s8_out(a50, mult[oc + 5], shift[oc + 5], out_zp, act_min, act_max, fast_rq);
        y0[oc + 6] = harc_s8_out(a60, mult[oc + 6], shift[oc + 6], out_zp, act_min, act_max, fast_rq);
        y0[oc + 7] = harc_s8_out(a70, mult[oc + 7], shift[oc + 7], out_zp, act_min, act_max, fast_rq);
        y1[oc] = harc_s8_out(a01, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y1[oc + 1] = harc_s8_out(a11, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y1[oc + 2] = harc_s8_out(a21, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y1[oc + 3] = harc_s8_out(a31, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
        y1[oc + 4] = harc_s8_out(a41, mult[oc + 4], shift[oc + 4], out_zp, act_min, act_max, fast_rq);
        y1[oc + 5] = harc_s8_out(a51, mult[oc + 5], shift[oc + 5], out_zp, act_min, act_max, fast_rq);
        y1[oc + 6] = harc_s8_out(a61, mult[oc + 6], shift[oc + 6], out_zp, act_min, act_max, fast_rq);
        y1[oc + 7] = harc_s8_out(a71, mult[oc + 7], shift[oc + 7], out_zp, act_min, act_max, fast_rq);
    }
    if (oc < cout4) {
        int32_t a00 = bias[oc], a01 = a00, a10 = bias[oc + 1], a11 = a10;
        int32_t a20 = bias[oc + 2], a21 = a20, a30 = bias[oc + 3], a31 = a30;
        const int8_t *p0 = c0, *p1 = c1;
        const int8_t *const end = c0 + K;
        while (p0 != end) {
            const int32_t x0 = *p0++, x1 = *p1++;
            int32_t v = w[0];
            a00 += x0 * v;
            a01 += x1 * v;
            v = w[1];
            a10 += x0 * v;
            a11 += x1 * v;
            v = w[2];
            a20 += x0 * v;
            a21 += x1 * v;
            v = w[3];
            a30 += x0 * v;
            a31 += x1 * v;
            w += 4;
        }
        y0[oc] = harc_s8_out(a00, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a10, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y0[oc + 2] = harc_s8_out(a20, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y0[oc + 3] = harc_s8_out(a30, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
        y1[oc] = harc_s8_out(a01, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y1[oc + 1] = harc_s8_out(a11, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y1[oc + 2] = harc_s8_out(a21, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y1[oc + 3] = harc_s8_out(a31, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
    }
    for (oc = cout4; oc < cout; ++oc) {
        int32_t a0 = bias[oc], a1 = a0, k;
        for (k = 0; k < K; ++k) {
            const int32_t v = w[k];
            a0 += c0[k] * v;
            a1 += c1[k] * v;
        }
        w += K;
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y1[oc] = harc_s8_out(a1, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
    }
#endif
}

/* Matrix-vector kernel: one patch (pixel / row) c0 of K bytes, the weights packed as for
 * harc_s8_mat2 (the same array serves both):  y0[oc] = out(bias[oc] + sum_k c0[k] * w[oc][k]).
 * For a single-row Gemm, a single-pixel conv and the odd last pixel, where harc_s8_mat2 would
 * compute the row twice. Every weight is used once, so the cost is the weight stream:
 *   DSP - c0 widened into q (2 * K4 bytes, 32-bit aligned), two channel pairs per pass (two weight
 *         streams), 2 patch loads + 4 weight loads + 8 SXTB16 + 8 SMLAD per 16 MACs, plain LDR
 *         (K >= 1, so chunks >= 1 for the do-while of the asm loop);
 *   OPT - per channel octet, one patch byte and the 8 channels' weights of each k. */
#if defined(HARC_INT8_DSP)
static inline void harc_s8_col_q15(const int8_t *c0, int32_t K, int32_t *q)
{
    int32_t k, x0;
    for (k = K >> 2; k > 0; --k) {
        memcpy(&x0, c0, 4);
        c0 += 4;
        q[0] = __sxtb16(x0);
        q[1] = harc_sxtb16_ror8(x0);
        q += 2;
    }
    if (K & 3) {
        int8_t t0[4] = { 0, 0, 0, 0 };
        for (k = 0; k < (K & 3); ++k) t0[k] = c0[k];
        memcpy(&x0, t0, 4);
        q[0] = __sxtb16(x0);
        q[1] = harc_sxtb16_ror8(x0);
    }
}
#endif

#if defined(HARC_INT8_DSP)
/* a + 4 products: the widened patch words p[0] = (x[k], x[k+2]), p[1] = (x[k+1], x[k+3]) against
 * one word of 4 int8 weights (LDR, 2 SXTB16, 2 SMLAD). */
static inline int32_t harc_s8_dot4_q15(const int32_t *p, const int8_t *w, int32_t a)
{
    int32_t wv;
    memcpy(&wv, w, 4);
    a = __smlad(p[0], __sxtb16(wv), a);
    return __smlad(p[1], harc_sxtb16_ror8(wv), a);
}
#endif

static inline HARC_INT8_KERNEL_ATTR void harc_s8_mat1(const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                const int8_t *c0, int8_t *y0, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    int32_t oc = 0;
#if defined(HARC_INT8_DSP)
    const int32_t cout4 = cout & ~3;
    const int32_t chunks = (K + 3) >> 2;
    /* a channel pair's packed block: chunks x (4 k of a, 4 k of b) */
    const int32_t pair = 8 * chunks;
    int32_t k;
    harc_s8_col_q15(c0, K, q);
    for (; oc < cout4; oc += 4) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        const int32_t *p = q;
        const int8_t *wb = w + pair;
#if defined(__OPTIMIZE__) && defined(__GNUC__)
        /* the loop below scheduled by hand (gcc spills an accumulator): 2 + 4 LDR (post-increment),
         * 8 SXTB16, 8 SMLAD, SUBS + BNE = 24 instructions per 16 MACs, no LDRD / LDM */
        int32_t xe, xo, wv, t;
        k = chunks;
        __asm__("1:\n\t"
                "ldr %[xe], [%[p]], #4\n\t"
                "ldr %[xo], [%[p]], #4\n\t"
                "ldr %[wv], [%[w]], #4\n\t"
                "sxtb16 %[t], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "smlad %[a0], %[xe], %[wv], %[a0]\n\t"
                "smlad %[a0], %[xo], %[t], %[a0]\n\t"
                "ldr %[wv], [%[w]], #4\n\t"
                "sxtb16 %[t], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "smlad %[a1], %[xe], %[wv], %[a1]\n\t"
                "smlad %[a1], %[xo], %[t], %[a1]\n\t"
                "ldr %[wv], [%[wb]], #4\n\t"
                "sxtb16 %[t], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "smlad %[a2], %[xe], %[wv], %[a2]\n\t"
                "smlad %[a2], %[xo], %[t], %[a2]\n\t"
                "ldr %[wv], [%[wb]], #4\n\t"
                "sxtb16 %[t], %[wv], ror #8\n\t"
                "sxtb16 %[wv], %[wv]\n\t"
                "smlad %[a3], %[xe], %[wv], %[a3]\n\t"
                "smlad %[a3], %[xo], %[t], %[a3]\n\t"
                "subs %[k], %[k], #1\n\t"
                "bne 1b"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [p] "+r"(p), [w] "+r"(w), [wb] "+r"(wb), [k] "+r"(k),
                  [xe] "=&r"(xe), [xo] "=&r"(xo), [wv] "=&r"(wv), [t] "=&r"(t)
                :
                : "cc", "memory");
#else
        for (k = chunks; k > 0; --k, p += 2, w += 8, wb += 8) {
            a0 = harc_s8_dot4_q15(p, w, a0);
            a1 = harc_s8_dot4_q15(p, w + 4, a1);
            a2 = harc_s8_dot4_q15(p, wb, a2);
            a3 = harc_s8_dot4_q15(p, wb + 4, a3);
        }
#endif
        w = wb;
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a1, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y0[oc + 2] = harc_s8_out(a2, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y0[oc + 3] = harc_s8_out(a3, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
    }
    if (oc + 1 < cout) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1];
        const int32_t *p = q;
        for (k = chunks; k > 0; --k, p += 2, w += 8) {
            a0 = harc_s8_dot4_q15(p, w, a0);
            a1 = harc_s8_dot4_q15(p, w + 4, a1);
        }
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a1, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        oc += 2;
    }
    if (oc < cout) {
        /* an odd last channel: a plain row of K4 */
        int32_t a0 = bias[oc];
        const int32_t *p = q;
        for (k = chunks; k > 0; --k, p += 2, w += 4) a0 = harc_s8_dot4_q15(p, w, a0);
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
    }
#else
    const int32_t cout8 = cout & ~7;
    const int32_t cout4 = cout & ~3;
    (void)q;
    for (; oc < cout8; oc += 8) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        int32_t a4 = bias[oc + 4], a5 = bias[oc + 5], a6 = bias[oc + 6], a7 = bias[oc + 7];
        const int8_t *p0 = c0;
        const int8_t *const end = c0 + K;
        while (p0 != end) {
            const int32_t x0 = *p0++;
            a0 += x0 * w[0];
            a1 += x0 * w[1];
            a2 += x0 * w[2];
            a3 += x0 * w[3];
            a4 += x0 * w[4];
            a5 += x0 * w[5];
            a6 += x0 * w[6];
            a7 += x0 * w[7];
            w += 8;
        }
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a1, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y0[oc + 2] = harc_s8_out(a2, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y0[oc + 3] = harc_s8_out(a3, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
        y0[oc + 4] = harc_s8_out(a4, mult[oc + 4], shift[oc + 4], out_zp, act_min, act_max, fast_rq);
        y0[oc + 5] = harc_s8_out(a5, mult[oc + 5], shift[oc + 5], out_zp, act_min, act_max, fast_rq);
        y0[oc + 6] = harc_s8_out(a6, mult[oc + 6], shift[oc + 6], out_zp, act_min, act_max, fast_rq);
        y0[oc + 7] = harc_s8_out(a7, mult[oc + 7], shift[oc + 7], out_zp, act_min, act_max, fast_rq);
    }
    if (oc < cout4) {
        int32_t a0 = bias[oc], a1 = bias[oc + 1], a2 = bias[oc + 2], a3 = bias[oc + 3];
        const int8_t *p0 = c0;
        const int8_t *const end = c0 + K;
        while (p0 != end) {
            const int32_t x0 = *p0++;
            a0 += x0 * w[0];
            a1 += x0 * w[1];
            a2 += x0 * w[2];
            a3 += x0 * w[3];
            w += 4;
        }
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
        y0[oc + 1] = harc_s8_out(a1, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
        y0[oc + 2] = harc_s8_out(a2, mult[oc + 2], shift[oc + 2], out_zp, act_min, act_max, fast_rq);
        y0[oc + 3] = harc_s8_out(a3, mult[oc + 3], shift[oc + 3], out_zp, act_min, act_max, fast_rq);
    }
    for (oc = cout4; oc < cout; ++oc) {
        int32_t a0 = bias[oc], k;
        for (k = 0; k < K; ++k) a0 += c0[k] * w[k];
        w += K;
        y0[oc] = harc_s8_out(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
    }
#endif
}

/* Depthwise (one weight per channel and tap) for one output pixel: src[t] points at tap t's C input
 * channels (or at the pad row), w is packed [tap][channel] (channels innermost). */
static inline void harc_s8_dw_pixel(const int8_t *const *src, int32_t taps, const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                    int32_t C, int8_t *y, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    const int32_t C4 = C & ~3;
    int32_t c = 0, t;
    for (; c < C4; c += 4) {
        int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
        const int8_t *wp = w + c;
        for (t = 0; t < taps; ++t, wp += C) {
            const int8_t *xp = src[t] + c;
#if defined(HARC_INT8_DSP)
            int32_t xv, wv, xe, xo, we, wo;
            memcpy(&xv, xp, 4);
            memcpy(&wv, wp, 4);
            xe = __sxtb16(xv);
            xo = harc_sxtb16_ror8(xv);
            we = __sxtb16(wv);
            wo = harc_sxtb16_ror8(wv);
            a0 = __smlabb(xe, we, a0);
            a2 = __smlatt(xe, we, a2);
            a1 = __smlabb(xo, wo, a1);
            a3 = __smlatt(xo, wo, a3);
#else
            a0 += xp[0] * wp[0];
            a1 += xp[1] * wp[1];
            a2 += xp[2] * wp[2];
            a3 += xp[3] * wp[3];
#endif
        }
        y[c] = harc_s8_out(a0, mult[c], shift[c], out_zp, act_min, act_max, fast_rq);
        y[c + 1] = harc_s8_out(a1, mult[c + 1], shift[c + 1], out_zp, act_min, act_max, fast_rq);
        y[c + 2] = harc_s8_out(a2, mult[c + 2], shift[c + 2], out_zp, act_min, act_max, fast_rq);
        y[c + 3] = harc_s8_out(a3, mult[c + 3], shift[c + 3], out_zp, act_min, act_max, fast_rq);
    }
    for (c = C4; c < C; ++c) {
        int32_t a = bias[c];
        for (t = 0; t < taps; ++t) a += src[t][c] * w[t * C + c];
        y[c] = harc_s8_out(a, mult[c], shift[c], out_zp, act_min, act_max, fast_rq);
    }
}

#if defined(HARC_INT8_DSP)
/* int4 weights on the DSP path (issue 12). The compiler packs a channel pair (a, b) per 4 k as one
 * 32-bit word of 8 nibbles, a and b interleaved: byte i = a[k+i] (low nibble) | b[k+i] (high
 * nibble), zeros past K and for the missing b of an odd last channel (packS4DspWeights). Then
 *   v & 0xF0F0F0F0         = the b nibbles as bytes b*16, (v << 4) & 0xF0F0F0F0 = the a nibbles
 * and SXTB16 / SXTB16 ror 8 of each give (w[k], w[k+2]) and (w[k+1], w[k+3]) times 16 as signed
 * int16 pairs: the SMLAD operands of the widened patches, 2 ANDs + 4 SXTB16 per loaded word. The
 * sums are multiples of 16 and (|x·w·16| <= 2^14) fit int32 for K < 2^17, so an arithmetic shift
 * by 4 recovers the int8 accumulator exactly; the requantization is the int8 one. */
static inline void harc_s4_unpack(int32_t v, int32_t *ae, int32_t *ao, int32_t *be, int32_t *bo)
{
    const int32_t lo = (int32_t)(((uint32_t)v << 4) & 0xF0F0F0F0u);
    const int32_t hi = (int32_t)((uint32_t)v & 0xF0F0F0F0u);
    *ae = __sxtb16(lo);
    *ao = harc_sxtb16_ror8(lo);
    *be = __sxtb16(hi);
    *bo = harc_sxtb16_ror8(hi);
}

/* Outputs of channels oc and oc + 1 (if < cout) from sums scaled by 2^e: the int8 accumulator is
 * bias + sum / 2^e (exact, wrapping as SMLAD's), then the int8 requantization. */
static inline void harc_sb_out2(int8_t *y, int32_t oc, int32_t cout, int32_t sa, int32_t sb, int e, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    y[oc] = harc_s8_out((int32_t)((uint32_t)bias[oc] + (uint32_t)harc_asr32(sa, e)), mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq);
    if (oc + 1 < cout)
        y[oc + 1] = harc_s8_out((int32_t)((uint32_t)bias[oc + 1] + (uint32_t)harc_asr32(sb, e)), mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq);
}

/* harc_s8_mat2 for int4 weights packed as above (ceil(cout / 2) pairs x K4 / 4 words). */
static inline void harc_s4_mat2(const uint8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                const int8_t *c0, const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    const int32_t chunks = (K + 3) >> 2;
    int32_t oc;
    harc_s8_cols_q15(c0, c1, K, q);
    for (oc = 0; oc < cout; oc += 2) {
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0, k;
        const int32_t *p = q;
        for (k = chunks; k > 0; --k) {
            int32_t v, ae, ao, be, bo;
            memcpy(&v, w, 4);
            w += 4;
            harc_s4_unpack(v, &ae, &ao, &be, &bo);
            a00 = __smlad(p[0], ae, a00);
            a00 = __smlad(p[1], ao, a00);
            a01 = __smlad(p[2], ae, a01);
            a01 = __smlad(p[3], ao, a01);
            a10 = __smlad(p[0], be, a10);
            a10 = __smlad(p[1], bo, a10);
            a11 = __smlad(p[2], be, a11);
            a11 = __smlad(p[3], bo, a11);
            p += 4;
        }
        harc_sb_out2(y0, oc, cout, a00, a10, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y1, oc, cout, a01, a11, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}

/* harc_s8_mat1 (one patch) for int4 weights, two channel pairs at a time. */
static inline void harc_s4_mat1(const uint8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                const int8_t *c0, int8_t *y0, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    const int32_t chunks = (K + 3) >> 2;
    int32_t oc = 0, k;
    harc_s8_col_q15(c0, K, q);
    for (; oc + 3 < cout; oc += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int32_t *p = q;
        const uint8_t *wb = w + 4 * chunks;
        for (k = chunks; k > 0; --k) {
            int32_t v, ae, ao, be, bo;
            const int32_t xe = p[0], xo = p[1];
            memcpy(&v, w, 4);
            w += 4;
            harc_s4_unpack(v, &ae, &ao, &be, &bo);
            a0 = __smlad(xe, ae, a0);
            a0 = __smlad(xo, ao, a0);
            a1 = __smlad(xe, be, a1);
            a1 = __smlad(xo, bo, a1);
            memcpy(&v, wb, 4);
            wb += 4;
            harc_s4_unpack(v, &ae, &ao, &be, &bo);
            a2 = __smlad(xe, ae, a2);
            a2 = __smlad(xo, ao, a2);
            a3 = __smlad(xe, be, a3);
            a3 = __smlad(xo, bo, a3);
            p += 2;
        }
        w = wb;
        harc_sb_out2(y0, oc, cout, a0, a1, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y0, oc + 2, cout, a2, a3, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
    for (; oc < cout; oc += 2) {
        int32_t a0 = 0, a1 = 0;
        const int32_t *p = q;
        for (k = chunks; k > 0; --k) {
            int32_t v, ae, ao, be, bo;
            memcpy(&v, w, 4);
            w += 4;
            harc_s4_unpack(v, &ae, &ao, &be, &bo);
            a0 = __smlad(p[0], ae, a0);
            a0 = __smlad(p[1], ao, a0);
            a1 = __smlad(p[0], be, a1);
            a1 = __smlad(p[1], bo, a1);
            p += 2;
        }
        harc_sb_out2(y0, oc, cout, a0, a1, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}

/* Depthwise: four channels' accumulators a0..a3 += the 4 input bytes xv times the 4 weight bytes
 * wf (bytes = w · 2^e for sub-byte weights), SXTB16 pairs into SMLABB / SMLATT. */
#define HARC_DW_MAC4(xv, wf, a0, a1, a2, a3)                                                    \
    do {                                                                                        \
        const int32_t xe_ = __sxtb16(xv), xo_ = harc_sxtb16_ror8(xv);                           \
        const int32_t we_ = __sxtb16(wf), wo_ = harc_sxtb16_ror8(wf);                           \
        a0 = __smlabb(xe_, we_, a0);                                                            \
        a2 = __smlatt(xe_, we_, a2);                                                            \
        a1 = __smlabb(xo_, wo_, a1);                                                            \
        a3 = __smlatt(xo_, wo_, a3);                                                            \
    } while (0)

/* Depthwise with int4 weights for one output pixel (as harc_s8_dw_pixel): per tap and channel
 * octet one 32-bit word, byte i = w[c+i] (low nibble) | w[c+4+i] (high nibble), zero channels past
 * C (packS4DwDspWeights). (v << 4) & 0xF0F0F0F0 and v & 0xF0F0F0F0 are channels c..c+3 and
 * c+4..c+7 as bytes times 16, the layout of the 4 input bytes each multiplies, so per tap and octet:
 * 3 loads, 3 ALU, 8 SXTB16, 8 SMLABB/SMLATT (int8: 4 loads, 8 SXTB16, 8 SMLA). The sums are
 * multiples of 16, shifted back exactly before the bias. The last C % 8 channels read their
 * nibble directly. */
/* one copy shared by every depthwise layer of the model (inlined, each layer's copy cost ~1 KB of
 * flash for no measurable gain: the call is once per pixel) */
#if defined(__GNUC__)
__attribute__((noinline, unused)) static void
#else
static inline void
#endif
harc_s4_dw_pixel(const int8_t *const *src, int32_t taps, const uint8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                    int32_t C, int8_t *y, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    const int32_t C8 = C & ~7;
    const int32_t row = 4 * ((C + 7) >> 3); /* bytes per tap */
    int32_t c = 0, t;
    for (; c < C8; c += 8) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        const uint8_t *wp = w + (c >> 1);
        for (t = 0; t < taps; ++t, wp += row) {
            const int8_t *xp = src[t] + c;
            int32_t xv, xu, v;
            memcpy(&xv, xp, 4);
            memcpy(&xu, xp + 4, 4);
            memcpy(&v, wp, 4);
            HARC_DW_MAC4(xv, (int32_t)(((uint32_t)v << 4) & 0xF0F0F0F0u), a0, a1, a2, a3);
            HARC_DW_MAC4(xu, (int32_t)((uint32_t)v & 0xF0F0F0F0u), a4, a5, a6, a7);
        }
        harc_sb_out2(y, c, C, a0, a1, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y, c + 2, C, a2, a3, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y, c + 4, C, a4, a5, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y, c + 6, C, a6, a7, 4, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
    for (; c < C; ++c) {
        /* channel c's nibble: byte (c & 3) of its octet's word, high nibble for c & 4 */
        const uint8_t *wp = w + ((c >> 3) << 2) + (c & 3);
        const int sh = (c & 4) ? 4 : 0;
        int32_t a = bias[c];
        for (t = 0; t < taps; ++t, wp += row) a += src[t][c] * (((((int32_t)*wp >> sh) & 15) ^ 8) - 8);
        y[c] = harc_s8_out(a, mult[c], shift[c], out_zp, act_min, act_max, fast_rq);
    }
}

/* int2 weights likewise: per channel pair (a, b) and 8 k, one word whose byte i holds a[k+i],
 * b[k+i], a[k+4+i], b[k+4+i] from its lowest bits up (packS2DspWeights); (v << s) & 0xC0C0C0C0
 * for s = 6, 4, 2, 0 puts each field in the top bits of its byte, and SXTB16 / ror 8 give the
 * SMLAD operands times 64 (|x·w·64| <= 2^14, exact for K < 2^17). An odd last chunk of 4 k uses
 * the first half of its word only, so the widened patch needs no extra chunk. */
static inline int32_t harc_s2_field(int32_t v, int s)
{
    return (int32_t)(((uint32_t)v << s) & 0xC0C0C0C0u);
}

/* a0 (channel a) and a1 (channel b) += one chunk of 4 k: the fields at shifts sa (a) and sb (b). */
#define HARC_S2_CHUNK(p, v, sa, sb, acc_a, acc_b)                          \
    do {                                                                   \
        const int32_t fa_ = harc_s2_field((v), (sa)), fb_ = harc_s2_field((v), (sb)); \
        acc_a = __smlad((p)[0], __sxtb16(fa_), acc_a);                     \
        acc_a = __smlad((p)[1], harc_sxtb16_ror8(fa_), acc_a);             \
        acc_b = __smlad((p)[0], __sxtb16(fb_), acc_b);                     \
        acc_b = __smlad((p)[1], harc_sxtb16_ror8(fb_), acc_b);             \
    } while (0)

/* Depthwise with int2 weights for one output pixel: per tap pair (t, t+1) and channel octet one
 * word, byte i = crumbs w[c+i][t], w[c+4+i][t], w[c+i][t+1], w[c+4+i][t+1] from its lowest bits up
 * (packS2DwDspWeights; an odd last tap leaves the t+1 crumbs zero), so harc_s2_field at shifts 6,
 * 4, 2, 0 gives the four operand words (weights · 64) of the two taps' 8 input bytes: per 2 taps
 * and octet 5 loads, 4 shift-ANDs, 16 SXTB16, 16 SMLA. The last C % 8 channels read their crumb. */
#if defined(__GNUC__)
__attribute__((noinline, unused)) static void
#else
static inline void
#endif
harc_s2_dw_pixel(const int8_t *const *src, int32_t taps, const uint8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                 int32_t C, int8_t *y, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    const int32_t C8 = C & ~7;
    const int32_t row = 4 * ((C + 7) >> 3); /* bytes per tap pair */
    int32_t c = 0, t;
    for (; c < C8; c += 8) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        const uint8_t *wp = w + (c >> 1);
        for (t = 0; t < taps; t += 2, wp += row) {
            int32_t xv, xu, v;
            memcpy(&v, wp, 4);
            memcpy(&xv, src[t] + c, 4);
            memcpy(&xu, src[t] + c + 4, 4);
            HARC_DW_MAC4(xv, harc_s2_field(v, 6), a0, a1, a2, a3);
            HARC_DW_MAC4(xu, harc_s2_field(v, 4), a4, a5, a6, a7);
            if (t + 1 < taps) {
                memcpy(&xv, src[t + 1] + c, 4);
                memcpy(&xu, src[t + 1] + c + 4, 4);
                HARC_DW_MAC4(xv, harc_s2_field(v, 2), a0, a1, a2, a3);
                HARC_DW_MAC4(xu, harc_s2_field(v, 0), a4, a5, a6, a7);
            }
        }
        harc_sb_out2(y, c, C, a0, a1, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y, c + 2, C, a2, a3, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y, c + 4, C, a4, a5, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y, c + 6, C, a6, a7, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
    for (; c < C; ++c) {
        /* channel c's crumb at tap t: byte (c & 3) of its octet's word, crumb (c & 4 ? 1 : 0) + (t & 1 ? 2 : 0) */
        const uint8_t *wp = w + ((c >> 3) << 2) + (c & 3);
        const int sh = (c & 4) ? 2 : 0;
        int32_t a = bias[c];
        for (t = 0; t < taps; ++t) a += src[t][c] * (((((int32_t)wp[(t >> 1) * row] >> (sh + 4 * (t & 1))) & 3) ^ 2) - 2);
        y[c] = harc_s8_out(a, mult[c], shift[c], out_zp, act_min, act_max, fast_rq);
    }
}

/* harc_s8_mat2 for int2 weights (ceil(cout / 2) pairs x ceil(K4 / 8) words). */
static inline void harc_s2_mat2(const uint8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                const int8_t *c0, const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    const int32_t chunks = (K + 3) >> 2;
    int32_t oc;
    harc_s8_cols_q15(c0, c1, K, q);
    for (oc = 0; oc < cout; oc += 2) {
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0, k, v;
        const int32_t *p = q;
        for (k = chunks >> 1; k > 0; --k) {
            memcpy(&v, w, 4);
            w += 4;
            /* p: chunk 0 is p[0..3] (pixel 0: p[0], p[1]; pixel 1: p[2], p[3]), chunk 1 p[4..7] */
            HARC_S2_CHUNK(p, v, 6, 4, a00, a10);
            HARC_S2_CHUNK(p + 2, v, 6, 4, a01, a11);
            HARC_S2_CHUNK(p + 4, v, 2, 0, a00, a10);
            HARC_S2_CHUNK(p + 6, v, 2, 0, a01, a11);
            p += 8;
        }
        if (chunks & 1) {
            memcpy(&v, w, 4);
            w += 4;
            HARC_S2_CHUNK(p, v, 6, 4, a00, a10);
            HARC_S2_CHUNK(p + 2, v, 6, 4, a01, a11);
        }
        harc_sb_out2(y0, oc, cout, a00, a10, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out2(y1, oc, cout, a01, a11, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}

/* harc_s8_mat1 (one patch) for int2 weights, one channel pair at a time. */
static inline void harc_s2_mat1(const uint8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                const int8_t *c0, int8_t *y0, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    const int32_t chunks = (K + 3) >> 2;
    int32_t oc;
    harc_s8_col_q15(c0, K, q);
    for (oc = 0; oc < cout; oc += 2) {
        int32_t a0 = 0, a1 = 0, k, v;
        const int32_t *p = q;
        for (k = chunks >> 1; k > 0; --k) {
            memcpy(&v, w, 4);
            w += 4;
            HARC_S2_CHUNK(p, v, 6, 4, a0, a1);
            HARC_S2_CHUNK(p + 2, v, 2, 0, a0, a1);
            p += 4;
        }
        if (chunks & 1) {
            memcpy(&v, w, 4);
            w += 4;
            HARC_S2_CHUNK(p, v, 6, 4, a0, a1);
        }
        harc_sb_out2(y0, oc, cout, a0, a1, 6, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}
#endif

#if defined(HARC_INT8_OPT)
/* int4 / int2 weights on the portable optimized path (RISC-V rv32; issue 12). rv32imc has no SIMD,
 * so one 32-bit multiply serves two channels: a "pair word" p = w[c] + w[c+4]·2^16 times an int8
 * activation x is x·w[c] + x·w[c+4]·2^16, and a run of such products summed (mod 2^32) is
 * L + H·2^16 with L, H the two channels' exact sums, recovered as L = the low 16 bits sign-extended
 * and H = (s - L) / 2^16 as long as |L| < 2^15: a run is at most 31 k at 4 bits (|x·w| <= 1024)
 * and 126 k at 2 bits (|x·w| <= 256). The compiler packs one 32-bit word per channel octet and
 * k (int4) or 2 k (int2), offset binary (w + 8, w + 2), so a pair word is one shift, one AND and
 * one subtract: (v >> 4i) & 0x000F000F - 0x00080008 (packS4OptWeights / packS2OptWeights in
 * src/backends/c/lower/subbyte-opt.ts). Per k and octet the 8 channels x 2 pixels block is then 1
 * word load, 2 byte loads, 11 ALU and 8 multiply-adds for 16 MACs (int8: 10 loads, 16
 * multiply-adds). Channels past cout are zero weights, computed and not stored. */
#define HARC_S4_RUN 31
#define HARC_S2_RUN 126

/* Adds the two channel sums held in run sum s to *lo and *hi. */
static inline void harc_sb_split(uint32_t s, int32_t *lo, int32_t *hi)
{
    const int32_t l = (int32_t)((s & 0xFFFFu) ^ 0x8000u) - 0x8000;
    *lo += l;
    *hi += harc_asr32((int32_t)(s - (uint32_t)l), 16);
}

/* The int8 outputs of channels oc .. oc + 7 (those < cout) from their sums r. */
static inline void harc_sb_out8(int8_t *y, int32_t oc, int32_t cout, const int32_t *r, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq)
{
    int32_t j;
    for (j = 0; j < 8 && oc + j < cout; ++j)
        y[oc + j] = harc_s8_out((int32_t)((uint32_t)bias[oc + j] + (uint32_t)r[j]), mult[oc + j], shift[oc + j], out_zp, act_min, act_max, fast_rq);
}

/* One pair word of int4 word v (nibbles i and 4 + i), one of int2 word v (crumbs i and 8 + i). */
#define HARC_S4_PAIR(v, i) ((int32_t)(((v) >> (4 * (i))) & 0x000F000Fu) - 0x00080008)
#define HARC_S2_PAIR(v, i) ((int32_t)(((v) >> (2 * (i))) & 0x00030003u) - 0x00020002)
#define HARC_SB_MAC(s, x, f) ((s) += (uint32_t)((x) * (f)))
/* The octet's four pair words PAIR(v, o) .. PAIR(v, o + 3) times x0 into run sums s00..s03 and,
 * for HARC_SB_OCTET2, times x1 into s10..s13 (the names the kernels below declare). */
#define HARC_SB_OCTET1(PAIR, v, o, x0)              \
    do {                                            \
        HARC_SB_MAC(s00, x0, PAIR(v, (o) + 0));     \
        HARC_SB_MAC(s01, x0, PAIR(v, (o) + 1));     \
        HARC_SB_MAC(s02, x0, PAIR(v, (o) + 2));     \
        HARC_SB_MAC(s03, x0, PAIR(v, (o) + 3));     \
    } while (0)
#define HARC_SB_OCTET2(PAIR, v, o, x0, x1)                                                  \
    do {                                                                                    \
        int32_t f_ = PAIR(v, (o) + 0);                                                      \
        HARC_SB_MAC(s00, x0, f_);                                                           \
        HARC_SB_MAC(s10, x1, f_);                                                           \
        f_ = PAIR(v, (o) + 1);                                                              \
        HARC_SB_MAC(s01, x0, f_);                                                           \
        HARC_SB_MAC(s11, x1, f_);                                                           \
        f_ = PAIR(v, (o) + 2);                                                              \
        HARC_SB_MAC(s02, x0, f_);                                                           \
        HARC_SB_MAC(s12, x1, f_);                                                           \
        f_ = PAIR(v, (o) + 3);                                                              \
        HARC_SB_MAC(s03, x0, f_);                                                           \
        HARC_SB_MAC(s13, x1, f_);                                                           \
    } while (0)
/* Run sums s0..s3 (pair words of channels j and 4 + j) added to the octet's sums r[0..7]. */
#define HARC_SB_SPLIT(s0, s1, s2, s3, r)   \
    do {                                   \
        harc_sb_split(s0, &(r)[0], &(r)[4]); \
        harc_sb_split(s1, &(r)[1], &(r)[5]); \
        harc_sb_split(s2, &(r)[2], &(r)[6]); \
        harc_sb_split(s3, &(r)[3], &(r)[7]); \
    } while (0)

/* harc_s8_mat2 for int4 weights packed per octet and k (ceil(cout / 8) · K words). */
static inline HARC_INT8_KERNEL_ATTR void harc_s4_mat2(const int32_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                                      const int8_t *c0, const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max,
                                                      int32_t fast_rq, int32_t *q)
{
    int32_t oc, k0;
    (void)q;
    for (oc = 0; oc < cout; oc += 8) {
        int32_t r0[8] = { 0 }, r1[8] = { 0 };
        for (k0 = 0; k0 < K; k0 += HARC_S4_RUN) {
            uint32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
            const int8_t *p0 = c0 + k0, *p1 = c1 + k0;
            const int8_t *const end = p0 + (K - k0 < HARC_S4_RUN ? K - k0 : HARC_S4_RUN);
            while (p0 != end) {
                const int32_t x0 = *p0++, x1 = *p1++;
                const uint32_t v = (uint32_t)*w++;
                HARC_SB_OCTET2(HARC_S4_PAIR, v, 0, x0, x1);
            }
            HARC_SB_SPLIT(s00, s01, s02, s03, r0);
            HARC_SB_SPLIT(s10, s11, s12, s13, r1);
        }
        harc_sb_out8(y0, oc, cout, r0, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out8(y1, oc, cout, r1, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}

/* harc_s8_mat1 (one patch) for int4 weights, as harc_s4_mat2. */
static inline HARC_INT8_KERNEL_ATTR void harc_s4_mat1(const int32_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                                      const int8_t *c0, int8_t *y0, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    int32_t oc, k0;
    (void)q;
    for (oc = 0; oc < cout; oc += 8) {
        int32_t r0[8] = { 0 };
        for (k0 = 0; k0 < K; k0 += HARC_S4_RUN) {
            uint32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0;
            const int8_t *p0 = c0 + k0;
            const int8_t *const end = p0 + (K - k0 < HARC_S4_RUN ? K - k0 : HARC_S4_RUN);
            while (p0 != end) {
                const int32_t x0 = *p0++;
                const uint32_t v = (uint32_t)*w++;
                HARC_SB_OCTET1(HARC_S4_PAIR, v, 0, x0);
            }
            HARC_SB_SPLIT(s00, s01, s02, s03, r0);
        }
        harc_sb_out8(y0, oc, cout, r0, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}

/* harc_s8_mat2 for int2 weights packed per octet and 2 k (ceil(cout / 8) · ceil(K / 2) words:
 * crumbs 0-3 k channels 0-3, 4-7 k+1 channels 0-3, 8-11 k channels 4-7, 12-15 k+1 channels 4-7;
 * an odd last k uses the first half). */
static inline HARC_INT8_KERNEL_ATTR void harc_s2_mat2(const int32_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                                      const int8_t *c0, const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max,
                                                      int32_t fast_rq, int32_t *q)
{
    int32_t oc, k0;
    (void)q;
    for (oc = 0; oc < cout; oc += 8) {
        int32_t r0[8] = { 0 }, r1[8] = { 0 };
        for (k0 = 0; k0 < K; k0 += HARC_S2_RUN) {
            const int32_t n = K - k0 < HARC_S2_RUN ? K - k0 : HARC_S2_RUN;
            uint32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
            const int8_t *p0 = c0 + k0, *p1 = c1 + k0;
            const int8_t *const end = p0 + (n & ~1);
            while (p0 != end) {
                const int32_t x0 = p0[0], x1 = p1[0], x0b = p0[1], x1b = p1[1];
                const uint32_t v = (uint32_t)*w++;
                p0 += 2;
                p1 += 2;
                HARC_SB_OCTET2(HARC_S2_PAIR, v, 0, x0, x1);
                HARC_SB_OCTET2(HARC_S2_PAIR, v, 4, x0b, x1b);
            }
            if (n & 1) {
                const int32_t x0 = *p0, x1 = *p1;
                const uint32_t v = (uint32_t)*w++;
                HARC_SB_OCTET2(HARC_S2_PAIR, v, 0, x0, x1);
            }
            HARC_SB_SPLIT(s00, s01, s02, s03, r0);
            HARC_SB_SPLIT(s10, s11, s12, s13, r1);
        }
        harc_sb_out8(y0, oc, cout, r0, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
        harc_sb_out8(y1, oc, cout, r1, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}

/* harc_s8_mat1 (one patch) for int2 weights, as harc_s2_mat2. */
static inline HARC_INT8_KERNEL_ATTR void harc_s2_mat1(const int32_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K,
                                                      const int8_t *c0, int8_t *y0, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q)
{
    int32_t oc, k0;
    (void)q;
    for (oc = 0; oc < cout; oc += 8) {
        int32_t r0[8] = { 0 };
        for (k0 = 0; k0 < K; k0 += HARC_S2_RUN) {
            const int32_t n = K - k0 < HARC_S2_RUN ? K - k0 : HARC_S2_RUN;
            uint32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0;
            const int8_t *p0 = c0 + k0;
            const int8_t *const end = p0 + (n & ~1);
            while (p0 != end) {
                const int32_t x0 = p0[0], x0b = p0[1];
                const uint32_t v = (uint32_t)*w++;
                p0 += 2;
                HARC_SB_OCTET1(HARC_S2_PAIR, v, 0, x0);
                HARC_SB_OCTET1(HARC_S2_PAIR, v, 4, x0b);
            }
            if (n & 1) {
                const int32_t x0 = *p0;
                const uint32_t v = (uint32_t)*w++;
                HARC_SB_OCTET1(HARC_S2_PAIR, v, 0, x0);
            }
            HARC_SB_SPLIT(s00, s01, s02, s03, r0);
        }
        harc_sb_out8(y0, oc, cout, r0, bias, mult, shift, out_zp, act_min, act_max, fast_rq);
    }
}
#endif
/* Recurrent cells (src/backends/c/lower/int8-recurrent-fast.ts). MultiplyByQuantizedMultiplier for
 * multiplier > 2^30 and shift <= -1 (a per-row shift known only at run time; most recurrent rows):
 * harc_s8_requant_fast's single rounding, y = floor((x*m + 2^30 + (2^(e-1) - [x < 0]) * 2^31) / 2^(31+e))
 * with e = -shift, taken as the high word of one 64-bit multiply-add shifted right by e - 1. */
static inline int32_t harc_s8_requant_rshift(int32_t x, int32_t multiplier, int32_t shift)
{
    const int e = (int)-shift;
    const int32_t t = (int32_t)(1u << (e - 1)) - (x < 0 ? 1 : 0);
    const int64_t v = (int64_t)x * multiplier + ((int64_t)t * 2147483648 + 1073741824);
    const int32_t vh = (int32_t)(v >= 0 ? (v >> 32) : ~((~v) >> 32));
    return harc_asr32(vh, e - 1);
}

/* MultiplyByQuantizedMultiplier for an accumulator the weights bound so that |x| * 2^pre < 2^31
 * (int8-recurrent-fast.ts proves it at compile time), with the row's constants precomputed:
 * pre = 1 + max(shift, 0), e = max(-shift, 0), and for e >= 1 (multiplier > 2^30) k = 2^(e-1),
 * dmask = -1; for e = 0 (multiplier >= 0) k = 0, dmask = 0. With x doubled, the rounding constant of
 * SRDHM then RDBPOT has the low word 2^31 for every shift and the high word k - [x < 0] (e >= 1; the
 * reference's [h < 0] is [x < 0] as multiplier > 2^30), so
 *   y = floor((x*2^pre*m + 2^31 + (k + (dmask & -[x < 0])) * 2^32) / 2^32) >> e
 * one multiply-add and two shifts, the shift counts and rounding words loaded, not computed. */
static inline int32_t harc_s8_requant_x2(int32_t x, int32_t multiplier, int32_t pre, int32_t k, int32_t dmask, int32_t e)
{
    const int32_t hi = k + (dmask & -(x < 0 ? 1 : 0));
    const int64_t v = (int64_t)(int32_t)((uint32_t)x << pre) * multiplier + ((int64_t)hi * 4294967296 + (int64_t)2147483648);
    const int32_t vh = (int32_t)(v >= 0 ? (v >> 32) : ~((~v) >> 32));
    return harc_asr32(vh, (int)e);
}

/* harc_rdbpot(x, n) for 1 <= n <= 30 and x <= 2^31 - 1 - 2^(n-1) (the cell's products of a Q0.15
 * gate and an int16 value, |x| <= 2^30, or GRU's r times a partial sum within +-65535): round to
 * nearest, ties away from zero, is floor((x + 2^(n-1) - [x < 0]) / 2^n), and x + 2^(n-1) does not
 * overflow there. Three instructions instead of the remainder compare. */
static inline int32_t harc_rdbpot_small(int32_t x, int n)
{
    return harc_asr32(x + ((int32_t)1 << (n - 1)) - (x < 0 ? 1 : 0), n);
}

/* The int16 logistic / tanh table interpolation of harc_logistic_s16 / harc_tanh_s16 for
 * uh = a >> n < 255, ut = a mod 2^n (n = 9 logistic, 8 tanh): ua*2^n + ut*(ub - ua) is
 * ua*(2^n - ut) + ub*ut, one LDR of the adjacent table entries and one SMLAD by the halves
 * (2^n - ut, ut). Every entry is >= 32768, so read as int16 it is ua - 65536, and the sum is
 * 2^16 * 2^n short, added back as the accumulator. */
#if defined(HARC_INT8_DSP)
static inline int32_t harc_rnn_lut_interp(uint32_t abs_input, int n)
{
    const uint32_t ut = abs_input & ((1u << n) - 1u);
    int32_t pair;
    memcpy(&pair, harc_sigmoid_table_uint16 + (abs_input >> n), 4);
    return __smlad(pair, (int32_t)(((1u << n) - ut) | (ut << 16)), (int32_t)1 << (16 + n));
}
#endif

/* harc_logistic_s16 / harc_tanh_s16 for the recurrent cells, bit-exact with them (the interpolation
 * above on DSP; the same functions elsewhere). */
static inline int16_t harc_rnn_logistic(int16_t x, int32_t input_multiplier, int input_left_shift)
{
#if defined(HARC_INT8_DSP)
    const int32_t input_data = harc_lut_input_s16(x, input_multiplier, input_left_shift);
    const uint32_t abs_input = (uint32_t)(input_data < 0 ? -input_data : input_data);
    const uint32_t result = (abs_input >> 9) >= 255u ? (uint32_t)0x7FFF << 10 : (uint32_t)harc_rnn_lut_interp(abs_input, 9);
    return (int16_t)((input_data >= 0 ? (result + (1u << 9)) : ((1u << (16 + 9)) - result + (1u << 9) - 1u)) >> 10);
#else
    return harc_logistic_s16(x, input_multiplier, input_left_shift);
#endif
}

static inline int16_t harc_rnn_tanh(int16_t x, int32_t input_multiplier, int input_left_shift)
{
#if defined(HARC_INT8_DSP)
    const int32_t input_data = harc_lut_input_s16(x, input_multiplier, input_left_shift);
    const uint32_t abs_input = (uint32_t)(input_data < 0 ? -input_data : input_data);
    const int32_t result = (abs_input >> 8) >= 255u ? (int32_t)0xFFFF << 8 : harc_rnn_lut_interp(abs_input, 8);
    return (int16_t)harc_asr32(input_data >= 0 ? (result - ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)))
                                               : (-result + ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)) - 1),
                               9 - 1);
#else
    return harc_tanh_s16(x, input_multiplier, input_left_shift);
#endif
}

/* Saturation to int16 (SSAT #16 on the DSP path). */
static inline int32_t harc_sat16(int32_t x)
{
#if defined(HARC_INT8_DSP)
    return __ssat(x, 16);
#else
    return harc_clamp32(x, -32768, 32767);
#endif
}

/* Saturation to int8 (SSAT #8 on the DSP path): the recurrent cells' int8 hidden state. */
static inline int32_t harc_sat8(int32_t x)
{
#if defined(HARC_INT8_DSP)
    return __ssat(x, 8);
#else
    return harc_clamp32(x, -128, 127);
#endif
}

#endif /* HARC_INT8_FAST */

/* The requantization the optimized kernel sets' recurrent layers emit (int8-recurrent.ts): one 64-bit
 * multiply-add on the optimized paths, TFLite's MultiplyByQuantizedMultiplier on the reference one.
 * Equal for multiplier >= 0 (test/int8/fast-kernels.test.ts), which every recurrent multiplier is. */
#if HARC_INT8_FAST
#define HARC_RQ(x, multiplier, shift) harc_s8_requant((x), (multiplier), (shift))
#else
#define HARC_RQ(x, multiplier, shift) harc_mbqm((x), (multiplier), (int)(shift))
#endif

#endif /* HARC_INT8_KERNELS_H */
