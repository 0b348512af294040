/*
 * harc_fixedpoint.h - integer requantization and fixed-point activation arithmetic.
 *
 * Bit-exact with the TFLite / TFLite Micro reference kernels (TFLITE_SINGLE_ROUNDING off)
 * and gemmlowp fixedpoint.h, and with harc's TypeScript model in src/ir/quant/.
 * Header-only, C99, static inline, no heap, no libm, no floating point.
 *
 * Portability notes:
 *  - Right shifts of negative values go through harc_asr32(), which is defined for all
 *    inputs in C99 (it never shifts a negative operand), so no implementation-defined >>.
 *  - Wrapping int32 arithmetic (x << left_shift in requantization, and the plain
 *    FixedPoint +/- of gemmlowp) is done in uint32_t and converted back to int32_t.
 *    That conversion of values >= 2^31 is implementation-defined in C99; every target
 *    compiler harc supports (gcc, clang, arm-none-eabi-gcc, riscv gcc) defines it as
 *    modulo 2^32 (two's complement). Valid parameters never actually wrap.
 *  - int32_t / int64_t are required (exact-width, two's complement by definition).
 */
#ifndef HARC_FIXEDPOINT_H
#define HARC_FIXEDPOINT_H

#include <stdint.h>

#define HARC_INT32_MIN ((int32_t)(-2147483647 - 1))
#define HARC_INT32_MAX ((int32_t)2147483647)
#define HARC_INT16_MIN ((int32_t)(-32768))
#define HARC_INT16_MAX ((int32_t)32767)

/* ------------------------------------------------------------------ basic helpers */

/* Arithmetic (flooring) shift right, n in [0, 31]; well defined for negative x. */
static inline int32_t harc_asr32(int32_t x, int n)
{
    return x >= 0 ? (int32_t)(x >> n) : (int32_t)~((~x) >> n);
}

