import { LBR_LIMIT, PARTIAL_LIMIT, prepareRecurrentQ, type RecurrentQParams } from '../../../ir/int8/recurrent.ts';
import { recurrentGeometry, type RecurrentGeometry } from '../../../ir/ops/recurrent-common.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import type { KernelLowering } from '../kernels/registry.ts';
import type { LowerCtx } from './context.ts';
import { fastRecurrentLowering, foldedBiases, recurrentQScratchBytes } from './int8-recurrent.ts';
import { SUBBYTE_XG_BUDGET, subbyteRecurrentProducts, type SubByteRecurrentProducts } from './subbyte-recurrent-fast.ts';

// Integer LSTM / GRU / RNN for the `harc` kernel set, restructured for speed and bit-exact with
// src/ir/int8/recurrent.ts (docs/int8-kernels.md, "Recurrent layers"):
//  1. the input projection of a chunk of steps first (chunkSteps), two steps per pass so each weight
//     is loaded once for both; its rows are requantized and clamped to ±2^24 as the reference's
//     x side is, into arena scratch (int32);
//  2. per step, one matrix-vector over all gate rows of R on the previous h (SMLAD on SXTB16-widened
//     int8 pairs under HARC_INT8_DSP, plain C elsewhere, both on the same packed weights);
//  3. the rows are packed by hidden unit (LSTM i,o,f,c of unit u together; GRU z,r,h), so the cell
//     update of a unit runs as soon as its gate sums are in registers: no gate buffer, no second
//     pass. The vector is a widened copy of h, so h is overwritten in place.
// Sub-byte (4/2-bit) W and R: the same structure, their packing and products from
// subbyte-recurrent-fast.ts (the `sub` hook of lowerRecurrentFast).

const i32 = (v: number): string => cLiteral('int32', v);
const round4 = (k: number): number => (k + 3) & ~3;
const words = (int16s: number): number => Math.ceil(int16s / 2);

/** Rows of a weight matrix taken `g` at a time: group u holds rows row(u, 0..g-1). */
export interface Segment {
  g: number;
  n: number;
  row: (u: number, r: number) => number;
  /** The same as a C expression of the group index variable `u`. */
  rowC: (r: number) => string;
}

/** Rows 0..rows-1 consecutively: quads, then single rows. */
function consecutive(rows: number, base = 0): Segment[] {
  const q = Math.floor(rows / 4);
  const segs: Segment[] = [];
  if (q > 0) segs.push({ g: 4, n: q, row: (u, r) => base + 4 * u + r, rowC: (r) => `${base} + 4 * u + ${r}` });
  if (rows % 4) segs.push({ g: 1, n: rows % 4, row: (u) => base + 4 * q + u, rowC: () => `${base + 4 * q} + u` });
  return segs;
}

/** Rows of one gate of each of H units together: group u = rows {u, H+u, 2H+u, ...} of `gates` gates. */
const byUnit = (gates: number, H: number): Segment => ({ g: gates, n: H, row: (u, r) => r * H + u, rowC: (r) => `${r * H} + u` });

/** The R-side segments of a layer (input side: consecutive rows). GRU linear_before_reset=0 needs
 * r before the candidate's product, so its z,r rows and candidate rows are two products. */
function recurrentSegments(geo: RecurrentGeometry): Segment[][] {
  const H = geo.hidden;
  if (geo.kind === 'LSTM') return [[byUnit(4, H)]];
  if (geo.kind === 'RNN') return [consecutive(H)];
  if (geo.linearBeforeReset) return [[byUnit(3, H)]];
  return [[byUnit(2, H)], consecutive(H, 2 * H)];
}

/** Packed int8 weights of one direction: per group, per 4 k, the g rows' 4 weights (zeros past K). */
function packSegments(data: ArrayLike<number>, base: number, K: number, segs: Segment[]): number[] {
  const out: number[] = [];
  for (const s of segs)
    for (let u = 0; u < s.n; u++)
      for (let c = 0; c < round4(K); c += 4)
        for (let r = 0; r < s.g; r++) for (let k = c; k < c + 4; k++) out.push(k < K ? data[base + s.row(u, r) * K + k]! : 0);
  return out;
}

/** The input projection is computed for this many steps at a time: all of them when their int32
 * gate sums fit XG_BUDGET bytes, else an even number (the projection pairs steps), at least 2. A
 * whole-sequence projection of a 128-step, 128-unit LSTM would be 256 KiB of arena; the chunk
 * size changes no arithmetic and hardly the cycles (one loop per chunk). */
const XG_BUDGET = 2048;
export function chunkSteps(geo: RecurrentGeometry, budget = XG_BUDGET): number {
  const stepBytes = 4 * geo.batch * geo.gates * geo.hidden;
  if (geo.seq * stepBytes <= budget) return geo.seq;
  return Math.min(geo.seq, Math.max(2, 2 * Math.floor(budget / (2 * stepBytes))));
}

/** Scratch layout in int32 words: the input projection of a chunk of steps, the widened vectors
 * (two x rows, or h), [GRU
 * linear_before_reset=0: z and r ⊙ (h − z_h) int16], [LSTM c state], [GRU int16 h], [int8 h]. */
