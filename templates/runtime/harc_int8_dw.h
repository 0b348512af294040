/*
 * harc_int8_dw.h - the `harc` kernel set's 1-D depthwise int8 kernel for the Cortex-M DSP path.
 *
 * harc_s8_dw_pixel (harc_int8_kernels.h) walks output pixels and reloads, per pixel and per group of
 * 4 channels, every tap's inputs and weights and each channel's requantization parameters: at k = 5
 * that is ~8 instructions per MAC. Here the layer runs channel by channel instead, so a channel's
 * weights, bias and multiplier stay in registers across its whole row of outputs:
 *
 *   1. for 4 channels at a time, the padded input column of each channel is widened into int16 pairs
 *      P[j] = (u[j], u[j + 1]), u[j] = x[j - pad_l][c] or the channel's pad value (the pad row), in
 *      arena scratch: one word load, 2 SXTB16 and 4 PKHBT/PKHTB per row of 4 channels;
 *   2. each output is then ceil(k / 2) SMLAD of those pairs against the channel's weight pairs
 *      (w[2i], w[2i + 1]), w[k] = 0, started from the folded bias, and one requantization.
 *
 * The sums are the reference accumulator exactly (bias' = bias - sum zp*w, padded taps read the pad
 * row; SMLAD's int16 products of int8 values are exact), so the bytes are the reference kernel's.
 * When the stride is even only the even pairs are built (P is indexed by j / 2). An optional
 * 256-entry table (`lut`, or 0; indexed by code + 128) maps each output code: a following HardSwish / Sigmoid / Tanh / ...
 * applied as the output is written (the fused epilogue; the table is the reference kernel's).
 */
#ifndef HARC_INT8_DW_H
#define HARC_INT8_DW_H

#include "harc_int8_kernels.h"

#if defined(HARC_INT8_DSP)

/* (u_r0, u_r1) of one channel from two rows, for the edges and channel counts not a multiple of 4. */
static inline int32_t harc_s8_dw_pair(const int8_t *r0, const int8_t *r1)
{
    return (int32_t)(((uint32_t)(int32_t)*r0 & 0xFFFFu) | ((uint32_t)(int32_t)*r1 << 16));
}

/* Row j of the padded input at channel c: the input, or the pad row outside it. */
static inline const int8_t *harc_s8_dw_row(const int8_t *x, const int8_t *pad_row, int32_t C, int32_t W, int32_t j, int32_t c)
{
    return (j >= 0 && j < W) ? x + j * C + c : pad_row + c;
}