static inline int32_t harc_wrap_add32(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t harc_wrap_sub32(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

static inline int32_t harc_wrap_neg32(int32_t a)
{
    return (int32_t)(0u - (uint32_t)a);
}

/* x * 2^n modulo 2^32, n in [0, 31] (C's int32 x * (1 << n) without the overflow UB). */
static inline int32_t harc_wrap_shl32(int32_t x, int n)
{
    return (int32_t)((uint32_t)x << n);
}

static inline int32_t harc_clamp32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline int16_t harc_to_int16(int32_t x)
{
    /* modulo 2^16 as gcc's conversion; written out to stay well defined */
    uint32_t u = (uint32_t)x & 0xFFFFu;
    return u >= 0x8000u ? (int16_t)((int32_t)u - 65536) : (int16_t)u;
}

/* ------------------------------------------------------------------ gemmlowp core (int32) */

/* SaturatingRoundingDoublingHighMul (ARM VQRDMULH): round((a*b) / 2^31), INT32_MIN^2 -> MAX. */
static inline int32_t harc_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == HARC_INT32_MIN && b == HARC_INT32_MIN) {
        return HARC_INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* C99 division truncates toward zero, as gemmlowp relies on */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* RoundingDivideByPOT: x / 2^exponent, round to nearest, ties away from zero. exponent in [0, 31]. */
static inline int32_t harc_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((((int64_t)1) << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return harc_asr32(x, exponent) + (remainder > threshold ? 1 : 0);
}

/* SaturatingRoundingMultiplyByPOT<exponent>: saturating << for exponent > 0, rounding >> for < 0. */
static inline int32_t harc_srmpot(int32_t x, int exponent)
{
    int32_t threshold;
    if (exponent == 0) {
        return x;
    }
    if (exponent < 0) {
        return harc_rdbpot(x, -exponent);
    }
    threshold = (int32_t)((((int32_t)1) << (31 - exponent)) - 1);
    if (x > threshold) {
        return HARC_INT32_MAX;
    }
    if (x < -threshold) {
        return HARC_INT32_MIN;
    }
    return harc_wrap_shl32(x, exponent);
}

/* RoundingHalfSum: (a + b + sign(a + b)) / 2, truncating. */
static inline int32_t harc_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* ------------------------------------------------------------------ requantization */

/* TFLite MultiplyByQuantizedMultiplier (reference, double rounding). shift in [-31, 31]. */
static inline int32_t harc_mbqm(int32_t x, int32_t multiplier, int shift)
{
    const int left_shift = shift > 0 ? shift : 0;
    const int right_shift = shift > 0 ? 0 : -shift;
    return harc_rdbpot(harc_srdhm(harc_wrap_shl32(x, left_shift), multiplier), right_shift);
}

/* TFLite MultiplyByQuantizedMultiplierGreaterThanOne. left_shift >= 0. */
static inline int32_t harc_mbqm_gt_one(int32_t x, int32_t multiplier, int left_shift)
{
    return harc_srdhm(harc_wrap_shl32(x, left_shift), multiplier);
}

/* TFLite MultiplyByQuantizedMultiplierSmallerThanOneExp. left_shift <= 0. */
static inline int32_t harc_mbqm_lt_one(int32_t x, int32_t multiplier, int left_shift)
{
    return harc_rdbpot(harc_srdhm(x, multiplier), -left_shift);
}

/* ------------------------------------------------------------------ gemmlowp transcendental (int32 raw) */

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static inline int32_t harc_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a)
{
    const int32_t constant_term = 1895147668;   /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883; /* 1/3 */
    const int32_t x = harc_wrap_add32(a, (int32_t)1 << 28);
    const int32_t x2 = harc_srdhm(x, x);
    const int32_t x3 = harc_srdhm(x2, x);
    const int32_t x4 = harc_srdhm(x2, x2);
    const int32_t x4_over_4 = harc_rdbpot(x4, 2);
    const int32_t poly = harc_rdbpot(
        harc_wrap_add32(harc_srdhm(harc_wrap_add32(x4_over_4, x3), constant_1_over_3), x2), 1);
    return harc_wrap_add32(constant_term, harc_srdhm(constant_term, harc_wrap_add32(x, poly)));
}

/* exp(a) for a <= 0 given in Q(integer_bits) (integer_bits in [0, 29]); result Q0.31. */
static inline int32_t harc_exp_on_negative_values(int32_t a, int integer_bits)
{
    static const int32_t barrel_mult[7] = {
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242
    };
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod = harc_wrap_sub32(a & mask, one_quarter);
    int32_t result = harc_exp_on_interval_between_negative_one_quarter_and_0_excl(
        harc_srmpot(a_mod, integer_bits));
    const int32_t remainder = harc_wrap_sub32(a_mod, a);
    int i;
    for (i = 0; i < 7; ++i) {
        const int exponent = i - 2;
        if (integer_bits > exponent) {
            const int shift_amount = fractional_bits + exponent;
            if ((remainder & ((int32_t)1 << shift_amount)) != 0) {
                result = harc_srdhm(result, barrel_mult[i]);
            }
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp_value = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
        if (a < clamp_value) {
            result = 0;
        }
    }
    if (a == 0) {
        result = HARC_INT32_MAX;
    }
    return result;
}

static inline int32_t harc_newton_raphson_half_denominator(int32_t a)
{
    const int32_t half_denominator = harc_rounding_half_sum(a, HARC_INT32_MAX);
    const int32_t constant_48_over_17 = 1515870810;   /* Q2 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2 */
    int32_t x = harc_wrap_add32(constant_48_over_17, harc_srdhm(half_denominator, constant_neg_32_over_17));
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = harc_srdhm(half_denominator, x);
        const int32_t one_minus = harc_wrap_sub32((int32_t)1 << 29, half_denominator_times_x);
        x = harc_wrap_add32(x, harc_srmpot(harc_srdhm(x, one_minus), 2));
    }
    return x;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
static inline int32_t harc_one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    return harc_srmpot(harc_newton_raphson_half_denominator(a), 1);
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out. */
static inline int32_t harc_one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    return harc_srmpot(harc_wrap_sub32(harc_newton_raphson_half_denominator(a), (int32_t)1 << 29), 2);
}

/* gemmlowp logistic: a in Q(integer_bits), result Q0.31. */
static inline int32_t harc_logistic_fixed(int32_t a, int integer_bits)
{
    int32_t neg_abs;
    int32_t pos;
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    neg_abs = a > 0 ? harc_wrap_neg32(a) : a;
    pos = harc_one_over_one_plus_x_for_x_in_0_1(harc_exp_on_negative_values(neg_abs, integer_bits));
    return a > 0 ? pos : harc_wrap_sub32(HARC_INT32_MAX, pos);
}

/* gemmlowp tanh: a in Q(integer_bits), result Q0.31. */
static inline int32_t harc_tanh_fixed(int32_t a, int integer_bits)
{
    int32_t n;
    int32_t t;
    if (a == 0) {
        return 0;
    }
    n = a < 0 ? a : harc_wrap_neg32(a);
    t = harc_one_minus_x_over_one_plus_x_for_x_in_0_1(harc_exp_on_negative_values(n, integer_bits + 1));
    return a < 0 ? harc_wrap_neg32(t) : t;
}

/* TFLite GetReciprocal: x > 0 in Q(x_integer_digits); 1/x = result / 2^31 / 2^num_bits_over_unit. */
static inline int32_t harc_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit)
{
    uint32_t u = (uint32_t)x;
    int clz = 0;
    int32_t shifted_sum_minus_one;
    if (u == 0u) {
        clz = 32;
    } else {
        while ((u & 0x80000000u) == 0u) {
            u <<= 1;
            ++clz;
        }
    }
    *num_bits_over_unit = x_integer_digits - clz;
    shifted_sum_minus_one = (int32_t)(u - 0x80000000u);
    return harc_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

/* ------------------------------------------------------------------ int8 logistic / tanh */

/* reference_integer_ops::Logistic (int8). Output scale 1/256, zero point -128. */
static inline int8_t harc_logistic_s8(int8_t x, int32_t input_zero_point, int32_t input_range_radius,
                                      int32_t input_multiplier, int input_left_shift)
{
    const int32_t input = (int32_t)x - input_zero_point;
    int32_t q4;
    int32_t out;
    if (input <= -input_range_radius) {
        return (int8_t)-128;
    }
    if (input >= input_range_radius) {
        return (int8_t)127;
    }
    q4 = harc_mbqm(input, input_multiplier, input_left_shift);
    out = harc_rdbpot(harc_logistic_fixed(q4, 4), 31 - 8);
    return (int8_t)harc_clamp32(out - 128, -128, 127);
}

/* reference_integer_ops::Tanh (int8). Output scale 1/128, zero point 0. */
static inline int8_t harc_tanh_s8(int8_t x, int32_t input_zero_point, int32_t input_range_radius,
                                  int32_t input_multiplier, int input_left_shift)
{
    const int32_t input = (int32_t)x - input_zero_point;
    int32_t q4;
    int32_t out;
    if (input <= -input_range_radius) {
        return (int8_t)-128;
    }
    if (input >= input_range_radius) {
        return (int8_t)127;
    }
    q4 = harc_mbqm(input, input_multiplier, input_left_shift);
    out = harc_rdbpot(harc_tanh_fixed(q4, 4), 31 - 7);
    return (int8_t)harc_clamp32(out, -128, 127);
}

/* ------------------------------------------------------------------ int16 logistic / tanh (LUT) */

/* sigmoid(i/24) in 0.16 fixed point (TFLite / CMSIS-NN sigmoid_table_uint16 data). */
static const uint16_t harc_sigmoid_table_uint16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535
};

static inline int32_t harc_lut_input_s16(int16_t x, int32_t input_multiplier, int input_left_shift)
{
    int32_t round;
    if (input_multiplier == 0) { /* power-of-two case */
        input_multiplier = (int32_t)3 << input_left_shift;
        input_left_shift = 0;
    }
    round = input_left_shift > 0 ? (int32_t)1 << (input_left_shift - 1) : 0;
    return harc_asr32((int32_t)x * input_multiplier + round, input_left_shift);
}

/* reference_integer_ops::Logistic (int16, LUT): output Q0.15. */
static inline int16_t harc_logistic_s16(int16_t x, int32_t input_multiplier, int input_left_shift)
{
    const int32_t input_data = harc_lut_input_s16(x, input_multiplier, input_left_shift);
    const uint32_t abs_input = (uint32_t)(input_data < 0 ? -input_data : input_data);
    const uint32_t uh = abs_input >> 9;
    uint32_t result;
    if (uh >= 255u) {
        result = (uint32_t)0x7FFF << 10;
    } else {
        const uint32_t ua = harc_sigmoid_table_uint16[uh];
        const uint32_t ub = harc_sigmoid_table_uint16[uh + 1u];
        const uint32_t ut = abs_input & 0x1FFu;
        result = (ua << 9) + ut * (ub - ua);
    }
    result = input_data >= 0 ? (result + (1u << 9)) : ((1u << (16 + 9)) - result + (1u << 9) - 1u);
    return (int16_t)(result >> 10);
}

/* reference_integer_ops::Tanh (int16, LUT): output Q0.15. */
static inline int16_t harc_tanh_s16(int16_t x, int32_t input_multiplier, int input_left_shift)
{
    const int32_t input_data = harc_lut_input_s16(x, input_multiplier, input_left_shift);
    const uint32_t abs_input = (uint32_t)(input_data < 0 ? -input_data : input_data);
    const uint32_t uh = abs_input >> 8;
    int32_t result;
    if (uh >= 255u) {
        result = (int32_t)0xFFFF << 8;
    } else {
        const uint32_t ua = harc_sigmoid_table_uint16[uh];
        const uint32_t ub = harc_sigmoid_table_uint16[uh + 1u];
        const uint32_t ut = abs_input & 0xFFu;
        result = (int32_t)((ua << 8) + ut * (ub - ua));
    }
    result = input_data >= 0 ? (result - ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)))
                             : (-result + ((int32_t)1 << (14 + 9)) + ((int32_t)1 << (9 - 2)) - 1);
    return (int16_t)harc_asr32(result, 9 - 1);
}

