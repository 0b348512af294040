import { packSubByte } from '../../../ir/quant/subbyte.ts';

// Sub-byte weights for the portable optimized path (RISC-V; harc_s4_* / harc_s2_* under
// HARC_INT8_OPT in templates/runtime/harc_int8_kernels.h): one 32-bit word per channel octet and
// k (int4) or 2 k (int2), fields in offset binary (w + 8, w + 2) so the kernel forms a pair word
// w[c] + w[c+4]·2^16 with one shift, one AND and one subtract. Channels past cout are zero weights.
// Returned as int32 values (the const array's C type), little-endian independent: field i of a word
// is bits [bits·i, bits·(i+1)).

/** Weight accessor: value of output channel oc at reduction index k. */
type W = (oc: number, k: number) => number;

/** The 32-bit words of `fields` (8 nibbles or 16 crumbs each, two's complement) with every field's
 * sign bit flipped: offset binary. */
function offsetWords(fields: number[], bits: 4 | 2): number[] {
  const bytes = packSubByte(fields, bits);
  const flip = bits === 4 ? 0x88 : 0xaa;
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) words.push(((bytes[i]! ^ flip) | ((bytes[i + 1]! ^ flip) << 8) | ((bytes[i + 2]! ^ flip) << 16) | ((bytes[i + 3]! ^ flip) << 24)) | 0);
  return words;
}

/** int4 for harc_s4_mat1 / mat2 (OPT): per channel octet and k, nibble j = channel j. ceil(cout / 8)·K words. */
export function packS4OptWeights(w: W, cout: number, K: number): number[] {
  const fields: number[] = [];
  const wz = (o: number, k: number): number => (o < cout ? w(o, k) : 0);
  for (let oc = 0; oc < cout; oc += 8) for (let k = 0; k < K; k++) for (let j = 0; j < 8; j++) fields.push(wz(oc + j, k));
  return offsetWords(fields, 4);
}

/** int2 for harc_s2_mat1 / mat2 (OPT): per channel octet and 2 k, crumbs 0-3 = (k, channels 0-3),
 * 4-7 = (k+1, 0-3), 8-11 = (k, 4-7), 12-15 = (k+1, 4-7); zeros past K. ceil(cout / 8)·ceil(K / 2) words. */
export function packS2OptWeights(w: W, cout: number, K: number): number[] {
  const fields: number[] = [];
  const wz = (o: number, k: number): number => (o < cout && k < K ? w(o, k) : 0);
  for (let oc = 0; oc < cout; oc += 8)
    for (let k = 0; k < K; k += 2)
      for (const [dk, c0] of [[0, 0], [1, 0], [0, 4], [1, 4]] as const) for (let j = 0; j < 4; j++) fields.push(wz(oc + c0 + j, k + dk));
  return offsetWords(fields, 2);
}
