import { convGeometry, convInputLayout } from '../../../ir/ops/conv.ts';
import { matmulBatches } from '../../../ir/ops/gemm.ts';
import type { WindowGeometry } from '../../../ir/ops/window-geometry.ts';
import { attrFloat, attrInt } from '../../../ir/registry.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cFloat } from '../c-literals.ts';
import { clampLines, requireFloat, type LowerCtx } from './context.ts';

// Register-blocked float Conv / Gemm / MatMul for an FPU such as the Cortex-M4F's (docs/float-kernels.md).
// One micro-kernel computes R output channels × P output positions in local floats (s-registers),
// each weight loaded once per P positions and each input once per R channels; weights are packed at
// compile time [channel block][kh][ic][kw][r] so a block reads them sequentially. Products and sums
// stay separate operations (VMUL + VADD, no fused multiply-add: ISO C with -std=c99 does not contract),
// so the same C gives the same bits on the host, the Cortex-M4F and soft-float RISC-V. The summation
// order (bias, then kh, ic, kw) differs from the reference kernel's (kh, kw, ic): results agree with it
// and with onnxruntime within the float tolerance, not bit for bit.

/** A conv as the blocked kernel sees it: 2-D ([1, W] for 1-D), channels-last output, one group or depthwise. */
export type BlockedConvShape = Pick<WindowGeometry, 'batch' | 'inH' | 'inW' | 'outH' | 'outW' | 'kH' | 'kW' | 'strideH' | 'strideW' | 'dilH' | 'dilW' | 'padTop' | 'padLeft'> & {
  cin: number;
  cout: number;
  /** The input's layout: channels-last, or channels-first read in place (an absorbed transpose). */
  xLayout: 'NHWC' | 'NCHW';
  /** Depthwise (group = cin = cout): output channel c reads input channel c only. */
  depthwise?: boolean;
};

/** Input channels one output channel sums over. */
const icSteps = (s: BlockedConvShape): number => (s.depthwise ? 1 : s.cin);

/** Element strides of the input between columns, channels and rows. */
const inputStrides = (s: BlockedConvShape): { col: number; chan: number; row: number } =>
  s.xLayout === 'NHWC' ? { col: s.cin, chan: 1, row: s.inW * s.cin } : { col: 1, chan: s.inH * s.inW, row: s.inW };

/** Channels (R) × positions (P) of one micro-kernel. */
export interface Blocking {
  r: number;
  p: number;
}

/** ic steps per iteration of a micro-kernel's channel loop. */
const ICU = 4;

const CANDIDATES: readonly Blocking[] = [
  { r: 3, p: 6 }, { r: 4, p: 5 }, { r: 5, p: 4 }, { r: 2, p: 8 }, { r: 6, p: 3 }, { r: 4, p: 4 }, { r: 8, p: 2 }, { r: 3, p: 4 },
  { r: 2, p: 4 }, { r: 1, p: 8 }, { r: 12, p: 1 }, { r: 8, p: 1 }, { r: 4, p: 1 }, { r: 1, p: 1 }, { r: 3, p: 3 }, { r: 4, p: 2 }, { r: 2, p: 6 },
];

/** Single-precision registers a micro-kernel keeps live: r·p accumulators, p input columns, the r
 * weights of one kw step and a product. At most 28 of the 32: at 30 GCC 12 spills (measured on har-cnn). */
const registersOf = (s: BlockedConvShape, b: Blocking): number => b.r * b.p + (s.depthwise ? b.r * b.p : b.p) + b.r + 1;

/** The distinct input columns one micro-kernel row reads: {j·strideW + kw·dilW}. */
const distinctColumns = (s: BlockedConvShape, p: number): number => {
  const q = new Set<number>();
  for (let kw = 0; kw < s.kW; kw++) for (let j = 0; j < p; j++) q.add(j * s.strideW + kw * s.dilW);
  return q.size;
};

/** The interior output columns [lo, hi): every kw tap inside the input row. */
export function interiorColumns(s: BlockedConvShape): { lo: number; hi: number } {
  let lo = 0;
  while (lo < s.outW && lo * s.strideW - s.padLeft < 0) lo++;
  let hi = s.outW;
  while (hi > lo && (hi - 1) * s.strideW - s.padLeft + (s.kW - 1) * s.dilW >= s.inW) hi--;
  return { lo, hi };
}