function layout(geo: RecurrentGeometry, node: Node, budget = XG_BUDGET): Record<'q' | 'gz' | 'rh' | 'c' | 'h16' | 'h' | 'total', number> {
  const { seq, batch, input: I, hidden: H, dirs, gates: G, kind } = geo;
  const stateSize = dirs * batch * H;
  let w = chunkSteps(geo, budget) * batch * G * H;
  const at = (n: number): number => ((w += n), w - n);
  const lbr0 = kind === 'GRU' && !geo.linearBeforeReset;
  const q = at(Math.max(round4(I), round4(H) / 2));
  const gz = at(lbr0 ? words(H) : 0);
  const rh = at(lbr0 ? round4(H) / 2 : 0);
  const c = at(kind === 'LSTM' && !node.outputs[2] ? words(stateSize) : 0);
  const h16 = at(kind === 'GRU' ? words(stateSize) : 0);
  const h = at(!node.outputs[1] ? Math.ceil(stateSize / 4) : 0);
  return { q, gz, rh, c, h16, h, total: w };
}

const isSubByte = (g: Graph, node: Node): boolean => [1, 2].some((i) => [4, 2].includes(g.tensors[node.inputs[i]!]?.quant?.bits ?? 8));
/** 4 or 2 when W and R share that width (the fast path's sub-byte case). */
const subByteBits = (g: Graph, node: Node): 4 | 2 | undefined => {
  const [w, r] = [1, 2].map((i) => g.tensors[node.inputs[i]!]?.quant?.bits);
  return w === r && (w === 4 || w === 2) ? w : undefined;
};
const geometry = (g: Graph, node: Node): RecurrentGeometry => recurrentGeometry(node, node.inputs.map((n) => (n ? g.tensors[n] : undefined)));

export function recurrentFastScratchBytes(g: Graph, node: Node): number {
  if (isSubByte(g, node) && !subByteBits(g, node)) return recurrentQScratchBytes(g, node);
  return 4 * layout(geometry(g, node), node, subByteBits(g, node) ? SUBBYTE_XG_BUDGET : XG_BUDGET).total;
}

/** The cheapest requantization every row of the array allows (harc_int8_kernels.h; each bit-exact
 * with the reference's harc_mbqm on its domain): multiplier > 2^30 and shift ≤ −2 or ≤ −1 (one
 * rounding), else harc_s8_requant (any multiplier ≥ 0, any shift). */
function requantFor(mult: number[], shift: number[]): string {
  const normal = mult.every((m) => m > 2 ** 30);
  if (normal && shift.every((s) => s <= -2)) return 'harc_s8_requant_fast';
  if (normal && shift.every((s) => s <= -1)) return 'harc_s8_requant_rshift';
  return 'harc_s8_requant';
}

/** The largest |accumulator| each row can reach: |folded bias| + vmax · Σ|w| (the vector's entries
 * are at most vmax in magnitude: 128 for int8, 256 for GRU's r ⊙ (h − z_h)). One bound per row of
 * every direction, K weights each, in the order of the bias / multiplier arrays. */
function accBounds(data: ArrayLike<number>, bias: number[], K: number, vmax: (j: number) => number): number[] {
  return bias.map((b, row) => {
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.abs(data[row * K + k]!);
    return Math.abs(b) + vmax(row) * s;
  });
}

/** True when every row's requantized value provably stays within ±limit, so the reference's clamp
 * there never bites and is left out (|y| ≤ |acc|·m·2^shift / 2^31 + 1, no int32 wrap of the shift). */
function clampFree(mult: number[], shift: number[], bound: number[], limit: number): boolean {
  return bound.every((b, j) => b * 2 ** Math.max(shift[j]!, 0) < 2 ** 31 && (b * mult[j]! * 2 ** shift[j]!) / 2 ** 31 + 2 <= limit);
}

/** How one array's rows are requantized: harc_s8_requant_x2 with its per-row constants (pre-shift,
 * rounding word, sign mask, right shift; a C literal when every row has the same) when every row
 * allows it (|acc|·2^pre < 2^31; multiplier > 2^30 where the shift is negative, ≥ 0 elsewhere), else
 * requantFor's choice with the run-time shift. `decls` point the C names at direction d's rows. */
