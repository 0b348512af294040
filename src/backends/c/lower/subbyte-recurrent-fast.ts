import { inputError } from '../../../ir/errors.ts';
import type { RecurrentGeometry } from '../../../ir/ops/recurrent-common.ts';
import { cLiteral } from '../c-literals.ts';
import type { LowerCtx } from './context.ts';
import type { Segment } from './int8-recurrent-fast.ts';

// 4- and 2-bit W and R in harc's recurrent fast path (int8-recurrent-fast.ts: the projection of a
// chunk of steps first, one product per step over the rows packed by hidden unit). Only the weight
// packing and the two products differ from int8; the gate arithmetic is that file's. The weights
// stay packed in flash, in one 32-bit word array per path (the firmware links the one its path
// reads):
//  - DSP (Cortex-M4): a word holds `a` rows x `b` 4-k chunks (a·b = 2 fields per byte at int4,
//    4 at int2), byte i = field f of (row f % a, chunk f / a) at its k + i. `(v << s) & mask` puts
//    field f's four values in the bytes' top bits (x 2^e, e = 4 or 6): SXTB16 / SXTB16 ror 8 of it
//    are the SMLAD operands against the widened vector (as int8's, (x[k], x[k+2]) (x[k+1], x[k+3])),
//    so a loaded word is unpacked with one shift-AND per field, never per MAC. The sums are
//    multiples of 2^e (|x·w·2^e| ≤ 2^15, exact in int32 for K < 2^16), shifted back before the bias.
//  - RISC-V / plain C: the pair words of subbyte-opt.ts (harc_int8_kernels.h, HARC_INT8_OPT): rows
//    2i and 2i + 1 of a group in fields pos and pos + 4 (int4) / + 8 (int2), offset binary, so one
//    shift, AND and subtract give w[2i][k] + w[2i+1][k]·2^16 and one multiply does two MACs; runs
//    are short enough for the low half to stay within int16 (runK) and split into two int32 sums.
// Past K (and for a missing odd last row) the fields are zero and no MAC is emitted for them, so
// the vectors need no padding beyond int8's.

type Bits = 4 | 2;

/** The input projection's arena budget for sub-byte layers (int8: 2 KiB; int8-recurrent-fast.ts
 * chunkSteps): layers get small weights to fit small memories, and the chunk changes no arithmetic
 * and hardly the cycles. 512 B holds the 2-step minimum of microbi-convlstm's LSTM (4·80 int32
 * sums a step), whose arena peak then stays the convolutions' (4,184 B with 6-step chunks, 3,072 B
 * with 2; `harc measure`). */
export const SUBBYTE_XG_BUDGET = 512;
const i32 = (v: number): string => cLiteral('int32', v);
const round4 = (k: number): number => (k + 3) & ~3;
const fieldsPerByte = (bits: Bits): number => 8 / bits;

/** The hook int8-recurrent-fast.ts calls for sub-byte W and R: const arrays, pointers, products. */
export interface SubByteRecurrentProducts {
  /** C lines declaring `wp0`, `rp` (and `rp2`, GRU linear_before_reset=0's candidate rows) for direction d. */
  pointers(ctx: LowerCtx, geo: RecurrentGeometry, wSegs: Segment[], rSegs: Segment[][]): string[];
  /** The per-row shifts (|s| ≤ 31) as an int8 array: the flash the small weights save. */
  shifts(ctx: LowerCtx, suffix: string, values: number[]): string;
  matvec(w: string, segs: Segment[], K: number, bias: string, vec16: string, epi: (rows: string[], acc: string[]) => string[], ind: string): string[];
  projection2(w: string, segs: Segment[], K: number, bias: string, out: (row: string, acc: string, y: string) => string, ind: string): string[];
}

/** Rows x chunks of one DSP word for a group of g rows. */
function dspShape(g: number, bits: Bits): { a: number; b: number } {
  const n = fieldsPerByte(bits);
  const a = Math.min(n, g <= 1 ? 1 : g === 2 ? 2 : 4);
  return { a, b: n / a };
}

/** Int32 words from bytes, little-endian. */
function wordsOf(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) | 0);
  return out;
}

/** Packs fields (two's complement, `bits` wide) lowest first, 32 bits per word. */
function packFields(fields: number[], bits: Bits): number[] {
  const bytes = new Uint8Array(fields.length * bits / 8);
  const mask = (1 << bits) - 1;
  fields.forEach((f, i) => (bytes[Math.floor((i * bits) / 8)]! |= (f & mask) << ((i * bits) % 8)));
  return wordsOf(bytes);
}