/* PKHBT a, b, LSL #16: (a.lo, b.lo); PKHTB b, a, ASR #16: (a.hi, b.hi) (gcc makes UXTH + ORR of the C) */
static inline int32_t harc_pkh_lo(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static inline int32_t harc_pkh_hi(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}

/* The pairs of 4 channels from two rows' words (channel i's at q[i * nb]). */
static inline void harc_s8_dw_pairs4(int32_t *q, int32_t nb, int32_t row0, int32_t row1)
{
    const int32_t e0 = __sxtb16(row0), o0 = harc_sxtb16_ror8(row0), e1 = __sxtb16(row1), o1 = harc_sxtb16_ror8(row1);
    q[0] = harc_pkh_lo(e0, e1);
    q[nb] = harc_pkh_lo(o0, o1);
    q[2 * nb] = harc_pkh_hi(e0, e1);
    q[3 * nb] = harc_pkh_hi(o0, o1);
}

/* Step 1: the pair columns of n <= 4 channels from c, nb pairs each (column i at P + i * nb).
 * Always inlined, so the geometry is constant and the divisions fold. */
static inline __attribute__((always_inline)) void harc_s8_dw_cols(const int8_t *x, const int8_t *pad_row, int32_t C, int32_t W, int32_t pad_l, int32_t c, int32_t n, int32_t step,
                                   int32_t nb, int32_t *P)
{
    /* pairs whose two rows are both inside the input: b in [b_lo, b_hi) */
    int32_t b_lo = (pad_l + step - 1) / step, b_hi = (W - 2 + pad_l) / step + 1, b, i;
    if (W < 2 || b_hi < b_lo) b_hi = b_lo;
    if (b_lo > nb) b_lo = nb;
    if (b_hi > nb) b_hi = nb;
    for (b = 0; b < nb; ++b) {
        if (b == b_lo && n == 4 && b_hi > b_lo) {
            int32_t *p0 = P + b, *const end = P + b_hi;
            const int8_t *r = x + (b * step - pad_l) * C + c;
            int32_t v, e0, o0, e1, o1;
            memcpy(&v, r, 4);
            e0 = __sxtb16(v);
            o0 = harc_sxtb16_ror8(v);
            /* e = (c, c + 2), o = (c + 1, c + 3) of a row: PKHBT / PKHTB pair a channel's two rows */
#define HARC_S8_DW_PAIRS(q, ea, oa, eb, ob)     \
    do {                                        \
        (q)[0] = harc_pkh_lo(ea, eb);           \
        (q)[nb] = harc_pkh_lo(oa, ob);          \
        (q)[2 * nb] = harc_pkh_hi(ea, eb);      \
        (q)[3 * nb] = harc_pkh_hi(oa, ob);      \
    } while (0)
            if (step == 1) {
                /* two pairs per pass, the rows' roles alternating (no register moves) */
                for (; end - p0 >= 2; p0 += 2) {
                    memcpy(&v, r + C, 4);
                    e1 = __sxtb16(v);
                    o1 = harc_sxtb16_ror8(v);
                    HARC_S8_DW_PAIRS(p0, e0, o0, e1, o1);
                    r += 2 * C;
                    memcpy(&v, r, 4);
                    e0 = __sxtb16(v);
                    o0 = harc_sxtb16_ror8(v);
                    HARC_S8_DW_PAIRS(p0 + 1, e1, o1, e0, o0);
                }
                if (p0 != end) {
                    memcpy(&v, r + C, 4);
                    HARC_S8_DW_PAIRS(p0, e0, o0, __sxtb16(v), harc_sxtb16_ror8(v));
                }
            } else {
                /* two pairs per pass (no row is shared: half the loop overhead) */
                for (; end - p0 >= 2; p0 += 2, r += 2 * step * C) {
                    int32_t v1, e2, o2, e3, o3;
                    memcpy(&v1, r + C, 4);
                    e1 = __sxtb16(v1);
                    o1 = harc_sxtb16_ror8(v1);
                    HARC_S8_DW_PAIRS(p0, e0, o0, e1, o1);
                    memcpy(&v, r + step * C, 4);
                    memcpy(&v1, r + step * C + C, 4);
                    e2 = __sxtb16(v);
                    o2 = harc_sxtb16_ror8(v);
                    e3 = __sxtb16(v1);
                    o3 = harc_sxtb16_ror8(v1);
                    HARC_S8_DW_PAIRS(p0 + 1, e2, o2, e3, o3);
                    if (end - p0 > 2) {
                        memcpy(&v, r + 2 * step * C, 4);
                        e0 = __sxtb16(v);
                        o0 = harc_sxtb16_ror8(v);
                    }
                }
                if (p0 != end) {
                    memcpy(&v, r + C, 4);
                    HARC_S8_DW_PAIRS(p0, e0, o0, __sxtb16(v), harc_sxtb16_ror8(v));
                }
            }
#undef HARC_S8_DW_PAIRS
            b = b_hi - 1;
            continue;
        }
        {
            const int32_t j = b * step - pad_l;
            const int8_t *r0 = harc_s8_dw_row(x, pad_row, C, W, j, c), *r1 = harc_s8_dw_row(x, pad_row, C, W, j + 1, c);
            if (n == 4) {
                /* an edge pair (a row of it is the pad row, or the input has one row): one word a row too */
                int32_t v0, v1;
                memcpy(&v0, r0, 4);
                memcpy(&v1, r1, 4);
                harc_s8_dw_pairs4(P + b, nb, v0, v1);
            } else
                for (i = 0; i < n; ++i) P[i * nb + b] = harc_s8_dw_pair(r0 + i, r1 + i);
        }
    }
}

/* Step 2 for one channel, hand-scheduled for the zoo's case (k = 5 or 6: three weight pairs, pairs
 * of consecutive outputs one word apart, the full int8 range, the one-multiply requantization with
 * the output zero point folded into its rounding constant): per output 3 LDR, 3 SMLAD and 7
 * instructions of requantization and store. hi0 = 2^(e-2) + out_zp * 2^(e-1), e = -shift, so the
 * high word of acc * mult + (hi0 - [acc < 0], 2^30 | sign(acc) << 31), shifted right by e - 1, is
 * harc_s8_requant_fast(acc) + out_zp exactly (adding out_zp * 2^(31+e) before the floor division).
 * ts4 = byte distance between a pair and the next tap pair of the same output (8 or 4). */
#if defined(__OPTIMIZE__) && defined(__GNUC__)
/* One output: 3 LDR (the pair pointer post-incremented), 3 SMLAD from the bias, the requantization,
 * SSAT, an optional table (LDRSB from lut + 128, the fused epilogue) and STRB; y += C (C sits above
 * the shift amount in r10: ASR reads only its low byte). */
#define HARC_S8_DW3_STEP(ts4, lutop)                     \
    "ldr r12, [r0], #4\n\t"                              \
    "ldr r3, [r0, #" #ts4 " - 4]\n\t"                    \
    "ldr lr, [r0, #2 * " #ts4 " - 4]\n\t"                \
    "smlad r12, r12, r4, r7\n\t"                         \
    "smlad r12, r3, r5, r12\n\t"                         \
    "smlad r12, lr, r6, r12\n\t"                         \
    "and r3, r12, #0x80000000\n\t"                       \
    "orr r3, r3, #0x40000000\n\t"                        \
    "add lr, r9, r12, asr #31\n\t"                       \
    "smlal r3, lr, r12, r8\n\t"                          \
    "asr lr, lr, r10\n\t"                                \
    "ssat lr, #8, lr\n\t"                                \
    lutop                                                \
    "strb lr, [r1]\n\t"                                  \
    "add r1, r1, r10, lsr #8\n\t"

/* prm = { w0, w1, w2, bias, mult, hi0, (e - 1) | C << 8, lut + 128 }; an even number of outputs,
 * two per pass. Out of line, with its own registers: r0-r12 and lr all hold operands. */
#define HARC_S8_DW3_DEF(name, ts4, lutop)                                                                                   \
    static __attribute__((noinline, unused)) void name(const int32_t *P, int8_t *y, const int32_t *end, const int32_t *prm) \
    {                                                                                                                       \
        register const int32_t *r0 __asm__("r0") = P;                                                                       \
        register int8_t *r1 __asm__("r1") = y;                                                                              \
        register const int32_t *r2 __asm__("r2") = end;                                                                     \
        register const int32_t *r3 __asm__("r3") = prm;                                                                     \
        __asm__ volatile("ldm r3, {r4, r5, r6, r7, r8, r9, r10, r11}\n\t"                                                   \
                         "1:\n\t" HARC_S8_DW3_STEP(ts4, lutop) HARC_S8_DW3_STEP(ts4, lutop) "cmp r0, r2\n\t"                \
                         "bne 1b"                                                                                           \
                         : "+r"(r0), "+r"(r1), "+r"(r3)                                                                     \
                         : "r"(r2)                                                                                          \
                         : "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory");                  \
    }
HARC_S8_DW3_DEF(harc_s8_dw3_ts2, 8, "")
HARC_S8_DW3_DEF(harc_s8_dw3_ts1, 4, "")
HARC_S8_DW3_DEF(harc_s8_dw3_ts2_lut, 8, "ldrsb lr, [r11, lr]\n\t")
HARC_S8_DW3_DEF(harc_s8_dw3_ts1_lut, 4, "ldrsb lr, [r11, lr]\n\t")
#endif

/* Step 2 for one channel: out_w outputs from its pair column P (pair t of output o at
 * P[o * ps + t * ts]), np <= 4 weight pairs wp, written every C bytes from y. */
static inline __attribute__((always_inline)) void harc_s8_dw_chan(const int32_t *P, const int32_t *wp, int32_t np, int32_t ps, int32_t ts, int32_t out_w, int32_t bias, int32_t mult,
                                   int32_t shift, int32_t C, int8_t *y, int32_t out_zp, int32_t act_min, int32_t act_max, int32_t fast_rq, const int8_t *lut)
{
    /* locals, so the weights stay in registers (y is int8_t and may alias anything) */
    const int32_t w0 = wp[0], w1 = np > 1 ? wp[1] : 0, w2 = np > 2 ? wp[2] : 0, w3 = np > 3 ? wp[3] : 0;
    int32_t o;
#if defined(__OPTIMIZE__) && defined(__GNUC__)
    if (np == 3 && ps == 1 && (ts == 1 || ts == 2) && fast_rq && act_min == -128 && act_max == 127 && shift >= -22 && C > 0 && C < (1 << 23) && out_w > 1) {
        const int32_t e1 = -shift - 1, pairs = out_w & ~1;
        int32_t prm[8];
        prm[0] = w0;
        prm[1] = w1;
        prm[2] = w2;
        prm[3] = bias;
        prm[4] = mult;
        prm[5] = (int32_t)(((uint32_t)1 << (-shift - 2)) + (uint32_t)out_zp * ((uint32_t)1 << e1));
        prm[6] = (int32_t)((uint32_t)e1 | ((uint32_t)C << 8));
        prm[7] = (int32_t)(uintptr_t)(lut ? lut + 128 : lut);
        if (ts == 2)
            (lut ? harc_s8_dw3_ts2_lut : harc_s8_dw3_ts2)(P, y, P + pairs, prm);
        else
            (lut ? harc_s8_dw3_ts1_lut : harc_s8_dw3_ts1)(P, y, P + pairs, prm);
        /* an odd last output below */
        o = pairs;
        P += pairs;
        y += pairs * C;
    } else
        o = 0;
#else
    o = 0;
#endif
    for (; o < out_w; ++o, P += ps, y += C) {
        int32_t a = __smlad(P[0], w0, bias);
        int8_t v;
        if (np > 1) a = __smlad(P[ts], w1, a);
        if (np > 2) a = __smlad(P[2 * ts], w2, a);
        if (np > 3) a = __smlad(P[3 * ts], w3, a);
        v = harc_s8_out(a, mult, shift, out_zp, act_min, act_max, fast_rq);
        *y = lut ? lut[(int32_t)v + 128] : v;
    }
}

/* harc_s8_dwq_rows: the zoo's depthwise shape (k 4 or 5, stride 1 or 2, full int8 range, the
 * one-multiply requantization; the lowering checks every condition at compile time, dwq in
 * int8-dw-rows.ts). Only the even pairs Q[m] = (u[2m], u[2m + 1]) are built, for both strides
 * (half the column work at stride 1), and each output is 3 SMLAD of Q against a weight triple: at
 * stride 2 output o reads Q[o..o+2] against ((w0,w1), (w2,w3), (w4,0)); at stride 1 the even
 * outputs 2m read Q[m..m+2] against that triple and the odd outputs 2m + 1 against
 * ((0,w0), (w1,w2), (w3,w4)), each parity a pass writing every 2C bytes.
 * The weights and bias are doubled at compile time (2 acc: int16 lanes hold 2w exactly, and the
 * lowering checks |bias| + 128 * sum |w| < 2^30), so harc_s8_requant_fast(acc) + out_zp is
 *   SMMLAR(h - [acc < 0], 2 acc, mult) >> e,  h = 2^(e-1) + out_zp * 2^e,  e = -shift:
 * SMMLAR adds its accumulator times 2^32 and 2^31 before taking the high word, which makes the
 * numerator and denominator of harc_s8_requant_fast's single floor division (see there) twice
 * theirs, and floors compose. Four instructions instead of six. Each channel's words (its weight
 * triples, 2 bias, mult, h, e and the loop's counter) are precomputed in flash: one LDM a pass. */
#if defined(__OPTIMIZE__) && defined(__GNUC__)
/* Outputs A and B of one pass: their 3 pairs overlap in 2, so 4 LDR (pipelined; the post-increment
 * on the last) serve both; 6 SMLAD; both requantizations interleaved (ADD for the sign, SMMLAR, ASR,
 * SSAT), so that a table's LDRSB never waits for the SSAT before it; the two stores at y and
 * y + ystride (UXTB: the byte of ystride in r10, into r12 once B's sum is used), y then stepped by
 * 2 ystride: no store waits for its address. */
#define HARC_S8_DWQ_PAIR(lutop)             \
    "ldr lr, [r0, #8]\n\t"                  \
    "ldr r2, [r0, #12]\n\t"                 \
    "ldr r12, [r0, #4]\n\t"                 \
    "ldr r3, [r0], #8\n\t"                  \
    "smlad r3, r3, r4, r7\n\t"              \
    "smlad r3, r12, r5, r3\n\t"             \
    "smlad r3, lr, r6, r3\n\t"              \
    "smlad r12, r12, r4, r7\n\t"            \
    "smlad r12, lr, r5, r12\n\t"            \
    "smlad r12, r2, r6, r12\n\t"            \
    "add lr, r9, r3, asr #31\n\t"           \
    "add r2, r9, r12, asr #31\n\t"          \
    "smmlar lr, r3, r8, lr\n\t"             \
    "smmlar r2, r12, r8, r2\n\t"            \
    "uxtb r12, r10, ror #8\n\t"             \
    "asr lr, lr, r10\n\t"                   \
    "asr r2, r2, r10\n\t"                   \
    "ssat lr, #8, lr\n\t"                   \
    "ssat r2, #8, r2\n\t" lutop             \
    "strb lr, [r1]\n\t"                     \
    "strb r2, [r1, r12]\n\t"                \
    "add r1, r1, r12, lsl #1\n\t"
/* The loop of one pass: 4 outputs an iteration, r10's top half counting the iterations up to the
 * carry out of ADDS (ASR reads only r10's low byte, UXTB its second). */
#define HARC_S8_DWQ_LOOP(label, lutop) \
    label ":\n\t" HARC_S8_DWQ_PAIR(lutop) HARC_S8_DWQ_PAIR(lutop) "adds r10, r10, #0x10000\n\t" "bcc " label "b\n\t"
/* The asm passes of n channels of one group: channel i's column at P + i * nb, its outputs from
 * y + i (and y + i + C for the odd pass at stride 1), its words from prm (harc_s8_dwq_rows). The
 * stack frame holds { column, y, channels left, prm, nb * 4 | C << 16 } across the passes, whose
 * loops need all 14 registers; lut + 128 in r11 or unused. Out of line, with its own registers. */
#define HARC_S8_DWQ_DEF(name, lutop, odd)                                                                                               \
    static __attribute__((noinline, unused)) void name(const int32_t *P, int8_t *y, int32_t n, const int32_t *prm, uint32_t geo,         \
                                                       const int8_t *lut)                                                               \
    {                                                                                                                                   \
        register const int32_t *r0 __asm__("r0") = P;                                                                                   \
        register int8_t *r1 __asm__("r1") = y;                                                                                          \
        register int32_t r2 __asm__("r2") = n;                                                                                          \
        register const int32_t *r3 __asm__("r3") = prm;                                                                                 \
        register uint32_t r12 __asm__("r12") = geo;                                                                                     \
        register const int8_t *r11 __asm__("r11") = lut;                                                                                \
        __asm__ volatile("push {r0, r1, r2, r3, r12}\n\t"                                                                               \
                         "3:\n\t"                                                                                                       \
                         "ldm r3!, {r4, r5, r6, r7, r8, r9, r10}\n\t"                                                                   \
                         "str r3, [sp, #12]\n\t" HARC_S8_DWQ_LOOP("1", lutop) odd                                                       \
                         "ldm sp, {r0, r1, r2, r3, r12}\n\t"                                                                            \
                         "uxth lr, r12\n\t"                                                                                             \
                         "add r0, r0, lr\n\t"                                                                                           \
                         "add r1, r1, #1\n\t"                                                                                           \
                         "subs r2, r2, #1\n\t"                                                                                          \
                         "stm sp, {r0, r1, r2}\n\t"                                                                                     \
                         "bne 3b\n\t"                                                                                                   \
                         "add sp, sp, #20"                                                                                              \
                         : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r12)                                                           \
                         : "r"(r11)                                                                                                     \
                         : "r4", "r5", "r6", "r7", "r8", "r9", "r10", "lr", "cc", "memory");                                           \
    }
