// Matrix · vector for one int8 vector against rows of int8 weights, two rows at a time, the rows
// packed at compile time (per pair and 4 k: 4 bytes of row j, then 4 of row j + 1; zeros past K;
// an odd last row as a plain padded row). On Cortex-M4 (DSP extension) the vector is widened once
// into int16 pairs (k, k+2) (k+1, k+3) and each 8 MACs cost two vector loads, two weight loads, four SXTB16 and four
// SMLAD; elsewhere a plain loop over the same packing. Integer sums are exact, so every target gives
// the same int32 as the reference's Σ x·w.

import { dspK as pad4, packS8Weights } from './int8-fast.ts';

export { pad4 };

/** Packs rows × k weights (`w(row, k)`) as described above: the DSP layout of harc_s8_mat2. */
export const packRowPairs = (rows: number, k: number, w: (r: number, k: number) => number): number[] => packS8Weights(w, rows, k, 'dsp');

/** C statements widening the k-byte int8 vector `v` into `q` (int32 words, pad4(k) / 2 of them),
 * on DSP targets only (inside `#if defined(__ARM_FEATURE_DSP)`). */
export function widenS8(v: string, q: string, k: number, indent: string): string {
  const full = Math.floor(k / 4);
  const lines = [
    `${indent}for (int c = 0; c < ${full}; ++c) {`,
    `${indent}  int32_t wv, t;`,
    `${indent}  __builtin_memcpy(&wv, ${v} + 4 * c, 4);`,
    `${indent}  __asm__("sxtb16 %0, %1, ror #8" : "=r"(t) : "r"(wv));`,
    `${indent}  __asm__("sxtb16 %0, %1" : "=r"(wv) : "r"(wv));`,
    `${indent}  ${q}[2 * c] = wv;`,
    `${indent}  ${q}[2 * c + 1] = t;`,
    `${indent}}`,
  ];
  if (k % 4) {
    const tail = Array.from({ length: 4 }, (_, i) => (i < k % 4 ? `${v}[${4 * full + i}]` : '0'));
    lines.push(
      `${indent}{`,
      `${indent}  const int8_t tb[4] = { ${tail.join(', ')} };`,
      `${indent}  int32_t wv, t;`,
      `${indent}  __builtin_memcpy(&wv, tb, 4);`,
      `${indent}  __asm__("sxtb16 %0, %1, ror #8" : "=r"(t) : "r"(wv));`,
      `${indent}  __asm__("sxtb16 %0, %1" : "=r"(wv) : "r"(wv));`,
      `${indent}  ${q}[${2 * full}] = wv;`,
      `${indent}  ${q}[${2 * full + 1}] = t;`,
      `${indent}}`,
    );
  }
  return lines.join('\n');
}

/** C statements adding to a0 / a1 the dot products of the vector (`v` int8, or its widened `q`)
 * with the row pair at `wp` (packed, pad4(k) · 2 bytes). */
export function dotRowPair(a0: string, a1: string, v: string, q: string, wp: string, k: number, indent: string): string {
  const chunks = pad4(k) / 4;
  return [
    '#if defined(__ARM_FEATURE_DSP)',
    `${indent}{`,
    `${indent}  const int32_t *p = ${q};`,
    `${indent}  const int8_t *w = ${wp};`,
    `${indent}  for (int c = 0; c < ${chunks}; ++c) {`,
    `${indent}    int32_t wv, t;`,
    `${indent}    const int32_t xe = p[0], xo = p[1];`,
    `${indent}    p += 2;`,
    `${indent}    __builtin_memcpy(&wv, w, 4);`,
    `${indent}    __asm__("sxtb16 %0, %1, ror #8" : "=r"(t) : "r"(wv));`,
    `${indent}    __asm__("sxtb16 %0, %1" : "=r"(wv) : "r"(wv));`,
    `${indent}    __asm__("smlad %0, %1, %2, %3" : "=r"(${a0}) : "r"(xe), "r"(wv), "r"(${a0}));`,
    `${indent}    __asm__("smlad %0, %1, %2, %3" : "=r"(${a0}) : "r"(xo), "r"(t), "r"(${a0}));`,
    `${indent}    __builtin_memcpy(&wv, w + 4, 4);`,
    `${indent}    w += 8;`,
    `${indent}    __asm__("sxtb16 %0, %1, ror #8" : "=r"(t) : "r"(wv));`,
    `${indent}    __asm__("sxtb16 %0, %1" : "=r"(wv) : "r"(wv));`,
    `${indent}    __asm__("smlad %0, %1, %2, %3" : "=r"(${a1}) : "r"(xe), "r"(wv), "r"(${a1}));`,
    `${indent}    __asm__("smlad %0, %1, %2, %3" : "=r"(${a1}) : "r"(xo), "r"(t), "r"(${a1}));`,
    `${indent}  }`,
    `${indent}}`,
    '#else',
    `${indent}for (int k = 0; k < ${k}; ++k) {`,
    `${indent}  const int32_t xv = ${v}[k];`,
    `${indent}  ${a0} += xv * ${wp}[(k >> 2) * 8 + (k & 3)];`,
    `${indent}  ${a1} += xv * ${wp}[(k >> 2) * 8 + 4 + (k & 3)];`,
    `${indent}}`,
    '#endif',
  ].join('\n');
}

/** The same for the odd last row (packed as a plain padded row). */
export function dotRow(a0: string, v: string, q: string, wp: string, k: number, indent: string): string {
  const chunks = pad4(k) / 4;
  return [
    '#if defined(__ARM_FEATURE_DSP)',
    `${indent}for (int c = 0; c < ${chunks}; ++c) {`,
    `${indent}  int32_t wv, t;`,
    `${indent}  __builtin_memcpy(&wv, ${wp} + 4 * c, 4);`,
    `${indent}  __asm__("sxtb16 %0, %1, ror #8" : "=r"(t) : "r"(wv));`,
    `${indent}  __asm__("sxtb16 %0, %1" : "=r"(wv) : "r"(wv));`,
    `${indent}  __asm__("smlad %0, %1, %2, %3" : "=r"(${a0}) : "r"(${q}[2 * c]), "r"(wv), "r"(${a0}));`,
    `${indent}  __asm__("smlad %0, %1, %2, %3" : "=r"(${a0}) : "r"(${q}[2 * c + 1]), "r"(t), "r"(${a0}));`,
    `${indent}}`,
    '#else',
    `${indent}for (int k = 0; k < ${k}; ++k) ${a0} += (int32_t)${v}[k] * ${wp}[k];`,
    '#endif',
  ].join('\n');
}