interface RowRequant {
  decls: string[];
  call: (acc: string, j: string) => string;
}
function rowRequant(name: 'w' | 'r', mult: number[], shift: number[], bound: number[], ctx: LowerCtx, GH: number, shiftArray?: (suffix: string, v: number[]) => string): RowRequant {
  const arr = (suffix: string, v: number[]): string => ctx.constArray(suffix, 'int32_t', v.map(i32));
  const m = `${name}m`;
  const decl = (c: string, a: string): string => `const int32_t *${c} = ${a} + d * ${GH};`;
  const pre = shift.map((v) => 1 + Math.max(v, 0));
  const x2 = mult.every((v, j) => (shift[j]! < 0 ? v > 2 ** 30 : v >= 0)) && bound.every((b, j) => b * 2 ** pre[j]! < 2 ** 31);
  if (x2) {
    const e = shift.map((v) => Math.max(-v, 0));
    const consts: [string, number[]][] = [
      ['m', mult],
      ['pre', pre],
      ['k', e.map((v) => (v ? 2 ** (v - 1) : 0))],
      ['dm', e.map((v) => (v ? -1 : 0))],
      ['e', e],
    ];
    // the multipliers in one array; the other constants that differ between rows interleaved per row
    // in a second one of the narrowest type that holds them (one pointer for all of them: the unit's
    // epilogue is short of registers; no more flash than the run-time shift took); the rest literals
    const varying = consts.filter(([c, v]) => c !== 'm' && v.some((x) => x !== v[0]));
    const n = varying.length;
    const flat = mult.flatMap((_, j) => varying.map(([, v]) => v[j]!));
    const ctype = flat.every((x) => x >= -128 && x <= 127) ? 'int8_t' : flat.every((x) => x >= -32768 && x <= 32767) ? 'int16_t' : 'int32_t';
    const decls = [decl(m, arr(`${name}mult`, mult))];
    if (n) decls.push(`const ${ctype} *${name}q = ${ctx.constArray(`${name}q`, ctype, flat.map(String))} + d * ${n * GH};`);
    const operand = (c: string, j: string): string => {
      if (c === 'm') return `${m}[${j}]`;
      const at = varying.findIndex(([vc]) => vc === c);
      return at >= 0 ? `${name}q[${n} * (${j}) + ${at}]` : i32(consts.find(([vc]) => vc === c)![1][0]!);
    };
    return { decls, call: (a, j) => `harc_s8_requant_x2(${a}, ${['m', 'pre', 'k', 'dm', 'e'].map((c) => operand(c, j)).join(', ')})` };
  }
  const sh = `${name}sh`;
  const fn = requantFor(mult, shift);
  return {
    decls: [decl(m, arr(`${name}mult`, mult)), shiftArray ? `const int8_t *${sh} = ${shiftArray(`${name}shift`, shift)} + d * ${GH};` : decl(sh, arr(`${name}shift`, shift))],
    call: (a, j) => `${fn}(${a}, ${m}[${j}], ${sh}[${j}])`,
  };
}

/** C that widens the int8 vector `v` (K bytes) for the products: SMLAD words in q (DSP), int16 in vq. */
function widenS8(v: string, K: number, ind: string): string[] {
  const K4 = K & ~3;
  const tail = K % 4;
  return [
    '#if defined(HARC_INT8_DSP)',
    ...(K4 > 0 ? [`${ind}for (int c = 0; c < ${K4 / 4}; ++c) {`, `${ind}  int32_t xw;`, `${ind}  memcpy(&xw, ${v} + 4 * c, 4);`, `${ind}  q[2 * c] = __sxtb16(xw);`, `${ind}  q[2 * c + 1] = harc_sxtb16_ror8(xw);`, `${ind}}`] : []),
    ...(tail
      ? [
          `${ind}{`,
          `${ind}  int8_t tl[4] = { 0, 0, 0, 0 };`,
          `${ind}  int32_t xw;`,
          `${ind}  for (int k = 0; k < ${tail}; ++k) tl[k] = ${v}[${K4} + k];`,
          `${ind}  memcpy(&xw, tl, 4);`,
          `${ind}  q[${K4 / 2}] = __sxtb16(xw);`,
          `${ind}  q[${K4 / 2 + 1}] = harc_sxtb16_ror8(xw);`,
          `${ind}}`,
        ]
      : []),
    '#else',
    `${ind}for (int k = 0; k < ${K}; ++k) vq[k] = ${v}[k];`,
    ...(tail ? [`${ind}for (int k = ${K}; k < ${round4(K)}; ++k) vq[k] = 0;`] : []),
    '#endif',
  ];
}

/** The int16 vector `v` (K4 entries, zero tail) as SMLAD words (DSP only; plain C reads v). */
function widenS16(v: string, K: number, ind: string): string[] {
  const pair = (a: string, b: string): string => `(int32_t)((uint32_t)(uint16_t)${a} | ((uint32_t)(uint16_t)${b} << 16))`;
  return [
    '#if defined(HARC_INT8_DSP)',
    `${ind}for (int c = 0; c < ${round4(K) / 4}; ++c) {`,
    `${ind}  q[2 * c] = ${pair(`${v}[4 * c]`, `${v}[4 * c + 2]`)};`,
    `${ind}  q[2 * c + 1] = ${pair(`${v}[4 * c + 1]`, `${v}[4 * c + 3]`)};`,
    `${ind}}`,
    '#endif',
  ];
}

/** SMLAD over 2·`pairs` chunks of a group of g = 3 or 4 rows, scheduled by hand (gcc's C spills or
 * keeps a loop counter and two pointers per chunk): per chunk one LDRD of the widened vector, g LDR
 * of weights (3 back to back), 2g SXTB16, 2g SMLAD; one ADDS/SUBS/BNE per 2 chunks. Advances p and wp. */
