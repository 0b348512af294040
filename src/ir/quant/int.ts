// Exact integer helpers shared by the quantization arithmetic.
// All "int32" values are plain JS numbers holding an integer in [-2^31, 2^31).
// Wrap-around (two's complement, modulo 2^32) is written out explicitly
// wherever the C code relies on it.

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const INT16_MIN = -32768;
export const INT16_MAX = 32767;

/** Smallest value of a signed `bits`-wide integer: -2^(bits-1). */
export function qMin(bits: number): number {
  checkBits(bits);
  return -(2 ** (bits - 1));
}

/** Largest value of a signed `bits`-wide integer: 2^(bits-1) - 1. */
export function qMax(bits: number): number {
  checkBits(bits);
  return 2 ** (bits - 1) - 1;
}

export function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 32) {
    throw new RangeError(`bit width must be an integer in [2, 32], got ${bits}`);
  }
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Reduce an integer-valued number modulo 2^32 into int32 range (C cast from a wider type). */
export function wrap32(x: number): number {
  return x | 0;
}

/** Reduce an integer-valued number (|x| < 2^53) modulo 2^16 into int16 range. */
export function wrap16(x: number): number {
  return ((x | 0) << 16) >> 16;
}

/**
 * TfLiteRound / std::round: round to nearest, ties away from zero.
 * Exact for every double (x - trunc(x) is computed without rounding error).
 */
export function roundHalfAway(x: number): number {
  const t = Math.trunc(x);
  const frac = x - t;
  if (frac >= 0.5) return t + 1;
  if (frac <= -0.5) return t - 1;
  return t + 0; // +0 turns -0 into 0
}

/** float32 rounding of a double (C `(float)x`). */
export const f32 = Math.fround;

const f64buf = new DataView(new ArrayBuffer(8));

/**
 * C `frexp`: x = mantissa * 2^exponent with |mantissa| in [0.5, 1) for finite non-zero x;
 * (0, 0) for zero. Exact (reads the IEEE-754 exponent field).
 */
export function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  let scaleExp = 0;
  let v = x;
  f64buf.setFloat64(0, v);
  let biased = (f64buf.getUint16(0) >> 4) & 0x7ff;
  if (biased === 0) {
    // subnormal: scale into the normal range first (exact)
    v = v * 2 ** 64;
    scaleExp = -64;
    f64buf.setFloat64(0, v);
    biased = (f64buf.getUint16(0) >> 4) & 0x7ff;
  }
  const e = biased - 1022; // v = m * 2^e, m in [0.5, 1)
  const mantissa = v * 2 ** -e;
  return { mantissa, exponent: e + scaleExp };
}