/* ------------------------------------------------------------------ softmax (int8 input) */

/*
 * reference_ops::Softmax for one row of int8 input. Output is int8 (scale 1/256, zp -128)
 * when out_bits == 8, written to out8; or int16 (scale 1/65536, zp -32768) when
 * out_bits == 16, written to out16. The unused pointer may be NULL.
 * Precondition: the sum of exps keeps the final shift <= 31 (depth < 512 for int8 output).
 */
static inline void harc_softmax_s8_row(const int8_t *input, int32_t depth, int32_t input_multiplier,
                                       int input_left_shift, int32_t diff_min, int out_bits,
                                       int8_t *out8, int16_t *out16)
{
    int32_t max_in_row = -128;
    int32_t sum_of_exps = 0;
    int32_t reciprocal;
    int num_bits_over_unit;
    int exponent;
    const int32_t out_min = out_bits == 16 ? -32768 : -128;
    const int32_t out_max = out_bits == 16 ? 32767 : 127;
    int32_t c;
    for (c = 0; c < depth; ++c) {
        if (input[c] > max_in_row) {
            max_in_row = input[c];
        }
    }
    for (c = 0; c < depth; ++c) {
        const int32_t input_diff = (int32_t)input[c] - max_in_row;
        if (input_diff >= diff_min) {
            const int32_t rescaled = harc_mbqm_gt_one(input_diff, input_multiplier, input_left_shift);
            sum_of_exps = harc_wrap_add32(sum_of_exps, harc_rdbpot(harc_exp_on_negative_values(rescaled, 5), 12));
        }
    }
    reciprocal = harc_get_reciprocal(sum_of_exps, 12, &num_bits_over_unit);
    exponent = num_bits_over_unit + 31 - out_bits;
    for (c = 0; c < depth; ++c) {
        const int32_t input_diff = (int32_t)input[c] - max_in_row;
        int32_t value = out_min;
        if (input_diff >= diff_min) {
            const int32_t rescaled = harc_mbqm_gt_one(input_diff, input_multiplier, input_left_shift);
            const int32_t e = harc_exp_on_negative_values(rescaled, 5);
            const int32_t unsat = harc_rdbpot(harc_srdhm(reciprocal, e), exponent);
            value = harc_clamp32(unsat + out_min, out_min, out_max);
        }
        if (out_bits == 16) {
            out16[c] = (int16_t)value;
        } else {
            out8[c] = (int8_t)value;
        }
    }
}

