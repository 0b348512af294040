import { prepareConvQ, prepareMulQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import { numel } from '../../../ir/shape.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cloneGraph, producerOf, singleConsumer } from '../../../passes/rewrite.ts';
import { cLiteral } from '../c-literals.ts';
import type { LowerCtx } from './context.ts';
import { epilogueTable, unfused } from './int8-epilogue.ts';
import { dspK, fastRequant, foldedBias, intData, packS8Weights } from './int8-fast.ts';
import { fastAddMulAccepts, mulOutput } from './int8-fast-elementwise.ts';
import { addEpilogue } from './int8-residual-add.ts';

// The squeeze-excitation gate's broadcast Mul folded into its consumer (kernel set `harc`, Cortex-M
// DSP): y = Conv1x1(Mul(x, gate)) with gate one value per channel. The Mul's int8 output is what the
// Conv must read, so each pixel's gated row is computed (TFLite's MulElementwise, the expression of
// the optimized Mul layer: the same bytes) into the patch buffer the pointwise Conv's matrix kernel
// reads, pixel pair by pixel pair: the gated [pixels, channels] tensor never exists, and the Mul
// layer's separate loop over memory is gone. Per channel, G = gate + its offset and B = (the other
// input's offset) · G are computed once per inference, so each product (x + offset) · G is one
// multiply-add x · G + B (the same int32: |x|, |G| < 2^8, no wrap).

/** Attribute of a Conv with a folded gate Mul: the Mul's output (the Conv's int8 input). */
export const GATE_OF = 'harc_gate_of';
/** Attribute: 1 when the gate was the Mul's first input (its offset is then input1's). */
const GATE_FIRST = 'harc_gate_first';
/** Attribute: the Mul's parameters (input1Offset, input2Offset, outputOffset, multiplier, shift, min, max). */
const GATE_PARAMS = 'harc_gate_params';

const i32 = (v: number): string => cLiteral('int32', v);

/** The Conv as its own parameters are computed: reading the Mul's output (and writing its own
 * int8 output when a table epilogue is fused too). */
export const ungated = (n: Node): Node => {
  const u = unfused(n);
  return typeof u.attrs[GATE_OF] === 'string' ? { ...u, inputs: [u.attrs[GATE_OF], u.inputs[1]!, u.inputs[2]!] } : u;
};

/** A Conv whose patch is one pixel's channels, read in place (1x1, stride 1, no padding, one group). */
function pointwise(p: ConvQParams): boolean {
  return p.kH === 1 && p.kW === 1 && p.strideH === 1 && p.strideW === 1 && p.group === 1 && p.padTop + p.padLeft + p.padBottom + p.padRight === 0 && !p.padQ && !p.inZps;
}

/** Which input of a Mul is a per-channel gate (shape [.., 1, C] against [.., P, C]), if one is. */
function gateIndex(g: Graph, mul: Node): number | undefined {
  const [a, b] = mul.inputs.map((i) => g.tensors[i]!.shape);
  const out = g.tensors[mul.outputs[0]!]!.shape;
  const C = out[out.length - 1]!;
  const isGate = (s: number[]): boolean => numel(s) === C && s[s.length - 1] === C && numel(out) > C;
  const full = (s: number[]): boolean => numel(s) === numel(out);
  if (isGate(b!) && full(a!)) return 1;
  if (isGate(a!) && full(b!)) return 0;
  return undefined;
}

/** Folds every gate Mul read only by a pointwise Conv that `canFuse` runs on the DSP path. */
export function fuseGateMuls(graph: Graph, canFuse: (g: Graph, conv: Node) => boolean): Graph {
  let g: Graph | undefined;
  for (const mul of graph.nodes) {
    if (mul.op !== 'Mul' || mul.inputs.length !== 2 || !fastAddMulAccepts(graph, mul)) continue;
    const gi = gateIndex(graph, mul);
    const mid = mul.outputs[0]!;
    const conv = singleConsumer(graph, mid);
    if (gi === undefined || !conv || conv.op !== 'Conv' || conv.inputs[0] !== mid || conv.inputs.length !== 3 || !conv.inputs[2]) continue;
    if (typeof conv.attrs[GATE_OF] === 'string' || !canFuse(graph, conv) || !pointwise(prepareConvQ(graph, conv))) continue;
    if (producerOf(graph, mid) !== mul) continue;
    g ??= cloneGraph(graph);
    const p = prepareMulQ(graph, mul);
    const c = g.nodes.find((n) => n.name === conv.name)!;
    c.inputs = [mul.inputs[1 - gi]!, conv.inputs[1]!, conv.inputs[2]!, mul.inputs[gi]!];
    c.attrs[GATE_OF] = mid;
    c.attrs[GATE_FIRST] = gi === 0 ? 1 : 0;
    c.attrs[GATE_PARAMS] = [p.input1Offset, p.input2Offset, p.outputOffset, p.outputMultiplier, p.outputShift, p.activationMin, p.activationMax];
    g.nodes = g.nodes.filter((n) => n.name !== mul.name);
  }
  return g ?? graph;
}

export const isGated = (n: Node): boolean => typeof n.attrs[GATE_OF] === 'string';

/** Scratch of a gated Conv: the widened patches, the per-channel G and B, the two gated rows. */
export const gatedScratchBytes = (p: ConvQParams): number => 4 * dspK(p.channels) + 8 * p.channels + 2 * p.channels;

/** The C body of a gated pointwise Conv (DSP path; harc_s8_mat2 / harc_s8_mat1 on the gated rows,
 * their table variants when a table epilogue is fused too). */
export function gatedConvBody(ctx: LowerCtx): string {
  const node = ctx.node;
  const p = prepareConvQ(ctx.graph, ungated(node));
  const [in1, in2, outOff, m, s, lo, hi] = node.attrs[GATE_PARAMS] as number[];
  const out = mulOutput({ outputOffset: outOff!, outputMultiplier: m!, outputShift: s!, activationMin: lo!, activationMax: hi! });
  const gateFirst = node.attrs[GATE_FIRST] === 1;
  const [gateOff, xOff] = gateFirst ? [in1!, in2!] : [in2!, in1!];
  const wdata = intData(ctx, 1)!;
  const C = p.channels;
  const K = C;
  const w = (oc: number, k: number): number => Number(wdata[oc * K + k]);
  const bias = foldedBias(intData(ctx, 2), p.cout, K, w, () => p.inZp);
  const table = epilogueTable(node);
  const lut = table ? ctx.constArray('lut', 'int8_t', table.map(String)) : undefined;
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  const buf = ctx.scratch(gatedScratchBytes(p), 'int32_t');
  const x = ctx.arg(0);
  const gate = ctx.arg(3);
  const y = ctx.res(0);
  const pix = p.outH * p.outW;
  const ep = addEpilogue(ctx);
  const withEp = lut !== undefined || ep.decl.length > 0;
  const k = withEp ? '_ep' : '';
  const tail = `${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, ${fastRequant(p.mult, p.shift) ? 1 : 0}, ${buf}${withEp ? `, ${lut ?? '(const int8_t *)0'}, ${ep.arg}` : ''}`;
  // one gated byte from the product: SSAT when the Mul's clamp is the int8 range (the same value)
  const full = lo === -128 && hi === 127;
  const rq = fastRequant([m!], [s!]) ? 'harc_s8_requant_fast' : 'harc_s8_requant';
  const gated = (prod: string): string => (full ? `(int8_t)__ssat(harc_wrap_add32(${i32(outOff!)}, ${rq}(${prod}, ${i32(m!)}, ${s})), 8)` : out(prod));
  // both pixels' rows in one pass over the channels (G and B loaded once)
  const rows = (qs: string[], bs: string[]): string =>
    `for (int c = 0; c < ${C}; ++c) { const int32_t g = gm[c], b = gb[c]; ${qs.map((q, i) => `${bs[i]}[c] = ${gated(`(int32_t)xn[(${q}) * ${C} + c] * g + b`)};`).join(' ')} }`;
  return [
    '#if !defined(HARC_INT8_DSP)',
    '#error "model.c was generated with --kernels harc for the dsp path; regenerate it for this core (or with --kernels portable)"',
    '#endif',
    `  /* pointwise Conv on the SE gate's broadcast Mul, folded in (int8-gate-mul.ts): each pixel's gated row computed into the patch buffer${table ? `; the fused ${String(node.attrs['harc_epilogue_op'])} table applied as each output is written` : ''} */`,
    ...ep.decl,
    `  const int8_t *const wq = ${ctx.constArray('wdsp', 'int8_t', packS8Weights(w, p.cout, K, 'dsp').map(String))};`,
    `  const int32_t *const bq = ${ctx.constArray('biasf', 'int32_t', bias.map(i32))};`,
    `  int32_t *const gm = ${buf} + ${dspK(K)};`,
    `  int32_t *const gb = gm + ${C};`,
    `  int8_t *const b0 = (int8_t *)(gb + ${C});`,
    `  int8_t *const b1 = b0 + ${K};`,
    `  (void)b1;`,
    `  for (int n = 0; n < ${p.batch}; ++n) {`,
    `    const int8_t *const xn = ${x} + n * ${pix * C};`,
    `    for (int c = 0; c < ${C}; ++c) {`,
    `      gm[c] = (int32_t)${gate}[c] + ${i32(gateOff)};`,
    `      gb[c] = ${i32(xOff)} * gm[c];`,
    '    }',
    `    int8_t *const yn = ${y} + n * ${pix * p.cout};`,
    ...(pix >= 2
      ? [
          `    for (int q = 0; q + 1 < ${pix}; q += 2) {`,
          `      ${rows(['q', 'q + 1'], ['b0', 'b1'])}`,
          `      harc_s8_mat2${k}(wq, bq, ${mult}, ${shift}, ${p.cout}, ${K}, b0, b1, yn + q * ${p.cout}, yn + (q + 1) * ${p.cout}, ${tail});`,
          '    }',
        ]
      : []),
    ...(pix % 2 === 1
      ? ['    {', `      ${rows([String(pix - 1)], ['b0'])}`, `      harc_s8_mat1${k}(wq, bq, ${mult}, ${shift}, ${p.cout}, ${K}, b0, yn + ${pix - 1} * ${p.cout}, ${tail});`, '    }']
      : []),
    '  }',
    '',
  ].join('\n');
}

