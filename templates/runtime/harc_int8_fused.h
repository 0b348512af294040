/*
 * harc_int8_fused.h - the `harc` kernel set's pointwise/1-D Conv with a fused table epilogue
 * (Cortex-M DSP path; the RISC-V path's below, HARC_INT8_OPT): harc_s8_mat2 of harc_int8_kernels.h with every output byte mapped through a
 * 256-entry table as it is written (an int8 HardSwish / Sigmoid / Tanh absorbed by its producer,
 * src/backends/c/lower/int8-epilogue.ts). The accumulation is harc_s8_mat2's, line for line (its
 * hand-scheduled SMLAD loop): only the output statement differs, so the bytes are the unfused
 * sequence's (the table is the one the activation's own layer runs).
 */
#ifndef HARC_INT8_FUSED_H
#define HARC_INT8_FUSED_H

#include "harc_int8_kernels.h"

#if HARC_INT8_FAST

/* A residual Add done as the Conv writes (src/backends/c/lower/int8-residual-add.ts): TFLite's
 * AddElementwise of the Conv's int8 output v and the other input s. Each input's rescaling
 * (((code + offset) << left_shift) times its multiplier) is a function of one int8 code, so it is a
 * 256-entry int32 table computed at compile time by the reference's integer function; the sum's
 * requantization, the output zero point and the clamp are harc_s8_out's. The skip row of an output
 * is at the same offset from `skip` as the output from `y`. */
typedef struct {
    const int32_t *tv, *ts; /* rescaled Conv output / other input, indexed by code + 128 */
    int32_t mult, shift, out_zp, act_min, act_max, fast_rq;
    const int8_t *y, *skip;
} harc_s8_add_ep;

/* harc_s8_out, then the table (indexed by code + 128; none if 0), then the Add (none if 0) with the
 * skip byte of output *yp. */
static inline __attribute__((always_inline)) int8_t harc_s8_out_ep(int32_t acc, int32_t multiplier, int32_t shift, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, const int8_t *lut,
                                    const harc_s8_add_ep *ep, const int8_t *yp)
{
    int8_t v = harc_s8_out(acc, multiplier, shift, out_zp, act_min, act_max, fast_rq);
    if (lut) v = lut[(int32_t)v + 128];
    if (ep) {
        const int32_t s = ep->skip[yp - ep->y];
        const int32_t sum = (int32_t)((uint32_t)ep->tv[(int32_t)v + 128] + (uint32_t)ep->ts[s + 128]);
        v = harc_s8_out(sum, ep->mult, ep->shift, ep->out_zp, ep->act_min, ep->act_max, ep->fast_rq);
    }
    return v;
}

#if defined(HARC_INT8_DSP)

/* harc_s8_mat2 (DSP) with the epilogue on every output (the table, the Add, or both). */
static inline __attribute__((always_inline)) void harc_s8_mat2_ep(const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K, const int8_t *c0,
                                   const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q,
                                   const int8_t *lut, const harc_s8_add_ep *ep)
{
    int32_t oc = 0;
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
        y0[oc] = harc_s8_out_ep(a00, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq, lut, ep, y0 + oc);
        y0[oc + 1] = harc_s8_out_ep(a10, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq, lut, ep, y0 + oc + 1);
        y1[oc] = harc_s8_out_ep(a01, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq, lut, ep, y1 + oc);
        y1[oc + 1] = harc_s8_out_ep(a11, mult[oc + 1], shift[oc + 1], out_zp, act_min, act_max, fast_rq, lut, ep, y1 + oc + 1);
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
        y0[oc] = harc_s8_out_ep(a0, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq, lut, ep, y0 + oc);
        y1[oc] = harc_s8_out_ep(a1, mult[oc], shift[oc], out_zp, act_min, act_max, fast_rq, lut, ep, y1 + oc);
    }
}

#endif /* HARC_INT8_DSP */

#if defined(HARC_INT8_OPT)
/* The RISC-V / plain-C path (HARC_INT8_OPT): harc_s8_mat2's register-blocked loops (8, then 4
 * channels x 2 pixels; the rest as rows) and harc_s8_dw_pixel's, line for line, each output mapped
 * through the fused table as it is written, so the bytes are the unfused sequence's and the
 * intermediate tensor is never stored. (harc_s8_mat1_ep below serves both paths.) */
/* harc_s8_mat2's attributes, and no hoisting of loop invariants: the epilogue's requantization
 * constants held in registers across the accumulation loop made gcc spill its end pointer (one
 * more load per k); rematerialized per output they cost one ALU instruction each */
#if defined(__GNUC__) && !defined(__clang__)
#define HARC_INT8_EP_ATTR __attribute__((optimize("no-schedule-insns", "no-schedule-insns2", "no-move-loop-invariants")))
#else
#define HARC_INT8_EP_ATTR
#endif

/* One output of a fused table: harc_s8_out, then the table (indexed by code + 128). */
#define HARC_S8_OPT_EP(y, o, a) (y)[o] = lut[(int32_t)harc_s8_out((a), mult[o], shift[o], out_zp, act_min, act_max, fast_rq) + 128]