/** Modelled cycles of one ic step of an (r, p) micro-kernel: a load per weight and per distinct
 * column, a multiply and an add per MAC (Cortex-M4 TRM table 7-1: VLDR 1 when pipelined, VMUL 1,
 * VADD 1), and about 5 for the loop (pointer, compare, taken branch). */
const stepCost = (s: BlockedConvShape, r: number, p: number): number =>
  p === 0 || r === 0 ? 0 : distinctColumns(s, p) * (s.depthwise ? r : 1) + r * s.kW + 2 * r * p * s.kW + 5;

/** The blocking with the lowest modelled cost over the layer, among those that fit 32 s-registers. */
export function chooseBlocking(s: BlockedConvShape): Blocking {
  const { lo, hi } = interiorColumns(s);
  const cols = hi - lo;
  let best: Blocking = { r: 1, p: 1 };
  let bestCost = Infinity;
  for (const b of CANDIDATES) {
    if (registersOf(s, b) > 28) continue;
    const r = Math.min(b.r, s.cout);
    const p = Math.min(b.p, Math.max(cols, 1));
    const blocks = (n: number, k: number): [number, number] => [Math.floor(n / k), n % k];
    const [fullR, remR] = blocks(s.cout, r);
    const [fullP, remP] = blocks(cols, p);
    const perRow = (rr: number) => fullP * stepCost(s, rr, p) + stepCost(s, rr, remP);
    // the border columns run one position at a time
    const cost = fullR * perRow(r) + perRow(remR) + (s.outW - cols) * (fullR * stepCost(s, r, 1) + stepCost(s, remR, 1));
    if (cost < bestCost) [best, bestCost] = [{ r, p }, cost];
  }
  return best;
}

/** Weights W(oc, kh, kw, ic) regrouped [block of r channels][kh][ic][kw][r] (the last block has
 * cout mod r channels; depthwise: ic is 0 only). */
export function packBlockedWeights(s: BlockedConvShape, r: number, w: (oc: number, kh: number, kw: number, ic: number) => number): number[] {
  const out: number[] = [];
  for (let oc0 = 0; oc0 < s.cout; oc0 += r) {
    const rb = Math.min(r, s.cout - oc0);
    for (let kh = 0; kh < s.kH; kh++)
      for (let ic = 0; ic < icSteps(s); ic++) for (let kw = 0; kw < s.kW; kw++) for (let k = 0; k < rb; k++) out.push(w(oc0 + k, kh, kw, ic));
  }
  return out;
}

interface Emit {
  s: BlockedConvShape;
  x: string;
  w: string;
  bias: string;
  /** Per-input-channel value of padded cells ('' = zeros). */
  padv: string;
  y: string;
  clamp: (v: string) => string[];
}

/** Statements that clamp and store accumulator `a` to y at output column `col` (a C expression), channel oc0 + k. */
const store = (e: Emit, a: string, col: string, k: number, ind: string): string[] => {
  const lines = e.clamp(a).map((l) => `${ind}${l}`);
  return [...lines, `${ind}yr[(${col}) * ${e.s.cout} + oc0 + ${k}] = ${a};`];
};

const initAcc = (e: Emit, k: number): string => (e.bias ? `${e.bias}[oc0 + ${k}]` : '0.0f');

/** R × P micro-kernel: locals a{k}_{j}, fully unrolled over channels, columns and kw. `at` says
 * where its columns are: `ow` at run time, all taps inside the row (interior), or the constant
 * column `ow0` of a border block, whose taps outside the row are known here and are skipped (zero
 * padding) or read the channel's pad value. */