/* Stride 1: the odd pass from the same column, its triple and counter word next in prm, y + C. */
#define HARC_S8_DWQ_ODD(lutop)                      \
    "ldr r3, [sp, #12]\n\t"                         \
    "ldm r3!, {r4, r5, r6, r10}\n\t"                \
    "str r3, [sp, #12]\n\t"                         \
    "ldm sp, {r0, r1}\n\t"                          \
    "ldr r12, [sp, #16]\n\t"                        \
    "add r1, r1, r12, lsr #16\n\t" HARC_S8_DWQ_LOOP("2", lutop)
#define HARC_S8_DWQ_LUT "ldrsb lr, [r11, lr]\n\tldrsb r2, [r11, r2]\n\t"
HARC_S8_DWQ_DEF(harc_s8_dwq_s2, "", "")
HARC_S8_DWQ_DEF(harc_s8_dwq_s2_lut, HARC_S8_DWQ_LUT, "")
HARC_S8_DWQ_DEF(harc_s8_dwq_s1, "", HARC_S8_DWQ_ODD(""))
HARC_S8_DWQ_DEF(harc_s8_dwq_s1_lut, HARC_S8_DWQ_LUT, HARC_S8_DWQ_ODD(HARC_S8_DWQ_LUT))
#undef HARC_S8_DWQ_LUT
#undef HARC_S8_DWQ_ODD
#undef HARC_S8_DWQ_DEF
#undef HARC_S8_DWQ_LOOP
#undef HARC_S8_DWQ_PAIR