/* harc_s8_mat2 (OPT) with a fused table on every output. The residual Add epilogue is not taken
 * on this path (ep must be null: the `harc` set fuses tables alone on riscv, where the Add's
 * requantization with run-time parameters cost more than the separate layer's with literals;
 * src/backends/c/lower/int8-opt-epilogue.ts). */
static inline HARC_INT8_EP_ATTR void harc_s8_mat2_ep(const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K, const int8_t *c0,
                                                     const int8_t *c1, int8_t *y0, int8_t *y1, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q,
                                                     const int8_t *lut, const harc_s8_add_ep *ep)
{
    int32_t oc = 0;
    const int32_t cout8 = cout & ~7;
    const int32_t cout4 = cout & ~3;
    (void)q;
    (void)ep;
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
        HARC_S8_OPT_EP(y0, oc, a00);
        HARC_S8_OPT_EP(y0, oc + 1, a10);
        HARC_S8_OPT_EP(y0, oc + 2, a20);
        HARC_S8_OPT_EP(y0, oc + 3, a30);
        HARC_S8_OPT_EP(y0, oc + 4, a40);
        HARC_S8_OPT_EP(y0, oc + 5, a50);
        HARC_S8_OPT_EP(y0, oc + 6, a60);
        HARC_S8_OPT_EP(y0, oc + 7, a70);
        HARC_S8_OPT_EP(y1, oc, a01);
        HARC_S8_OPT_EP(y1, oc + 1, a11);
        HARC_S8_OPT_EP(y1, oc + 2, a21);
        HARC_S8_OPT_EP(y1, oc + 3, a31);
        HARC_S8_OPT_EP(y1, oc + 4, a41);
        HARC_S8_OPT_EP(y1, oc + 5, a51);
        HARC_S8_OPT_EP(y1, oc + 6, a61);
        HARC_S8_OPT_EP(y1, oc + 7, a71);
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
        HARC_S8_OPT_EP(y0, oc, a00);
        HARC_S8_OPT_EP(y0, oc + 1, a10);
        HARC_S8_OPT_EP(y0, oc + 2, a20);
        HARC_S8_OPT_EP(y0, oc + 3, a30);
        HARC_S8_OPT_EP(y1, oc, a01);
        HARC_S8_OPT_EP(y1, oc + 1, a11);
        HARC_S8_OPT_EP(y1, oc + 2, a21);
        HARC_S8_OPT_EP(y1, oc + 3, a31);
    }
    for (oc = cout4; oc < cout; ++oc) {
        int32_t a0 = bias[oc], a1 = a0, k;
        for (k = 0; k < K; ++k) {
            const int32_t v = w[k];
            a0 += c0[k] * v;
            a1 += c1[k] * v;
        }
        w += K;
        HARC_S8_OPT_EP(y0, oc, a0);
        HARC_S8_OPT_EP(y1, oc, a1);
    }
}

/* harc_s8_dw_pixel (OPT) with a fused table on every output: a HardSwish / Sigmoid / Tanh after a
 * depthwise Conv (mobilenet-1d's blocks) applied as the depthwise layer writes (ep must be null). */
static inline void harc_s8_dw_pixel_ep(const int8_t *const *src, int32_t taps, const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t C,
                                       int8_t *y, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, const int8_t *lut, const harc_s8_add_ep *ep)
{
    const int32_t C4 = C & ~3;
    int32_t c = 0, t;
    (void)ep;
    for (; c < C4; c += 4) {
        int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
        const int8_t *wp = w + c;
        for (t = 0; t < taps; ++t, wp += C) {
            const int8_t *xp = src[t] + c;
            a0 += xp[0] * wp[0];
            a1 += xp[1] * wp[1];
            a2 += xp[2] * wp[2];
            a3 += xp[3] * wp[3];
        }
        HARC_S8_OPT_EP(y, c, a0);
        HARC_S8_OPT_EP(y, c + 1, a1);
        HARC_S8_OPT_EP(y, c + 2, a2);
        HARC_S8_OPT_EP(y, c + 3, a3);
    }
    for (c = C4; c < C; ++c) {
        int32_t a = bias[c];
        for (t = 0; t < taps; ++t) a += src[t][c] * w[t * C + c];
        HARC_S8_OPT_EP(y, c, a);
    }
}


/* acc += tap t of one output when the layer has that tap (k is a constant once inlined: the taps
 * unroll and the weights are scalars in registers) */
#define HARC_DW_OPT_TAP(t, xv) \
    if (k > (t)) acc += (xv) * w##t
#define HARC_DW_OPT_TAPS(X) \
    do { \
        HARC_DW_OPT_TAP(0, X(0)); \
        HARC_DW_OPT_TAP(1, X(1)); \
        HARC_DW_OPT_TAP(2, X(2)); \
        HARC_DW_OPT_TAP(3, X(3)); \
        HARC_DW_OPT_TAP(4, X(4)); \
        HARC_DW_OPT_TAP(5, X(5)); \
        HARC_DW_OPT_TAP(6, X(6)); \
        HARC_DW_OPT_TAP(7, X(7)); \
    } while (0)