function microKernel(e: Emit, rb: number, p: number, at: { runtime: true } | { ow0: number }, ind: string): string[] {
  const { s } = e;
  const L: string[] = [];
  const acc = (k: number, j: number) => `a${k}_${j}`;
  const runtime = 'runtime' in at;
  // the input column of tap kw of output column j, relative to the pointer xp
  const col = (j: number, kw: number): number => (runtime ? j * s.strideW + kw * s.dilW : (at.ow0 + j) * s.strideW - s.padLeft + kw * s.dilW);
  const inside = (j: number, kw: number): boolean => runtime || (col(j, kw) >= 0 && col(j, kw) < s.inW);
  for (let k = 0; k < rb; k++) L.push(`${ind}float ${Array.from({ length: p }, (_, j) => `${acc(k, j)} = ${initAcc(e, k)}`).join(', ')};`);
  L.push(`${ind}for (int kh = khLo; kh < khHi; ++kh) {`);
  const st = inputStrides(s);
  const colBase = runtime ? ` + (ow * ${s.strideW} - ${s.padLeft}) * ${st.col}` : '';
  L.push(`${ind}  const float *xp = ${e.x} + (xrow + kh * ${s.dilH * st.row}${colBase});`);
  const steps = icSteps(s);
  L.push(`${ind}  const float *wp = wb + kh * ${steps * s.kW * rb};`);
  const needsPad = !!e.padv && Array.from({ length: p }, (_, j) => Array.from({ length: s.kW }, (_, kw) => !inside(j, kw))).flat().some(Boolean);
  // depthwise: each channel k has its own input values and pad value
  const lanes = s.depthwise ? Array.from({ length: rb }, (_, k) => k) : [0];
  const lane = (k: number): number => (s.depthwise ? k : 0);
  /** One ic step at channel ic + u (u < ICU): its input values, weights and products. */
  const icStep = (u: number): string[] => {
    const S: string[] = [];
    const sfx = u > 0 ? `u${u}` : '';
    const xo = u * st.chan;
    const wo = u * s.kW * rb;
    if (needsPad) for (const k of lanes) S.push(`${ind}    const float pv${k}${sfx} = ${e.padv}[${s.depthwise ? `oc0 + ${k}` : `ic + ${u}`}];`);
    const name = (q: number, k: number): string => `${q < 0 ? `xm${-q}` : `xv${q}`}${s.depthwise ? `_${k}` : ''}${sfx}`;
    const loaded = new Set<number>();
    for (let kw = 0; kw < s.kW; kw++) {
      if (kw > 0 || u > 0) S.push(`${ind}    HARC_F32_STEP();`);
      for (let j = 0; j < p; j++) {
        const q = col(j, kw);
        if (inside(j, kw) && !loaded.has(q)) {
          loaded.add(q);
          for (const k of lanes) S.push(`${ind}    const float ${name(q, k)} = xp[${xo + q * st.col + k * st.chan}];`);
        }
      }
      // the step's weights loaded together (consecutive loads pipeline: TRM 3.3.2), then its products
      const taps = Array.from({ length: p }, (_, j) => j).filter((j) => inside(j, kw) || needsPad);
      if (taps.length === 0) continue;
      S.push(`${ind}    const float ${Array.from({ length: rb }, (_, k) => `w${kw}_${k}${sfx} = wp[${wo + kw * rb + k}]`).join(', ')};`);
      for (let k = 0; k < rb; k++)
        for (const j of taps) S.push(`${ind}    ${acc(k, j)} += ${inside(j, kw) ? name(col(j, kw), lane(k)) : `pv${lane(k)}${sfx}`} * w${kw}_${k}${sfx};`);
    }
    return S;
  };
  if (s.depthwise) L.push(`${ind}  {`, `${ind}    xp += oc0 * ${st.chan};`, ...icStep(0));
  else {
    // ICU ic steps per iteration in the interior columns: the loop's pointer updates, compare and taken
    // branch once per ICU steps (the constant border blocks run too rarely to pay for the code)
    const icu = runtime && s.cin >= ICU ? ICU : 1;
    const whole = Math.floor(s.cin / icu) * icu;
    L.push(`${ind}  int ic = 0;`);
    L.push(`${ind}  for (; ic < ${whole}; ic += ${icu}, xp += ${icu * st.chan}, wp += ${icu * s.kW * rb}) {`);
    for (let u = 0; u < icu; u++) L.push(...icStep(u));
    if (whole < s.cin) L.push(`${ind}  }`, `${ind}  for (; ic < ${s.cin}; ++ic, xp += ${st.chan}, wp += ${s.kW * rb}) {`, ...icStep(0));
  }
  L.push(`${ind}  }`, `${ind}}`);
  const owExpr = (j: number) => (runtime ? `ow + ${j}` : `${at.ow0 + j}`);
  for (let j = 0; j < p; j++) for (let k = 0; k < rb; k++) L.push(...store(e, acc(k, j), owExpr(j), k, ind));
  return L;
}

/** One output column with bounds checks (the padded border), rb channels, the same order as the
 * micro-kernel. A padded tap reads the channel's pad value (padv) or is skipped (zero padding). */