/** DSP words of one direction: per group, per block of b chunks, per a rows (see the header). */
export function packDspWords(w: (row: number, k: number) => number, base: number, K: number, segs: Segment[], bits: Bits): number[] {
  const chunks = round4(K) / 4;
  const fields: number[] = [];
  for (const s of segs) {
    const { a, b } = dspShape(s.g, bits);
    const val = (u: number, r: number, k: number): number => (r < s.g && k < K ? w(base + s.row(u, r), k) : 0);
    for (let u = 0; u < s.n; u++)
      for (let c0 = 0; c0 < chunks; c0 += b)
        for (let rw = 0; rw < s.g; rw += a)
          for (let i = 0; i < 4; i++) for (let f = 0; f < a * b; f++) fields.push(val(u, rw + (f % a), 4 * (c0 + Math.floor(f / a)) + i));
  }
  return packFields(fields, bits);
}

/** Pairs per k and k per word of the plain-C packing for a group of g rows. */
function optShape(g: number, bits: Bits): { P: number; kb: number } {
  const P = Math.ceil(g / 2);
  return { P, kb: (32 / bits / 2) / P };
}

/** Plain-C words of one direction: per group, per kb k, fields pos = j·P + i (row 2i at k + j) and
 * pos + half (row 2i + 1), offset binary. */
export function packOptWords(w: (row: number, k: number) => number, base: number, K: number, segs: Segment[], bits: Bits): number[] {
  const half = 16 / bits;
  const off = 1 << (bits - 1);
  const fields: number[] = [];
  for (const s of segs) {
    const { P, kb } = optShape(s.g, bits);
    const val = (u: number, r: number, k: number): number => (r < s.g && k < K ? w(base + s.row(u, r), k) : 0);
    for (let u = 0; u < s.n; u++)
      for (let k0 = 0; k0 < K; k0 += kb) {
        const word = new Array<number>(2 * half).fill(0);
        for (let j = 0; j < kb; j++)
          for (let i = 0; i < P; i++) {
            word[j * P + i] = val(u, 2 * i, k0 + j) + off;
            word[j * P + i + half] = val(u, 2 * i + 1, k0 + j) + off;
          }
        fields.push(...word);
      }
  }
  return packFields(fields, bits);
}

/** Words of one DSP field: its 4 values as the bytes' top bits. */
function dspField(v: string, f: number, bits: Bits): string {
  const shift = bits === 4 ? 4 - 4 * f : 6 - 2 * f;
  const mask = bits === 4 ? '0xF0F0F0F0u' : '0xC0C0C0C0u';
  return `(int32_t)(${shift ? `((uint32_t)${v} << ${shift})` : `(uint32_t)${v}`} & ${mask})`;
}

/** Largest |x| of a vector the products read: int8 (h, x), or GRU's r ⊙ (h − z_h) (int16, |·| ≤ 255). */
const vectorMax = (vec: string): number => (vec === 'rh' ? 255 : 128);

/** k per plain-C run: the low half's sum stays within int16 (|w| ≤ qmax, checked when packing). */
const runK = (bits: Bits, xMax: number, kb: number): number => Math.floor(Math.floor(32767 / (xMax * ((1 << (bits - 1)) - 1))) / kb) * kb;

/**
 * The sums s{r}_{t} (row r, vector t of `nvec`) of one group in the DSP branch: `p` walks the
 * widened vector(s), 2·nvec words per chunk (int8's layouts), `wp` the group's words.
 */
function dspGroup(g: number, K: number, bits: Bits, nvec: number, ind: string): string[] {
  const { a, b } = dspShape(g, bits);
  const chunks = round4(K) / 4;
  const rowWords = Math.ceil(g / a);
  const full = Math.floor(chunks / b);
  const rem = chunks % b;
  const block = (nChunks: number, i2: string): string[] => {
    const out: string[] = [];
    for (let rw = 0; rw < rowWords; rw++) {
      out.push(`${i2}{`, `${i2}  const int32_t v = wp[${rw}];`);
      for (let f = 0; f < a * b; f++) {
        const r = rw * a + (f % a);
        const c = Math.floor(f / a);
        if (r >= g || c >= nChunks) continue;
        out.push(`${i2}  {`, `${i2}    const int32_t t = ${dspField('v', f, bits)}, te = __sxtb16(t), td = harc_sxtb16_ror8(t);`);
        for (let t = 0; t < nvec; t++) {
          const pe = 2 * nvec * c + 2 * t;
          out.push(`${i2}    s${r}_${t} = __smlad(p[${pe}], te, s${r}_${t});`, `${i2}    s${r}_${t} = __smlad(p[${pe + 1}], td, s${r}_${t});`);
        }
        out.push(`${i2}  }`);
      }
      out.push(`${i2}}`);
    }
    return out;
  };
  const sums = Array.from({ length: g }, (_, r) => Array.from({ length: nvec }, (_, t) => `s${r}_${t} = 0`)).flat();
  return [
    `${ind}int32_t ${sums.join(', ')};`,
    `${ind}const int32_t *p = q;`,
    ...(full > 0 ? [`${ind}for (int c = 0; c < ${full}; ++c, p += ${2 * nvec * b}, wp += ${rowWords}) {`, ...block(b, `${ind}  `), `${ind}}`] : []),
    ...(rem > 0 ? [`${ind}{`, ...block(rem, `${ind}  `), `${ind}  wp += ${rowWords};`, `${ind}}`] : []),
  ];
}