function groupPairsAsm(g: 3 | 4, pairs: number, ind: string): string[] {
  const mac = (w: string, r: number): string[] => [`sxtb16 %[t], %[${w}], ror #8`, `sxtb16 %[${w}], %[${w}]`, `smlad %[a${r}], %[xe], %[${w}], %[a${r}]`, `smlad %[a${r}], %[xd], %[t], %[a${r}]`];
  const chunk = (off: number): string[] => [
    'ldrd %[xe], %[xd], [%[p]], #8',
    `ldr %[w0], [%[wp], #${off}]`,
    `ldr %[w1], [%[wp], #${off + 4}]`,
    `ldr %[w2], [%[wp], #${off + 8}]`,
    ...mac('w0', 0),
    ...mac('w1', 1),
    // the fourth row's word reuses w0 (13 registers in all)
    ...(g === 4 ? [`ldr %[w0], [%[wp], #${off + 12}]`] : []),
    ...mac('w2', 2),
    ...(g === 4 ? mac('w0', 3) : []),
  ];
  const asm = ['1:', ...chunk(0), ...chunk(4 * g), `adds %[wp], %[wp], #${8 * g}`, 'subs %[k], %[k], #1', 'bne 1b'];
  const acc = Array.from({ length: g }, (_, r) => `a${r}`);
  return [
    '#if defined(__OPTIMIZE__) && defined(__GNUC__)',
    `${ind}{`,
    `${ind}  int32_t k = ${pairs}, xe, xd, w0, w1, w2, t;`,
    `${ind}  __asm__(${asm.map((l) => JSON.stringify(`${l}\n\t`)).join(`\n${ind}          `)}`,
    `${ind}          : ${acc.map((a) => `[${a}] "+r"(${a})`).join(', ')}, [p] "+r"(p), [wp] "+r"(wp), [k] "+r"(k),`,
    `${ind}            [xe] "=&r"(xe), [xd] "=&r"(xd), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [t] "=&r"(t)`,
    `${ind}          :`,
    `${ind}          : "cc", "memory");`,
    `${ind}}`,
    '#else',
    `${ind}for (int c = 0; c < ${2 * pairs}; ++c, p += 2, wp += ${4 * g}) {`,
    `${ind}  const int32_t xe = p[0], xd = p[1];`,
    `${ind}  int32_t ${acc.map((_, r) => `w${r}`).join(', ')};`,
    ...acc.map((_, r) => `${ind}  memcpy(&w${r}, wp + ${4 * r}, 4);`),
    ...acc.flatMap((a, r) => [`${ind}  ${a} = __smlad(xe, __sxtb16(w${r}), ${a});`, `${ind}  ${a} = __smlad(xd, harc_sxtb16_ror8(w${r}), ${a});`]),
    `${ind}}`,
    '#endif',
  ];
}

/** One matrix-vector product over the rows of `segs` (packed at `w`, K4 per row): accumulators start
 * at bias[row], and `epi(rows, accs)` consumes each group's sums. `vec16`: the plain-C vector. */
function matvec(w: string, segs: Segment[], K: number, bias: string, vec16: string, epi: (rows: string[], acc: string[]) => string[], ind: string): string[] {
  const chunks = round4(K) / 4;
  const out = [`${ind}{`, `${ind}  const int8_t *wp = ${w};`];
  for (const s of segs) {
    const a = Array.from({ length: s.g }, (_, r) => `a${r}`);
    const rows = Array.from({ length: s.g }, (_, r) => s.rowC(r));
    const i2 = `${ind}    `;
    // an even number of 4-k chunks of a row triple / quad: the hand-scheduled loop (with an odd count
    // gcc's code around it for the last chunk cost more than the asm saved on microbi-convlstm)
    const handScheduled = (s.g === 3 || s.g === 4) && chunks % 2 === 0;
    out.push(
      `${ind}  for (int u = 0; u < ${s.n}; ++u) {`,
      `${i2}int32_t ${a.map((v, r) => `${v} = ${bias}[${rows[r]}]`).join(', ')};`,
      '#if defined(HARC_INT8_DSP)',
      `${i2}const int32_t *p = q;`,
      ...(handScheduled ? groupPairsAsm(s.g as 3 | 4, chunks / 2, i2) : []),
      ...(handScheduled ? [] : [`${i2}for (int c = 0; c < ${chunks}; ++c, p += 2, wp += ${4 * s.g}) {`,
      `${i2}  const int32_t xe = p[0], xd = p[1];`,
      `${i2}  int32_t ${a.map((_, r) => `w${r}`).join(', ')};`,
      ...a.map((_, r) => `${i2}  memcpy(&w${r}, wp + ${4 * r}, 4);`),
      ...a.flatMap((v, r) => [`${i2}  ${v} = __smlad(xe, __sxtb16(w${r}), ${v});`, `${i2}  ${v} = __smlad(xd, harc_sxtb16_ror8(w${r}), ${v});`]),
      `${i2}}`]),
      '#else',
      `${i2}for (int c = 0; c < ${chunks}; ++c, wp += ${4 * s.g}) {`,
      `${i2}  const int32_t v0 = ${vec16}[4 * c], v1 = ${vec16}[4 * c + 1], v2 = ${vec16}[4 * c + 2], v3 = ${vec16}[4 * c + 3];`,
      ...a.map((v, r) => `${i2}  ${v} += v0 * wp[${4 * r}] + v1 * wp[${4 * r + 1}] + v2 * wp[${4 * r + 2}] + v3 * wp[${4 * r + 3}];`),
      `${i2}}`,
      '#endif',
      ...epi(rows, a).map((l) => `${i2}${l}`),
      `${ind}  }`,
    );
  }
  out.push(`${ind}}`);
  return out;
}

/** Rows 0..rows-1 in pairs, then a single row: the projection's packing (2 rows x 2 steps in registers). */
function pairs(rows: number): Segment[] {
  const segs: Segment[] = [];
  if (rows >= 2) segs.push({ g: 2, n: rows >> 1, row: (u, r) => 2 * u + r, rowC: (r) => `2 * u + ${r}` });
  if (rows & 1) segs.push({ g: 1, n: 1, row: () => rows - 1, rowC: () => `${rows - 1}` });
  return segs;
}