function borderColumn(e: Emit, rb: number, ind: string): string[] {
  const { s } = e;
  const L: string[] = [];
  L.push(`${ind}float acc[${rb}];`);
  L.push(`${ind}for (int k = 0; k < ${rb}; ++k) acc[k] = ${e.bias ? `${e.bias}[oc0 + k]` : '0.0f'};`);
  if (e.padv) {
    L.push(`${ind}for (int kh = 0; kh < ${s.kH}; ++kh) {`);
    L.push(`${ind}  const int rowInside = kh >= khLo && kh < khHi;`);
  } else L.push(`${ind}for (int kh = khLo; kh < khHi; ++kh) {`);
  L.push(`${ind}  const float *wp = wb + kh * ${icSteps(s) * s.kW * rb};`);
  if (s.depthwise) L.push(`${ind}  {`, `${ind}    const int ic = oc0;`);
  else L.push(`${ind}  for (int ic = 0; ic < ${s.cin}; ++ic, wp += ${s.kW * rb})`);
  L.push(`${ind}    for (int kw = 0; kw < ${s.kW}; ++kw) {`);
  L.push(`${ind}      const int iw = ow * ${s.strideW} - ${s.padLeft} + kw * ${s.dilW};`);
  const st = inputStrides(s);
  const chan = s.depthwise ? '(ic + k)' : 'ic';
  const xAt = `${e.x}[xrow + kh * ${s.dilH * st.row} + iw * ${st.col} + ${chan} * ${st.chan}]`;
  const mac = `acc[k] += xv * wp[kw * ${rb} + k];`;
  if (e.padv) L.push(`${ind}      const int inside = rowInside && iw >= 0 && iw < ${s.inW};`);
  else L.push(`${ind}      if (iw < 0 || iw >= ${s.inW}) continue;`);
  const xv = e.padv ? `inside ? ${xAt} : ${e.padv}[${chan}]` : xAt;
  if (s.depthwise) L.push(`${ind}      for (int k = 0; k < ${rb}; ++k) { const float xv = ${xv}; ${mac} }`);
  else L.push(`${ind}      const float xv = ${xv};`, `${ind}      for (int k = 0; k < ${rb}; ++k) ${mac}`);
  if (s.depthwise) L.push(`${ind}    }`);
  L.push(`${ind}    }`);
  L.push(`${ind}}`);
  L.push(`${ind}for (int k = 0; k < ${rb}; ++k) {`, `${ind}  float v = acc[k];`);
  for (const l of e.clamp('v')) L.push(`${ind}  ${l}`);
  L.push(`${ind}  yr[ow * ${s.cout} + oc0 + k] = v;`, `${ind}}`);
  return L;
}

/** All output columns of one row for one block of rb channels at oc0 (weights at wb). */
function channelBlock(e: Emit, rb: number, p: number, ind: string): string[] {
  const { s } = e;
  const { lo, hi } = interiorColumns(s);
  const full = Math.floor((hi - lo) / p);
  const rem = (hi - lo) % p;
  const L: string[] = [];
  // the border columns: constant blocks of at most p columns whose padded taps are known here
  const border = (from: number, to: number): string[] =>
    Array.from({ length: Math.ceil((to - from) / p) }, (_, i) => from + i * p).flatMap((ow0) => [`${ind}{`, ...microKernel(e, rb, Math.min(p, to - ow0), { ow0 }, `${ind}  `), `${ind}}`]);
  const interior: string[] = [];
  if (full > 0) interior.push(`${ind}for (int ow = ${lo}; ow < ${lo + full * p}; ow += ${p}) {`, ...microKernel(e, rb, p, { runtime: true }, `${ind}  `), `${ind}}`);
  if (rem > 0) interior.push(`${ind}{`, `${ind}  const int ow = ${lo + full * p};`, ...microKernel(e, rb, rem, { runtime: true }, `${ind}  `), `${ind}}`);
  const edges = [...border(0, lo), ...border(hi, s.outW)];
  // with pad values, a row that crosses the top or bottom edge has padded taps in every column
  if (e.padv && s.kH > 1)
    L.push(`${ind}if (khLo == 0 && khHi == ${s.kH}) {`, ...[...edges, ...interior].map((l) => `  ${l}`), `${ind}} else {`, `${ind}  for (int ow = 0; ow < ${s.outW}; ++ow) {`, ...borderColumn(e, rb, `${ind}    `), `${ind}  }`, `${ind}}`);
  else L.push(...edges, ...interior);
  return L;
}