/** The same sums in the plain-C branch: the vectors `vecs` (C arrays), pair words, runs of runK k. */
function optGroup(g: number, K: number, bits: Bits, vecs: string[], xMax: number, ind: string): string[] {
  const { P, kb } = optShape(g, bits);
  const pair = bits === 4 ? 'HARC_S4_PAIR' : 'HARC_S2_PAIR';
  const full = Math.floor(K / kb);
  const rem = K % kb;
  const runWords = runK(bits, xMax, kb) / kb;
  const nv = vecs.length;
  const runSums = Array.from({ length: P }, (_, i) => vecs.map((_, t) => `u${i}_${t} = 0`)).flat();
  const word = (c: string, nk: number, i2: string): string[] => [
    `${i2}{`,
    `${i2}  const uint32_t v = (uint32_t)*wp++;`,
    ...Array.from({ length: nk }, (_, j) => [
      `${i2}  {`,
      `${i2}    const int32_t ${vecs.map((vec, t) => `x${t} = ${vec}[${kb} * ${c} + ${j}]`).join(', ')};`,
      ...Array.from({ length: P }, (_, i) => [`${i2}    {`, `${i2}      const int32_t f = ${pair}(v, ${j * P + i});`, ...vecs.map((_, t) => `${i2}      HARC_SB_MAC(u${i}_${t}, x${t}, f);`), `${i2}    }`]).flat(),
      `${i2}  }`,
    ]).flat(),
    `${i2}}`,
  ];
  const split = (i2: string): string[] =>
    Array.from({ length: P }, (_, i) => vecs.map((_, t) => (2 * i + 1 < g ? `${i2}harc_sb_split(u${i}_${t}, &s${2 * i}_${t}, &s${2 * i + 1}_${t});` : `${i2}harc_sb_split(u${i}_${t}, &s${2 * i}_${t}, &spare);`))).flat();
  const sums = Array.from({ length: g }, (_, r) => Array.from({ length: nv }, (_, t) => `s${r}_${t} = 0`)).flat();
  const out = [`${ind}int32_t ${sums.join(', ')}${g % 2 ? ', spare = 0' : ''};`];
  if (full > 0 && full <= runWords)
    out.push(`${ind}{`, `${ind}  uint32_t ${runSums.join(', ')};`, `${ind}  for (int c = 0; c < ${full}; ++c)`, ...word('c', kb, `${ind}  `), ...split(`${ind}  `), `${ind}}`);
  else if (full > 0)
    out.push(
      `${ind}for (int c0 = 0; c0 < ${full}; c0 += ${runWords}) {`,
      `${ind}  const int cend = c0 + ${runWords} < ${full} ? c0 + ${runWords} : ${full};`,
      `${ind}  uint32_t ${runSums.join(', ')};`,
      `${ind}  for (int c = c0; c < cend; ++c)`,
      ...word('c', kb, `${ind}  `),
      ...split(`${ind}  `),
      `${ind}}`,
    );
  if (rem > 0) out.push(`${ind}{`, `${ind}  uint32_t ${runSums.join(', ')};`, ...word(`${full}`, rem, `${ind}  `), ...split(`${ind}  `), `${ind}}`);
  if (g % 2) out.push(`${ind}(void)spare;`);
  return out;
}

/** `bias[row] + sum / 2^e` (int32, wrapping as the int8 path's SMLAD). */
const withBias = (bias: string, row: string, sum: string, e: number): string =>
  `(int32_t)((uint32_t)${bias}[${row}] + (uint32_t)${e ? `harc_asr32(${sum}, ${e})` : sum})`;

