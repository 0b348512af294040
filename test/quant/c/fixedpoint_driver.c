/* Differential-test driver for templates/runtime/harc_fixedpoint.h.
 * Reads one command per line on stdin, prints one result line per command.
 * The quantize_multiplier / quantize commands are host-only oracles written in the
 * style of TFLite's C++ (frexp / round / float division) to cross-check the TS emulation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harc_fixedpoint.h"

static float bits_to_float(unsigned long u)
{
    float f;
    uint32_t v = (uint32_t)u;
    memcpy(&f, &v, sizeof f);
    return f;
}

static double bits_to_double(unsigned long long u)
{
    double d;
    uint64_t v = (uint64_t)u;
    memcpy(&d, &v, sizeof d);
    return d;
}

int main(void)
{
    char op[64];
    while (scanf("%63s", op) == 1) {
        if (strcmp(op, "srdhm") == 0) {
            long a, b;
            if (scanf("%ld %ld", &a, &b) != 2) return 2;
            printf("%ld\n", (long)harc_srdhm((int32_t)a, (int32_t)b));
        } else if (strcmp(op, "rdbpot") == 0) {
            long x; int e;
            if (scanf("%ld %d", &x, &e) != 2) return 2;
            printf("%ld\n", (long)harc_rdbpot((int32_t)x, e));
        } else if (strcmp(op, "srmpot") == 0) {
            long x; int e;
            if (scanf("%ld %d", &x, &e) != 2) return 2;
            printf("%ld\n", (long)harc_srmpot((int32_t)x, e));
        } else if (strcmp(op, "mbqm") == 0) {
            long x, m; int s;
            if (scanf("%ld %ld %d", &x, &m, &s) != 3) return 2;
            printf("%ld\n", (long)harc_mbqm((int32_t)x, (int32_t)m, s));
        } else if (strcmp(op, "exp") == 0) {
            long x; int ib;
            if (scanf("%ld %d", &x, &ib) != 2) return 2;
            printf("%ld\n", (long)harc_exp_on_negative_values((int32_t)x, ib));
        } else if (strcmp(op, "oneover") == 0) {
            long x;
            if (scanf("%ld", &x) != 1) return 2;
            printf("%ld\n", (long)harc_one_over_one_plus_x_for_x_in_0_1((int32_t)x));
        } else if (strcmp(op, "oneminus") == 0) {
            long x;
            if (scanf("%ld", &x) != 1) return 2;
            printf("%ld\n", (long)harc_one_minus_x_over_one_plus_x_for_x_in_0_1((int32_t)x));
        } else if (strcmp(op, "logistic") == 0) {
            long x; int ib;
            if (scanf("%ld %d", &x, &ib) != 2) return 2;
            printf("%ld\n", (long)harc_logistic_fixed((int32_t)x, ib));
        } else if (strcmp(op, "tanh") == 0) {
            long x; int ib;
            if (scanf("%ld %d", &x, &ib) != 2) return 2;
            printf("%ld\n", (long)harc_tanh_fixed((int32_t)x, ib));
        } else if (strcmp(op, "recip") == 0) {
            long x; int d; int nbou;
            int32_t r;
            if (scanf("%ld %d", &x, &d) != 2) return 2;
            r = harc_get_reciprocal((int32_t)x, d, &nbou);
            printf("%ld %d\n", (long)r, nbou);
        } else if (strcmp(op, "logistic_s8") == 0 || strcmp(op, "tanh_s8") == 0) {
            long zp, radius, m; int s; int i;
            int is_tanh = op[0] == 't';
            if (scanf("%ld %ld %ld %d", &zp, &radius, &m, &s) != 4) return 2;
            for (i = -128; i < 128; ++i) {
                int8_t y = is_tanh ? harc_tanh_s8((int8_t)i, (int32_t)zp, (int32_t)radius, (int32_t)m, s)
                                   : harc_logistic_s8((int8_t)i, (int32_t)zp, (int32_t)radius, (int32_t)m, s);
                printf(i == -128 ? "%d" : " %d", (int)y);
            }
            printf("\n");
        } else if (strcmp(op, "logistic_s16") == 0 || strcmp(op, "tanh_s16") == 0) {
            long m; int s; long i;
            int is_tanh = op[0] == 't';
            if (scanf("%ld %d", &m, &s) != 2) return 2;
            for (i = -32768; i < 32768; ++i) {
                int16_t y = is_tanh ? harc_tanh_s16((int16_t)i, (int32_t)m, s)
                                    : harc_logistic_s16((int16_t)i, (int32_t)m, s);
                printf(i == -32768 ? "%d" : " %d", (int)y);
            }
            printf("\n");
        } else if (strcmp(op, "softmax") == 0) {
            long depth, m, diff_min; int s, out_bits; long i;
            int8_t in[4096];
            int8_t out8[4096];
            int16_t out16[4096];
            if (scanf("%ld %ld %d %ld %d", &depth, &m, &s, &diff_min, &out_bits) != 5) return 2;
            if (depth < 1 || depth > 4096) return 3;
            for (i = 0; i < depth; ++i) {
                long v;
                if (scanf("%ld", &v) != 1) return 2;
                in[i] = (int8_t)v;
            }
            harc_softmax_s8_row(in, (int32_t)depth, (int32_t)m, s, (int32_t)diff_min, out_bits, out8, out16);
            for (i = 0; i < depth; ++i) {
                printf(i == 0 ? "%d" : " %d", out_bits == 16 ? (int)out16[i] : (int)out8[i]);
            }
            printf("\n");
        } else if (strcmp(op, "hardswish") == 0) {
            harc_hard_swish_params p;
            long v[6]; int i;
            if (scanf("%ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return 2;
            p.input_zero_point = (int32_t)v[0];
            p.output_zero_point = (int32_t)v[1];
            p.reluish_multiplier_exponent = (int32_t)v[2];
            p.reluish_multiplier_fixedpoint_int16 = (int32_t)v[3];
            p.output_multiplier_exponent = (int32_t)v[4];
            p.output_multiplier_fixedpoint_int16 = (int32_t)v[5];
            for (i = -128; i < 128; ++i) {
                printf(i == -128 ? "%d" : " %d", (int)harc_hard_swish_s8((int8_t)i, &p));
            }
            printf("\n");
        } else if (strcmp(op, "add") == 0) {
            harc_add_params p;
            long v[12]; int i, x, y;
            for (i = 0; i < 12; ++i) {
                if (scanf("%ld", &v[i]) != 1) return 2;
            }
            p.input1_offset = (int32_t)v[0]; p.input2_offset = (int32_t)v[1]; p.output_offset = (int32_t)v[2];
            p.left_shift = (int32_t)v[3]; p.input1_multiplier = (int32_t)v[4]; p.input1_shift = (int32_t)v[5];
            p.input2_multiplier = (int32_t)v[6]; p.input2_shift = (int32_t)v[7]; p.output_multiplier = (int32_t)v[8];
            p.output_shift = (int32_t)v[9]; p.activation_min = (int32_t)v[10]; p.activation_max = (int32_t)v[11];
            /* every 7th pair of the 256x256 grid plus its diagonal keeps the output short */
            for (x = -128, i = 0; x < 128; ++x) {
                for (y = -128; y < 128; ++y) {
                    if (((x + 128) * 256 + (y + 128)) % 7 == 0 || x == y) {
                        printf(i++ == 0 ? "%d" : " %d", (int)harc_add_s8((int8_t)x, (int8_t)y, &p));
                    }
                }
            }
            printf("\n");
        } else if (strcmp(op, "mul") == 0) {
            harc_mul_params p;
            long v[7]; int i, x, y;
            for (i = 0; i < 7; ++i) {
                if (scanf("%ld", &v[i]) != 1) return 2;
            }
            p.input1_offset = (int32_t)v[0]; p.input2_offset = (int32_t)v[1]; p.output_offset = (int32_t)v[2];
            p.output_multiplier = (int32_t)v[3]; p.output_shift = (int32_t)v[4];
            p.activation_min = (int32_t)v[5]; p.activation_max = (int32_t)v[6];
            for (x = -128, i = 0; x < 128; ++x) {
                for (y = -128; y < 128; ++y) {
                    if (((x + 128) * 256 + (y + 128)) % 7 == 0 || x == y) {
                        printf(i++ == 0 ? "%d" : " %d", (int)harc_mul_s8((int8_t)x, (int8_t)y, &p));
                    }
                }
            }
            printf("\n");
        } else if (strcmp(op, "qmult") == 0) {
            /* TFLite QuantizeMultiplier, double given as 64-bit pattern */
            unsigned long long u;
            double d, q;
            int shift = 0;
            long long q_fixed;
            if (scanf("%llx", &u) != 1) return 2;
            d = bits_to_double(u);
            if (d == 0.0) {
                printf("0 0\n");
                continue;
            }
            q = frexp(d, &shift);
            q_fixed = (long long)round(q * (double)(1LL << 31));
            if (q_fixed == (1LL << 31)) {
                q_fixed /= 2;
                ++shift;
            }
            if (shift < -31) {
                shift = 0;
                q_fixed = 0;
            }
            printf("%ld %d\n", (long)(int32_t)q_fixed, shift);
        } else if (strcmp(op, "quantize") == 0) {
            /* reference AffineQuantize: round(val / (float)scale) + zp, clamped */
            unsigned long xb, sb; long zp; int bits;
            float val, scale, r;
            long lo, hi, q;
            if (scanf("%lx %lx %ld %d", &xb, &sb, &zp, &bits) != 4) return 2;
            val = bits_to_float(xb);
            scale = bits_to_float(sb);
            r = roundf(val / scale);
            lo = -(1L << (bits - 1));
            hi = (1L << (bits - 1)) - 1;
            if (r < -3.0e9f) r = -3.0e9f;
            if (r > 3.0e9f) r = 3.0e9f;
            q = (long)(long long)r + zp;
            printf("%ld\n", q < lo ? lo : (q > hi ? hi : q));
        } else {
            fprintf(stderr, "unknown op %s\n", op);
            return 1;
        }
    }
    return 0;
}