/* 1-D depthwise Conv (multiplier 1, dilation 1, k <= 8) channel by channel on the OPT path, with an
 * optional fused table (lut, else null): a channel's k weights, bias, multiplier, shift and pad
 * value stay in registers across its row of outputs, the outputs whose taps all lie inside the
 * input read them at constant offsets (t * C) from one pointer, the borders read the pad row's
 * value for padded taps. x is NWC for one batch item, w the reference layout [c][t], bias the
 * zero point folded in. Always inlined, so k, C and the stride are the layer's constants (the taps
 * unroll) and a null lut costs nothing. The sums are the reference accumulator's. */
static inline __attribute__((always_inline)) void harc_s8_dw_rows_opt(const int8_t *x, const int8_t *pad_row, const int8_t *w, const int32_t *bias, const int32_t *mult,
                                                                     const int32_t *shift, int32_t C, int32_t in_w, int32_t pad_l, int32_t k, int32_t stride, int32_t out_w,
                                                                     int8_t *y, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, const int8_t *lut)
{
    /* interior outputs [o_lo, o_hi): o * stride - pad_l >= 0 and o * stride - pad_l + k - 1 < in_w */
    const int32_t o_lo0 = (pad_l + stride - 1) / stride;
    const int32_t last = in_w - k + pad_l; /* the largest o * stride allowed */
    const int32_t o_hi0 = last < 0 ? 0 : last / stride + 1;
    const int32_t o_hi = o_hi0 < out_w ? o_hi0 : out_w;
    const int32_t o_lo = o_lo0 < o_hi ? o_lo0 : o_hi;
    int32_t c, o;
    for (c = 0; c < C; ++c, w += k) {
        const int32_t w0 = w[0], w1 = k > 1 ? w[1] : 0, w2 = k > 2 ? w[2] : 0, w3 = k > 3 ? w[3] : 0;
        const int32_t w4 = k > 4 ? w[4] : 0, w5 = k > 5 ? w[5] : 0, w6 = k > 6 ? w[6] : 0, w7 = k > 7 ? w[7] : 0;
        const int32_t b = bias[c], m = mult[c], sh = shift[c], pv = pad_row[c];
        int8_t *yc = y + c;
        for (o = 0; o < out_w; ++o) {
            int32_t acc, v;
            if (o == o_lo && o < o_hi) {
                const int8_t *p = x + (o * stride - pad_l) * C + c;
                for (; o < o_hi; ++o, p += stride * C) {
                    acc = b;
#define HARC_DW_OPT_IN(t) p[(t) * C]
                    HARC_DW_OPT_TAPS(HARC_DW_OPT_IN);
#undef HARC_DW_OPT_IN
                    v = harc_s8_out(acc, m, sh, out_zp, act_min, act_max, fast_rq);
                    yc[o * C] = (int8_t)(lut ? lut[v + 128] : v);
                }
                if (o >= out_w) break;
            }
            acc = b;
#define HARC_DW_OPT_BORDER(t) ((o * stride - pad_l + (t)) >= 0 && (o * stride - pad_l + (t)) < in_w ? x[(o * stride - pad_l + (t)) * C + c] : pv)
            HARC_DW_OPT_TAPS(HARC_DW_OPT_BORDER);
#undef HARC_DW_OPT_BORDER
            v = harc_s8_out(acc, m, sh, out_zp, act_min, act_max, fast_rq);
            yc[o * C] = (int8_t)(lut ? lut[v + 128] : v);
        }
    }
}
#undef HARC_DW_OPT_TAPS
#undef HARC_DW_OPT_TAP

#undef HARC_S8_OPT_EP
#endif /* HARC_INT8_OPT */

/* harc_s8_mat1 (one pixel: an odd last one, or a single-pixel layer), then the epilogue on its row
 * (harc_s8_out_ep's, from the requantized bytes). */
static inline void harc_s8_mat1_ep(const int8_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift, int32_t cout, int32_t K, const int8_t *c0,
                                   int8_t *y0, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, int32_t *q, const int8_t *lut, const harc_s8_add_ep *ep)
{
    int32_t oc;
    harc_s8_mat1(w, bias, mult, shift, cout, K, c0, y0, out_zp, act_min, act_max, fast_rq, q);
    for (oc = 0; oc < cout; ++oc) {
        int8_t v = y0[oc];
        if (lut) v = lut[(int32_t)v + 128];
        if (ep) {
            const int32_t s = ep->skip[y0 + oc - ep->y];
            v = harc_s8_out((int32_t)((uint32_t)ep->tv[(int32_t)v + 128] + (uint32_t)ep->ts[s + 128]), ep->mult, ep->shift, ep->out_zp, ep->act_min, ep->act_max, ep->fast_rq);
        }
        y0[oc] = v;
    }
}

#endif /* HARC_INT8_FAST */

#endif /* HARC_INT8_FUSED_H */