/** The input projection of two rows xa, xb (K bytes each) at once, every weight loaded once for both:
 * ya[row] / yb[row] = out(bias[row] + Σ x·W[row]) over the pair-packed W (`segs`, from pairs()).
 * DSP: both rows widened into q interleaved per 4 k (xa even, xa odd, xb even, xb odd), 2 rows x 2
 * steps = 16 MACs per 4 k from 2 LDRD, 2 LDR, 4 SXTB16, 8 SMLAD; plain C: vq (xa) and vq + K4 (xb). */
function projection2(w: string, segs: Segment[], K: number, bias: string, out: (row: string, acc: string, y: string) => string, ind: string): string[] {
  const K4 = round4(K);
  const chunks = K4 / 4;
  const tail = K % 4;
  const lines = [
    '#if defined(HARC_INT8_DSP)',
    `${ind}for (int c = 0; c < ${chunks}; ++c) {`,
    `${ind}  int32_t x0w, x1w;`,
    ...(tail
      ? [
          `${ind}  if (c == ${chunks - 1}) {`,
          `${ind}    int8_t t0[4] = { 0, 0, 0, 0 }, t1[4] = { 0, 0, 0, 0 };`,
          `${ind}    for (int k = 0; k < ${tail}; ++k) {`,
          `${ind}      t0[k] = xa[${K4 - 4} + k];`,
          `${ind}      t1[k] = xb[${K4 - 4} + k];`,
          `${ind}    }`,
          `${ind}    memcpy(&x0w, t0, 4);`,
          `${ind}    memcpy(&x1w, t1, 4);`,
          `${ind}  } else {`,
          `${ind}    memcpy(&x0w, xa + 4 * c, 4);`,
          `${ind}    memcpy(&x1w, xb + 4 * c, 4);`,
          `${ind}  }`,
        ]
      : [`${ind}  memcpy(&x0w, xa + 4 * c, 4);`, `${ind}  memcpy(&x1w, xb + 4 * c, 4);`]),
    `${ind}  q[4 * c] = __sxtb16(x0w);`,
    `${ind}  q[4 * c + 1] = harc_sxtb16_ror8(x0w);`,
    `${ind}  q[4 * c + 2] = __sxtb16(x1w);`,
    `${ind}  q[4 * c + 3] = harc_sxtb16_ror8(x1w);`,
    `${ind}}`,
    '#else',
    `${ind}for (int k = 0; k < ${K}; ++k) {`,
    `${ind}  vq[k] = xa[k];`,
    `${ind}  vq[${K4} + k] = xb[k];`,
    `${ind}}`,
    ...(tail ? [`${ind}for (int k = ${K}; k < ${K4}; ++k) vq[k] = vq[${K4} + k] = 0;`] : []),
    '#endif',
    `${ind}{`,
    `${ind}  const int8_t *wp = ${w};`,
  ];
  for (const s of segs) {
    const i2 = `${ind}    `;
    const rows = Array.from({ length: s.g }, (_, r) => s.rowC(r));
    const a = rows.map((_, r) => [`a${r}0`, `a${r}1`]);
    lines.push(
      `${ind}  for (int u = 0; u < ${s.n}; ++u) {`,
      `${i2}int32_t ${a.map(([a0, a1], r) => `${a0} = ${bias}[${rows[r]}], ${a1} = ${a0}`).join(', ')};`,
      '#if defined(HARC_INT8_DSP)',
      `${i2}const int32_t *p = q;`,
      `${i2}for (int c = 0; c < ${chunks}; ++c, p += 4, wp += ${4 * s.g}) {`,
      `${i2}  const int32_t x0e = p[0], x0d = p[1], x1e = p[2], x1d = p[3];`,
      `${i2}  int32_t wv, we, wd;`,
      ...a.flatMap(([a0, a1], r) => [
        `${i2}  memcpy(&wv, wp + ${4 * r}, 4);`,
        `${i2}  we = __sxtb16(wv);`,
        `${i2}  wd = harc_sxtb16_ror8(wv);`,
        `${i2}  ${a0} = __smlad(x0e, we, ${a0});`,
        `${i2}  ${a0} = __smlad(x0d, wd, ${a0});`,
        `${i2}  ${a1} = __smlad(x1e, we, ${a1});`,
        `${i2}  ${a1} = __smlad(x1d, wd, ${a1});`,
      ]),
      `${i2}}`,
      '#else',
      `${i2}for (int c = 0; c < ${chunks}; ++c, wp += ${4 * s.g}) {`,
      `${i2}  const int16_t *v0 = vq + 4 * c, *v1 = vq + ${K4} + 4 * c;`,
      ...a.flatMap(([a0, a1], r) => [
        `${i2}  ${a0} += v0[0] * wp[${4 * r}] + v0[1] * wp[${4 * r + 1}] + v0[2] * wp[${4 * r + 2}] + v0[3] * wp[${4 * r + 3}];`,
        `${i2}  ${a1} += v1[0] * wp[${4 * r}] + v1[1] * wp[${4 * r + 1}] + v1[2] * wp[${4 * r + 2}] + v1[3] * wp[${4 * r + 3}];`,
      ]),
      `${i2}}`,
      '#endif',
      ...rows.flatMap((row, r) => ['{', `  const int j = ${row};`, `  ${out('j', a[r]![0]!, 'ya')}`, `  ${out('j', a[r]![1]!, 'yb')}`, '}'].map((l) => `${i2}${l}`)),
      `${ind}  }`,
    );
  }
  lines.push(`${ind}}`);
  return lines;
}