/** The C of a blocked conv over packed weights `w` (packBlockedWeights with b.r). */
export function blockedConvC(s: BlockedConvShape, b: Blocking, e: Omit<Emit, 's'>): string {
  const em: Emit = { ...e, s };
  const fullR = Math.floor(s.cout / b.r);
  const remR = s.cout % b.r;
  const blockWeights = (rb: number) => rb * s.kH * icSteps(s) * s.kW;
  const L: string[] = [
    `  /* blocked float ${s.depthwise ? 'depthwise ' : ''}conv ${s.kH}x${s.kW} stride ${s.strideH},${s.strideW} dilation ${s.dilH},${s.dilW}, ${s.cin} -> ${s.cout} channels: [${s.inH}x${s.inW}] -> [${s.outH}x${s.outW}],`,
    `   * ${b.r} channels x ${b.p} columns per micro-kernel; weights packed [block][kh][ic][kw][r] */`,
    '#ifndef HARC_F32_STEP',
    '#if defined(__GNUC__) && defined(__ARM_FP)',
    '  /* keeps the compiler from hoisting every weight load of an ic step to its top (32 s-registers) */',
    '#define HARC_F32_STEP() __asm__ volatile("" ::: "memory")',
    '#else',
    '#define HARC_F32_STEP() ((void)0)',
    '#endif',
    '#endif',
    `  for (int n = 0; n < ${s.batch}; ++n)`,
    `  for (int oh = 0; oh < ${s.outH}; ++oh) {`,
    `    const int ih0 = oh * ${s.strideH} - ${s.padTop};`,
    '    /* the kernel rows inside the input: kh in [khLo, khHi) */',
    `    int khLo = 0, khHi = ${s.kH};`,
    `    while (khLo < khHi && ih0 + khLo * ${s.dilH} < 0) ++khLo;`,
    `    while (khHi > khLo && ih0 + (khHi - 1) * ${s.dilH} >= ${s.inH}) --khHi;`,
    `    const int xrow = n * ${s.inH * s.inW * s.cin} + ih0 * ${inputStrides(s).row};`,
    `    float *yr = ${e.y} + n * ${s.outH * s.outW * s.cout} + oh * ${s.outW * s.cout};`,
  ];
  if (fullR > 0)
    L.push(
      `    for (int oc0 = 0; oc0 < ${fullR * b.r}; oc0 += ${b.r}) {`,
      `      const float *wb = ${e.w} + (oc0 / ${b.r}) * ${blockWeights(b.r)};`,
      ...channelBlock(em, b.r, b.p, '      '),
      '    }',
    );
  if (remR > 0)
    L.push(
      '    {',
      `      const int oc0 = ${fullR * b.r};`,
      `      const float *wb = ${e.w} + ${fullR * blockWeights(b.r)};`,
      ...channelBlock(em, remR, b.p, '      '),
      '    }',
    );
  L.push('  }');
  return L.join('\n');
}

const floatClamp = (node: Node) => (v: string) => clampLines(node, v, cFloat);

/** Conv nodes the blocked kernel takes: float, channels-last output, one group or depthwise with
 * multiplier 1, constant weights and bias. */
/** group = input channels = output channels (one weight per channel and tap). */
function isDepthwise(graph: Graph, node: Node): boolean {
  const w = graph.tensors[node.inputs[1]!];
  const group = attrInt(node, 'group');
  return !!w && group > 1 && w.shape[0] === group && w.shape[w.shape.length - 1] === 1 && (graph.tensors[node.inputs[0]!]?.shape.length ?? 0) === w.shape.length;
}

export function acceptsBlockedConv(graph: Graph, node: Node): boolean {
  const w = graph.tensors[node.inputs[1]!];
  const b = node.inputs[2] ? graph.tensors[node.inputs[2]] : undefined;
  return (
    node.attrs['layout'] === 'NHWC' && (attrInt(node, 'group') === 1 || isDepthwise(graph, node)) &&
    !!w?.data && w.dtype === 'float32' && (!b || !!b.data)
  );
}