export function subbyteRecurrentProducts(bits: Bits): SubByteRecurrentProducts {
  const e = bits === 4 ? 4 : 6;
  const qmax = (1 << (bits - 1)) - 1;
  const arrays = (ctx: LowerCtx, suffix: string, data: ArrayLike<number>, K: number, segs: Segment[], D: number, GH: number) => {
    for (let i = 0; i < data.length; i++)
      if (Math.abs(data[i]!) > qmax) throw inputError(`node '${ctx.node.name}' (${ctx.node.op}): ${bits}-bit weight ${data[i]} outside [−${qmax}, ${qmax}]`);
    const w = (row: number, k: number): number => data[row * K + k]!;
    const dsp = Array.from({ length: D }, (_, d) => packDspWords(w, d * GH, K, segs, bits));
    const opt = Array.from({ length: D }, (_, d) => packOptWords(w, d * GH, K, segs, bits));
    return {
      dsp: ctx.constArray(`${suffix}${bits}dsp`, 'int32_t', dsp.flat().map(i32)),
      dspStride: dsp[0]!.length,
      opt: ctx.constArray(`${suffix}${bits}opt`, 'int32_t', opt.flat().map(i32)),
      optStride: opt[0]!.length,
    };
  };
  return {
    pointers(ctx, geo, wSegs, rSegs) {
      const { input: I, hidden: H, dirs: D, gates: G } = geo;
      const W = arrays(ctx, 'wrnn', ctx.input(1).data!, I, wSegs, D, G * H);
      const R = arrays(ctx, 'rrnn', ctx.input(2).data!, H, rSegs.flat(), D, G * H);
      const first = rSegs.length > 1 ? rSegs[0]! : undefined;
      const lines = (path: 'dsp' | 'opt'): string[] => [
        `    const int32_t *wp0 = ${W[path]} + d * ${path === 'dsp' ? W.dspStride : W.optStride};`,
        `    const int32_t *rp = ${R[path]} + d * ${path === 'dsp' ? R.dspStride : R.optStride};`,
        ...(first ? [`    const int32_t *rp2 = rp + ${(path === 'dsp' ? packDspWords : packOptWords)(() => 0, 0, H, first, bits).length};`] : []),
      ];
      return ['#if defined(HARC_INT8_DSP)', ...lines('dsp'), '#else', ...lines('opt'), '#endif'];
    },
    shifts: (ctx, suffix, values) => ctx.constArray(suffix, 'int8_t', values.map(String)),
    matvec(w, segs, K, bias, vec16, epi, ind) {
      const out = [`${ind}{`, `${ind}  const int32_t *wp = ${w};`];
      for (const s of segs) {
        const i2 = `${ind}    `;
        const acc = Array.from({ length: s.g }, (_, r) => `a${r}`);
        const rows = acc.map((_, r) => s.rowC(r));
        out.push(
          `${ind}  for (int u = 0; u < ${s.n}; ++u) {`,
          `${i2}int32_t ${acc.join(', ')};`,
          '#if defined(HARC_INT8_DSP)',
          `${i2}{`,
          ...dspGroup(s.g, K, bits, 1, `${i2}  `),
          ...acc.map((a, r) => `${i2}  ${a} = ${withBias(bias, rows[r]!, `s${r}_0`, e)};`),
          `${i2}}`,
          '#else',
          `${i2}{`,
          ...optGroup(s.g, K, bits, [vec16], vectorMax(vec16), `${i2}  `),
          ...acc.map((a, r) => `${i2}  ${a} = ${withBias(bias, rows[r]!, `s${r}_0`, 0)};`),
          `${i2}}`,
          '#endif',
          ...epi(rows, acc).map((l) => `${i2}${l}`),
          `${ind}  }`,
        );
      }
      out.push(`${ind}}`);
      return out;
    },
    projection2(w, segs, K, bias, outFn, ind) {
      const lines = ['#if defined(HARC_INT8_DSP)', `${ind}harc_s8_cols_q15(xa, xb, ${K}, q);`, '#endif', `${ind}{`, `${ind}  const int32_t *wp = ${w};`];
      for (const s of segs) {
        const i2 = `${ind}    `;
        const rows = Array.from({ length: s.g }, (_, r) => s.rowC(r));
        const acc = rows.map((_, r) => [`a${r}0`, `a${r}1`]);
        const set = (shift: number): string[] => acc.flatMap(([a0, a1], r) => [`${i2}  ${a0} = ${withBias(bias, rows[r]!, `s${r}_0`, shift)};`, `${i2}  ${a1} = ${withBias(bias, rows[r]!, `s${r}_1`, shift)};`]);
        lines.push(
          `${ind}  for (int u = 0; u < ${s.n}; ++u) {`,
          `${i2}int32_t ${acc.flat().join(', ')};`,
          '#if defined(HARC_INT8_DSP)',
          `${i2}{`,
          ...dspGroup(s.g, K, bits, 2, `${i2}  `),
          ...set(e),
          `${i2}}`,
          '#else',
          `${i2}{`,
          ...optGroup(s.g, K, bits, ['xa', 'xb'], 128, `${i2}  `),
          ...set(0),
          `${i2}}`,
          '#endif',
          ...rows.flatMap((row, r) => ['{', `  const int j = ${row};`, `  ${outFn('j', acc[r]![0]!, 'ya')}`, `  ${outFn('j', acc[r]![1]!, 'yb')}`, '}'].map((l) => `${i2}${l}`)),
          `${ind}  }`,
        );
      }
      lines.push(`${ind}}`);
      return lines;
    },
  };
}