/** Each row of a group on its own: `one(row, acc)` inside a block with `const int j = row`. */
const perRow = (one: (acc: string) => string[]) => (rows: string[], acc: string[]): string[] =>
  rows.flatMap((row, r) => ['{', `  const int j = ${row};`, ...one(acc[r]!).map((l) => `  ${l}`), '}']);

function lowerRecurrentFast(ctx: LowerCtx, sub?: SubByteRecurrentProducts): string {
  const node = ctx.node;
  const p: RecurrentQParams = prepareRecurrentQ(ctx.graph, node);
  const geo = p.geo;
  const { seq: S, batch: B, input: I, hidden: H, dirs: D, gates: G, kind, strides: st } = geo;
  const GH = G * H;
  const L = layout(geo, node, sub ? SUBBYTE_XG_BUDGET : XG_BUDGET);
  const TB = chunkSteps(geo, sub ? SUBBYTE_XG_BUDGET : XG_BUDGET);
  const scratch = ctx.scratch(4 * L.total, 'int32_t');
  const arr = (suffix: string, v: number[]): string => ctx.constArray(suffix, 'int32_t', v.map(i32));
  const W = ctx.input(1).data!;
  const R = ctx.input(2).data!;
  const wSegs = pairs(GH);
  const rSegs = recurrentSegments(geo);
  const packed = (suffix: string, data: ArrayLike<number>, K: number, segs: Segment[]): string =>
    ctx.constArray(suffix, 'int8_t', Array.from({ length: D }, (_, d) => packSegments(data, d * GH * K, K, segs)).flat().map(String));
  const wp = sub ? '' : packed('wrnn', W, I, wSegs);
  const rp = sub ? '' : packed('rrnn', R, H, rSegs.flat());
  const matvecOf = sub?.matvec ?? matvec;
  const projectionOf = sub?.projection2 ?? projection2;
  const folded: Record<string, number[]> = {};
  const { bx, bh } = foldedBiases(ctx, p, (suffix, v) => ((folded[suffix] = v), arr(suffix, v)));
  const lbr0 = kind === 'GRU' && !geo.linearBeforeReset;
  // gate arithmetic: the row requantizations, and the clamps the weights prove idle, decided at compile time
  const wBound = accBounds(W, folded['bx']!, I, () => 128);
  const rBound = accBounds(R, folded['bh']!, H, (row) => (lbr0 && row % GH >= 2 * H ? 256 : 128));
  // sub-byte layers keep their run-time shifts as int8 (the flash their small weights save)
  const shiftsOf = sub ? (suffix: string, v: number[]) => sub.shifts(ctx, suffix, v) : undefined;
  const rqW = rowRequant('w', p.wMult, p.wShift, wBound, ctx, GH, shiftsOf);
  const rqR = rowRequant('r', p.rMult, p.rShift, rBound, ctx, GH, shiftsOf);
  const lim = i32(PARTIAL_LIMIT);
  const clampW = clampFree(p.wMult, p.wShift, wBound, PARTIAL_LIMIT) ? (v: string) => v : (v: string) => `harc_clamp32(${v}, -${lim}, ${lim})`;
  const clampR = clampFree(p.rMult, p.rShift, rBound, PARTIAL_LIMIT) ? (v: string) => v : (v: string) => `harc_clamp32(${v}, -${lim}, ${lim})`;
  const clampLbr = clampFree(p.rMult, p.rShift, rBound, LBR_LIMIT) ? (v: string) => v : (v: string) => `harc_clamp32(${v}, -${LBR_LIMIT}, ${LBR_LIMIT})`;
  const rqH = requantFor([p.hMult], [p.hShift]);
  const yh = ctx.res(1);
  const yc = kind === 'LSTM' ? ctx.res(2) : '';
  const y = ctx.res(0);
  const x = ctx.arg(0);
  const stateSize = D * B * H;
  const tOf = (sv: string): string => (geo.direction === 'forward' ? sv : geo.direction === 'reverse' ? `${S - 1} - ${sv}` : `d == 0 ? ${sv} : ${S - 1} - ${sv}`);
  const tExpr = tOf('s');
  const sig = `${i32(p.sigmoid.inputMultiplier)}, ${p.sigmoid.inputLeftShift}`;
  const tanG = `${i32(p.tanhGate.inputMultiplier)}, ${p.tanhGate.inputLeftShift}`;
  /** The gate pre-activation of row `j`: the precomputed x side plus the requantized h side, int16. */
  const pre = (j: string, a: string): string => `(int16_t)harc_sat16(xs[${j}] + ${clampR(rqR.call(a, j))})`;
  const hOut = (u: string, v: string): string[] => [
    `h[${u}] = (int8_t)harc_sat8(${rqH}(${v}, ${i32(p.hMult)}, ${p.hShift}) + (${p.hZp}));`,
    ...(y ? [`${y}[t * ${st.yt} + d * ${st.yd} + n * ${st.yn} + ${u}] = h[${u}];`] : []),
  ];
  /** GRU: h = (1 − z)·h̃ + z·h in Q0.15 (the int16 state), then int8. */
  const gruUpdate = (u: string, z: string, hn: string): string[] => [
    // z ∈ [0, 32767], hn and h16 int16: |sum| ≤ 2^30 (harc_rdbpot_small's domain)
    `const int32_t hv = harc_sat16(harc_rdbpot_small((32768 - ${z}) * ${hn} + ${z} * (int32_t)h16[${u}], 15));`,
    `h16[${u}] = (int16_t)hv;`,
    ...hOut(u, 'hv'),
  ];

  const igRound = (v: string): string =>
    p.igShift >= 15 && p.igShift <= 30 ? `harc_rdbpot_small(${v}, ${p.igShift})` : `harc_sat16(harc_rdbpot(${v}, ${p.igShift}))`;
  const ind = '        ';
  const steps: string[] = [];
  if (kind === 'LSTM') {
    const H1 = H, H2 = 2 * H, H3 = 3 * H;
    const cell = (_rows: string[], a: string[]): string[] => [
      `const int32_t ig = harc_rnn_logistic(${pre('u', a[0]!)}, ${sig});`,
      `const int32_t og = harc_rnn_logistic(${pre(`${H1} + u`, a[1]!)}, ${sig});`,
      `const int32_t fg = harc_rnn_logistic(${pre(`${H2} + u`, a[2]!)}, ${sig});`,
      `const int32_t cg = harc_rnn_tanh(${pre(`${H3} + u`, a[3]!)}, ${tanG});`,
      // fg, ig ∈ [0, 32767] and cst, cg int16: |products| ≤ 2^30, so harc_rdbpot_small applies, and
      // after a shift of 15 or more they fit int16 (the reference's saturations are idle there)
      `const int32_t fc = harc_rdbpot_small(fg * (int32_t)cst[u], 15);`,
      `const int32_t icg = ${igRound('ig * cg')};`,
      `const int16_t cn = (int16_t)harc_sat16(fc + icg);`,
      `const int32_t tc = harc_rnn_tanh(cn, ${i32(p.tanhCell!.inputMultiplier)}, ${p.tanhCell!.inputLeftShift});`,
      `cst[u] = cn;`,
      ...hOut('u', 'og * tc'),
    ];
    steps.push(`${ind}int16_t *cst = cs + d * ${st.sd} + n * ${st.sn};`, ...widenS8('h', H, ind), ...matvecOf('rp', rSegs[0]!, H, 'bh', 'vq', cell, ind));
  } else if (kind === 'RNN') {
    const one = perRow((a) => [`const int32_t g = harc_rnn_tanh(${pre('j', a)}, ${tanG});`, ...hOut('j', 'g')]);
    steps.push(...widenS8('h', H, ind), ...matvecOf('rp', rSegs[0]!, H, 'bh', 'vq', one, ind));
  } else if (!lbr0) {
    // r ∈ [0, 32767] and |rr| ≤ 65535: r·rr is in harc_rdbpot_small's domain
    const unit = (_rows: string[], a: string[]): string[] => [
      `const int32_t z = harc_rnn_logistic(${pre('u', a[0]!)}, ${sig});`,
      `const int32_t r = harc_rnn_logistic(${pre(`${H} + u`, a[1]!)}, ${sig});`,
      `const int32_t rr = ${clampLbr(rqR.call(a[2]!, `${2 * H} + u`))};`,
      `const int32_t hn = harc_rnn_tanh((int16_t)harc_sat16(xs[${2 * H} + u] + harc_rdbpot_small(r * rr, 15)), ${tanG});`,
      ...gruUpdate('u', 'z', 'hn'),
    ];
    steps.push(`${ind}int16_t *h16 = h16s + d * ${st.sd} + n * ${st.sn};`, ...widenS8('h', H, ind), ...matvecOf('rp', rSegs[0]!, H, 'bh', 'vq', unit, ind));
  } else {
    // z and r first; the candidate's product reads r ⊙ (h − z_h) (int16), widened like h
    const zr = (_rows: string[], a: string[]): string[] => [
      `gz[u] = harc_rnn_logistic(${pre('u', a[0]!)}, ${sig});`,
      `rh[u] = (int16_t)harc_rdbpot_small((int32_t)harc_rnn_logistic(${pre(`${H} + u`, a[1]!)}, ${sig}) * ((int32_t)h[u] - (${p.hZp})), 15);`,
    ];
    const cand = perRow((a) => [`const int m = j - ${2 * H};`, `const int32_t hn = harc_rnn_tanh(${pre('j', a)}, ${tanG});`, ...gruUpdate('m', 'gz[m]', 'hn')]);
    steps.push(
      `${ind}int16_t *h16 = h16s + d * ${st.sd} + n * ${st.sn};`,
      ...widenS8('h', H, ind),
      ...matvecOf('rp', rSegs[0]!, H, 'bh', 'vq', zr, ind),
      ...widenS16('rh', H, ind),
      ...matvecOf(sub ? 'rp2' : `rp + ${2 * H * round4(H)}`, rSegs[1]!, H, 'bh', 'rh', cand, ind),
    );
  }

  const scr = (off: number): string => `${scratch} + ${off}`;
  const lines = [
    `  /* int8 ${kind} ${geo.direction}, ${geo.layout === 0 ? 'time-major' : 'batch-major (layout 1)'}: ${S} steps, batch ${B}, ${I} -> ${H}${kind === 'GRU' ? `, linear_before_reset=${geo.linearBeforeReset ? 1 : 0}` : ''} (TFLite integer recurrent cell, src/ir/int8/recurrent.ts).`,
    `   * harc's fast path (docs/int8-kernels.md): the input projection of ${TB} steps at a time first (int32, clamped as the`,
    `   * reference's x side), then per step one product over all ${GH} gate rows of R, packed by hidden unit so each`,
    `   * unit's cell update follows its gate sums. Scratch: ${4 * L.total} bytes of planned arena. */`,
    '#if !HARC_INT8_FAST',
    `#error "model.c was generated with --kernels harc: its recurrent layers need an optimized path (Cortex-M DSP, RISC-V or -DHARC_INT8_OPT); regenerate it with --kernels portable for this core"`,
    '#endif',
    `  int32_t *xg = ${scratch};`,
    '#if defined(HARC_INT8_DSP)',
    `  int32_t *q = ${scr(L.q)};`,
    '#else',
    `  int16_t *vq = (int16_t *)(${scr(L.q)});`,
    '#endif',
    ...(lbr0 ? [`  int16_t *gz = (int16_t *)(${scr(L.gz)});`, `  int16_t *rh = (int16_t *)(${scr(L.rh)});`] : []),
    ...(kind === 'LSTM' ? [`  int16_t *cs = ${yc || `(int16_t *)(${scr(L.c)})`};`] : []),
    ...(kind === 'GRU' ? [`  int16_t *h16s = (int16_t *)(${scr(L.h16)});`] : []),
    `  int8_t *hs = ${yh || `(int8_t *)(${scr(L.h)})`};`,
    `  for (int i = 0; i < ${stateSize}; ++i) {`,
    `    hs[i] = (int8_t)(${p.hZp});`,
    ...(kind === 'LSTM' ? ['    cs[i] = 0;'] : kind === 'GRU' ? ['    h16s[i] = 0;'] : []),
    '  }',
    ...(lbr0 && round4(H) > H ? [`  for (int k = ${H}; k < ${round4(H)}; ++k) rh[k] = 0;`] : []),
    `  for (int d = 0; d < ${D}; ++d) {`,
    ...(sub ? sub.pointers(ctx, geo, wSegs, rSegs) : [`    const int8_t *wp0 = ${wp} + d * ${GH * round4(I)};`, `    const int8_t *rp = ${rp} + d * ${GH * round4(H)};`]),
    `    const int32_t *bx = ${bx} + d * ${GH};`,
    `    const int32_t *bh = ${bh} + d * ${GH};`,
    ...[...rqW.decls, ...rqR.decls].map((l) => `    ${l}`),
    `    for (int sbeg = 0; sbeg < ${S}; sbeg += ${TB}) {`,
    `      const int send = sbeg + ${TB} < ${S} ? sbeg + ${TB} : ${S};`,
    `      /* the input side of steps sbeg..send-1: W·x + bias, requantized to Q3.12 and clamped to ±2^24 */`,
    `      for (int i = 0; i < (send - sbeg) * ${B}; i += 2) {`,
    `        const int i1 = i + 1 < (send - sbeg) * ${B} ? i + 1 : i; /* an odd last row is computed twice */`,
    `        const int sa = sbeg + i / ${B}, sb = sbeg + i1 / ${B};`,
    `        const int8_t *xa = ${x} + (${tOf('sa')}) * ${st.xt} + (i % ${B}) * ${st.xn};`,
    `        const int8_t *xb = ${x} + (${tOf('sb')}) * ${st.xt} + (i1 % ${B}) * ${st.xn};`,
    `        int32_t *ya = xg + i * ${GH}, *yb = xg + i1 * ${GH};`,
    ...projectionOf('wp0', wSegs, I, 'bx', (j, a, yv) => `${yv}[${j}] = ${clampW(rqW.call(a, j))};`, ind),
    '      }',
    `      for (int s = sbeg; s < send; ++s) {`,
    `        const int t = ${tExpr};`,
    `        for (int n = 0; n < ${B}; ++n) {`,
    `          const int32_t *xs = xg + ((s - sbeg) * ${B} + n) * ${GH};`,
    `          int8_t *h = hs + d * ${st.sd} + n * ${st.sn};`,
    ...steps.map((l) => (l.startsWith('#') ? l : `  ${l}`)),
    '        }',
    '      }',
    '    }',
    '  }',
  ];
  return lines.join('\n') + '\n';
}

/** LSTM / GRU / RNN for the `harc` set: the restructured path above for 8-bit W and R and for 4-
 * or 2-bit ones (subbyte-recurrent-fast.ts), the HARC_RQ lowering for W and R of different widths;
 * declines (→ reference) what fastRecurrentLowering declines. */
export function recurrentFastLowering(): KernelLowering {
  const sub = fastRecurrentLowering();
  return Object.assign((ctx: LowerCtx) => {
    const bits = subByteBits(ctx.graph, ctx.node);
    if (bits) return lowerRecurrentFast(ctx, subbyteRecurrentProducts(bits));
    return isSubByte(ctx.graph, ctx.node) ? sub(ctx) : lowerRecurrentFast(ctx);
  }, {
    scratchBytes: recurrentFastScratchBytes,
    accepts: sub.accepts,
  });
}