/* One output in C (those past the asm passes' multiple of 4): the same doubled sums, halved (exact),
 * then harc_s8_out as the other paths. */
static inline int8_t harc_s8_dwq_one(const int32_t *Q, const int32_t *wt, const int32_t *cst, int32_t out_zp, const int8_t *lut)
{
    int32_t a = __smlad(Q[0], wt[0], cst[0]);
    int8_t v;
    a = __smlad(Q[1], wt[1], a);
    a = __smlad(Q[2], wt[2], a);
    v = harc_s8_out(a >> 1, cst[1], -(cst[3] & 0xFF), out_zp, -128, 127, 1);
    return lut ? lut[(int32_t)v + 128] : v;
}

/* prm per channel: { 2 (w0,w1), 2 (w2,w3), 2 (w4,0), 2 bias, mult, h, ew } (7 words) at stride 2;
 * at stride 1 then { 2 (0,w0), 2 (w1,w2), 2 (w3,w4), ew } (11), ew = e | ystride << 8 |
 * (2^16 - n4 / 4) << 16 with n4 the outputs of each pass the asm runs (a multiple of 4 below 2^18,
 * at least 4; the lowering computes it and passes it too, so that the C tail folds away when there
 * is none). The C tail runs the rest of each pass. */
static inline __attribute__((always_inline)) void harc_s8_dwq_rows(const int8_t *x, const int8_t *pad_row, const int32_t *prm, int32_t C, int32_t W, int32_t pad_l,
                                   int32_t stride, int32_t out_w, int32_t n4, int8_t *y, int32_t out_zp, const int8_t *lut, int32_t *P)
{
    const int32_t nb = stride == 1 ? ((out_w - 1) >> 1) + 3 : out_w + 2, words = stride == 1 ? 11 : 7;
    const uint32_t geo = (uint32_t)nb * 4u | (uint32_t)C << 16;
    int32_t c, i, o;
    for (c = 0; c < C; c += 4, prm += 4 * words) {
        const int32_t n = C - c < 4 ? C - c : 4;
        harc_s8_dw_cols(x, pad_row, C, W, pad_l, c, n, 2, nb, P);
        if (stride == 1)
            (lut ? harc_s8_dwq_s1_lut : harc_s8_dwq_s1)(P, y + c, n, prm, geo, lut ? lut + 128 : lut);
        else
            (lut ? harc_s8_dwq_s2_lut : harc_s8_dwq_s2)(P, y + c, n, prm, geo, lut ? lut + 128 : lut);
        for (i = 0; i < n; ++i) {
            const int32_t *const Q = P + i * nb, *const cw = prm + i * words;
            if (stride == 2)
                for (o = n4; o < out_w; ++o) y[o * C + c + i] = harc_s8_dwq_one(Q + o, cw, cw + 3, out_zp, lut);
            else {
                for (o = n4; o < (out_w + 1) >> 1; ++o) y[2 * o * C + c + i] = harc_s8_dwq_one(Q + o, cw, cw + 3, out_zp, lut);
                for (o = n4; o < out_w >> 1; ++o) y[(2 * o + 1) * C + c + i] = harc_s8_dwq_one(Q + o, cw + 7, cw + 3, out_zp, lut);
            }
        }
    }
}
#endif