export function lowerBlockedConv(ctx: LowerCtx): string {
  requireFloat(ctx);
  const node = ctx.node;
  const g = convGeometry(node, ctx.input(0).shape, ctx.input(1).shape);
  const W = ctx.input(1).data!;
  const s: BlockedConvShape = {
    batch: g.batch, inH: g.inH, inW: g.inW, cin: g.channels, cout: g.cout, kH: g.kH, kW: g.kW,
    strideH: g.strideH, strideW: g.strideW, dilH: g.dilH, dilW: g.dilW, padTop: g.padTop, padLeft: g.padLeft, outH: g.outH, outW: g.outW,
    xLayout: convInputLayout(node) === 'NCHW' ? 'NCHW' : 'NHWC',
    depthwise: g.group > 1,
  };
  const b = chooseBlocking(s);
  const cpg = g.cinPerGroup;
  const packed = packBlockedWeights(s, b.r, (oc, kh, kw, ic) => W[((oc * s.kH + kh) * s.kW + kw) * cpg + ic]!);
  const padValue = Array.isArray(node.attrs['pad_value']) ? (node.attrs['pad_value'] as number[]) : undefined;
  return blockedConvC(s, b, {
    x: ctx.arg(0),
    padv: padValue ? ctx.constArray('padv', 'float', padValue.map(cFloat)) : '',
    w: ctx.constArray('w_blk', 'float', packed.map(cFloat)),
    bias: node.inputs[2] ? ctx.arg(2) : '',
    y: ctx.res(0),
    clamp: floatClamp(node),
  });
}

/** Gemm as a 1×1 conv over the rows of A: constant B, A not transposed, alpha 1, and C absent or
 * a constant bias over N with beta 1. */
export function acceptsBlockedGemm(graph: Graph, node: Node): boolean {
  const B = graph.tensors[node.inputs[1]!];
  const C = node.inputs[2] ? graph.tensors[node.inputs[2]] : undefined;
  const y = graph.tensors[node.outputs[0]!];
  if (!B?.data || B.dtype !== 'float32' || !y || y.shape.length !== 2) return false;
  if (attrInt(node, 'transA') === 1 || attrFloat(node, 'alpha') !== 1) return false;
  if (!C) return true;
  const n = y.shape[1]!;
  const biasShape = C.shape.length === 1 ? C.shape[0] === n : C.shape.length === 2 && C.shape[0] === 1 && C.shape[1] === n;
  return !!C.data && biasShape && attrFloat(node, 'beta') === 1;
}

const rowsAsConv = (m: number, k: number, n: number): BlockedConvShape => ({
  batch: 1, inH: 1, inW: m, cin: k, cout: n, kH: 1, kW: 1, strideH: 1, strideW: 1, dilH: 1, dilW: 1, padTop: 0, padLeft: 0, outH: 1, outW: m, xLayout: 'NHWC',
});

function lowerRows(ctx: LowerCtx, m: number, k: number, n: number, bAt: (kk: number, nn: number) => number, bias: string): string {
  const s = rowsAsConv(m, k, n);
  const b = chooseBlocking(s);
  const packed = packBlockedWeights(s, b.r, (oc, _kh, _kw, ic) => bAt(ic, oc));
  return blockedConvC(s, b, { x: ctx.arg(0), padv: '', w: ctx.constArray('w_blk', 'float', packed.map(cFloat)), bias, y: ctx.res(0), clamp: floatClamp(ctx.node) });
}

export function lowerBlockedGemm(ctx: LowerCtx): string {
  requireFloat(ctx);
  const node = ctx.node;
  const [m, n] = ctx.output(0).shape as [number, number];
  const B = ctx.input(1);
  const k = attrInt(node, 'transB') === 1 ? B.shape[1]! : B.shape[0]!;
  const tb = attrInt(node, 'transB') === 1;
  const bAt = (kk: number, nn: number) => B.data![tb ? nn * k + kk : kk * n + nn]!;
  return lowerRows(ctx, m, k, n, bAt, node.inputs[2] ? ctx.arg(2) : '');
}

/** MatMul with a constant 2-D B (every row of A times B). */
export function acceptsBlockedMatMul(graph: Graph, node: Node): boolean {
  const B = graph.tensors[node.inputs[1]!];
  return !!B?.data && B.dtype === 'float32' && B.shape.length === 2;
}

export function lowerBlockedMatMul(ctx: LowerCtx): string {
  requireFloat(ctx);
  const { m, k, n } = matmulBatches(ctx.node, ctx.input(0).shape, ctx.input(1).shape);
  const B = ctx.input(1).data!;
  return lowerRows(ctx, m, k, n, (kk, nn) => B[kk * n + nn]!, '');
}
