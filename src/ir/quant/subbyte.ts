// Sub-byte weight storage (issue 12). Weights of 4 or 2 bits live in the IR as int8 values in
// [−qmax, qmax] (the bit width is the tensor's quant.bits) and are packed only when stored:
// int4 two per byte, low nibble first (CMSIS-NN's arm_*_s4 layout); int2 four per byte, lowest
// bits first. Each field is the value's two's complement in `bits` bits.

/** Bit widths a weight tensor may have. */
export const WEIGHT_BITS = [8, 4, 2] as const;
export type WeightBits = (typeof WEIGHT_BITS)[number];

export const isWeightBits = (b: number): b is WeightBits => (WEIGHT_BITS as readonly number[]).includes(b);

/** Bytes that `count` weights of `bits` bits occupy packed. */
export const packedBytes = (count: number, bits: number): number => Math.ceil((count * bits) / 8);

/** Packs signed values of `bits` (4 or 2) bits, lowest field first in each byte; a partial last
 * byte is padded with zero fields. */
export function packSubByte(values: ArrayLike<number>, bits: 4 | 2): Uint8Array {
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const lo = -(1 << (bits - 1));
  const hi = (1 << (bits - 1)) - 1;
  const out = new Uint8Array(packedBytes(values.length, bits));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`value ${v} at ${i} does not fit in ${bits} signed bits`);
    out[Math.floor(i / per)]! |= (v & mask) << (bits * (i % per));
  }
  return out;
}

/** The inverse of packSubByte for `count` values. */
export function unpackSubByte(packed: Uint8Array, count: number, bits: 4 | 2): Int8Array {
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const sign = 1 << (bits - 1);
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const f = (packed[Math.floor(i / per)]! >> (bits * (i % per))) & mask;
    out[i] = (f ^ sign) - sign;
  }
  return out;
}

/** A C expression (int32) reading signed weight `index` from the packed `uint8_t` array `arr`:
 * the field, then sign extension as (f ^ sign) − sign, with no implementation-defined shifts. */
export function cUnpackExpr(arr: string, index: string, bits: 4 | 2): string {
  const shift = bits === 4 ? 1 : 2; // log2(values per byte)
  const field = `(((int32_t)${arr}[(${index}) >> ${shift}] >> ((((${index}) & ${(1 << shift) - 1})) * ${bits})) & ${(1 << bits) - 1})`;
  const sign = 1 << (bits - 1);
  return `((${field} ^ ${sign}) - ${sign})`;
}