/* Depthwise 1-D conv, multiplier 1, dilation 1, kernel k <= 8, one batch row: x [W][C] -> y [out_w][C].
 * w holds each channel's np = ceil(k / 2) weight pairs (channel-major), P is 4 * nb words of scratch
 * with nb = ((out_w - 1) * stride + 2 * (np - 1)) / step + 1, step = 2 for an even stride, else 1. */
static inline __attribute__((always_inline)) void harc_s8_dw_rows(const int8_t *x, const int8_t *pad_row, const int32_t *w, const int32_t *bias, const int32_t *mult, const int32_t *shift,
                                   int32_t C, int32_t W, int32_t pad_l, int32_t k, int32_t stride, int32_t out_w, int8_t *y, int32_t out_zp, int32_t act_min,
                                   int32_t act_max, int32_t fast_rq, const int8_t *lut, int32_t *P)
{
    const int32_t np = (k + 1) >> 1, step = (stride & 1) ? 1 : 2;

    const int32_t nb = ((out_w - 1) * stride + 2 * (np - 1)) / step + 1;
    int32_t c, i;
    for (c = 0; c < C; c += 4) {
        const int32_t n = C - c < 4 ? C - c : 4;
        harc_s8_dw_cols(x, pad_row, C, W, pad_l, c, n, step, nb, P);
        for (i = 0; i < n; ++i)
            harc_s8_dw_chan(P + i * nb, w + (c + i) * np, np, stride / step, 2 / step, out_w, bias[c + i], mult[c + i], shift[c + i], C, y + c + i, out_zp,
                            act_min, act_max, fast_rq, lut);
    }
}

#endif /* HARC_INT8_DSP */

#endif /* HARC_INT8_DW_H */