/* ------------------------------------------------------------------ hard swish (int8) */

typedef struct {
    int32_t input_zero_point;
    int32_t output_zero_point;
    int32_t reluish_multiplier_exponent;
    int32_t reluish_multiplier_fixedpoint_int16;
    int32_t output_multiplier_exponent;
    int32_t output_multiplier_fixedpoint_int16;
} harc_hard_swish_params;

/* gemmlowp SaturatingRoundingDoublingHighMul on int16 (VQRDMULH.s16). */
static inline int16_t harc_srdhm16(int16_t a, int16_t b)
{
    int32_t ab;
    int32_t nudge;
    if (a == -32768 && b == -32768) {
        return (int16_t)32767;
    }
    ab = (int32_t)a * (int32_t)b;
    nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return harc_to_int16((ab + nudge) / (1 << 15));
}

/* TFLite SaturatingDoublingHighMul on int16 (SQDMULH: truncating). */
static inline int16_t harc_sdhm16(int16_t a, int16_t b)
{
    if (a == -32768 && b == -32768) {
        return (int16_t)32767;
    }
    return harc_to_int16(((int32_t)a * (int32_t)b) / (1 << 15));
}

/* gemmlowp RoundingDivideByPOT<int16_t>, including its exponent >= 16 behaviour. */
static inline int16_t harc_rdbpot16(int16_t x, int exponent)
{
    const int16_t mask = harc_to_int16((int32_t)((((int64_t)1) << exponent) - 1));
    const int32_t remainder = (int32_t)x & (int32_t)mask;
    const int16_t threshold = harc_to_int16(harc_asr32(mask, 1) + (x < 0 ? 1 : 0));
    return harc_to_int16(harc_asr32(x, exponent) + (remainder > threshold ? 1 : 0));
}

/* TFLite SaturatingLeftShift on int16. */
static inline int16_t harc_saturating_left_shift16(int16_t value, int amount)
{
    int64_t r = (int64_t)value * ((int64_t)1 << amount);
    if (r > 32767) {
        r = 32767;
    }
    if (r < -32768) {
        r = -32768;
    }
    return (int16_t)r;
}

/* reference_ops::HardSwish (quantized) for one element, clamped to [out_min, out_max]. */
static inline int32_t harc_hard_swish(int32_t x, const harc_hard_swish_params *p, int32_t out_min, int32_t out_max)
{
    const int16_t input_value = harc_to_int16(x - p->input_zero_point);
    const int16_t hires = harc_to_int16((int32_t)input_value * 128);
    const int16_t preshift_scale = harc_srdhm16(hires, (int16_t)p->output_multiplier_fixedpoint_int16);
    int16_t reluish = hires;
    int16_t preshift_output;
    int16_t out;
    if (p->reluish_multiplier_exponent > 0) {
        reluish = harc_saturating_left_shift16(reluish, (int)p->reluish_multiplier_exponent - 1);
    }
    reluish = harc_srdhm16(reluish, (int16_t)p->reluish_multiplier_fixedpoint_int16);
    if (p->reluish_multiplier_exponent > 0) {
        reluish = harc_saturating_left_shift16(reluish, 1);
    }
    if (p->reluish_multiplier_exponent < 0) {
        reluish = harc_rdbpot16(reluish, (int)-p->reluish_multiplier_exponent);
    }
    reluish = harc_to_int16(((int32_t)reluish + 32768) >> 1);
    preshift_output = harc_sdhm16(reluish, preshift_scale);
    out = harc_rdbpot16(preshift_output, (int)-p->output_multiplier_exponent);
    out = harc_to_int16((int32_t)out + p->output_zero_point);
    return harc_clamp32(out, out_min, out_max);
}

static inline int8_t harc_hard_swish_s8(int8_t x, const harc_hard_swish_params *p)
{
    return (int8_t)harc_hard_swish(x, p, -128, 127);
}

/* ------------------------------------------------------------------ elementwise add / mul */

typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_offset;
    int32_t left_shift;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t activation_min;
    int32_t activation_max;
} harc_add_params;

/* reference_integer_ops::AddFunc for one element pair (int8: left_shift 20, int16: 15). */
static inline int32_t harc_add_q(int32_t x, int32_t y, const harc_add_params *p)
{
    const int32_t v1 = harc_wrap_shl32(p->input1_offset + x, (int)p->left_shift);
    const int32_t v2 = harc_wrap_shl32(p->input2_offset + y, (int)p->left_shift);
    const int32_t s1 = harc_mbqm_lt_one(v1, p->input1_multiplier, (int)p->input1_shift);
    const int32_t s2 = harc_mbqm_lt_one(v2, p->input2_multiplier, (int)p->input2_shift);
    const int32_t raw_sum = harc_wrap_add32(s1, s2);
    const int32_t raw_out =
        harc_wrap_add32(harc_mbqm_lt_one(raw_sum, p->output_multiplier, (int)p->output_shift), p->output_offset);
    return harc_clamp32(raw_out, p->activation_min, p->activation_max);
}

static inline int8_t harc_add_s8(int8_t x, int8_t y, const harc_add_params *p)
{
    return (int8_t)harc_add_q(x, y, p);
}

typedef struct {
    int32_t input1_offset;
    int32_t input2_offset;
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    int32_t activation_min;
    int32_t activation_max;
} harc_mul_params;

/* reference_integer_ops::MulElementwise for one element pair. */
static inline int32_t harc_mul_q(int32_t x, int32_t y, const harc_mul_params *p)
{
    const int32_t v1 = p->input1_offset + x;
    const int32_t v2 = p->input2_offset + y;
    const int32_t prod = (int32_t)((uint32_t)v1 * (uint32_t)v2);
    const int32_t raw = harc_wrap_add32(p->output_offset, harc_mbqm(prod, p->output_multiplier, (int)p->output_shift));
    return harc_clamp32(raw, p->activation_min, p->activation_max);
}

static inline int8_t harc_mul_s8(int8_t x, int8_t y, const harc_mul_params *p)
{
    return (int8_t)harc_mul_q(x, y, p);
}

#endif /* HARC_FIXEDPOINT_H */
