import { prepareAddQ, prepareConvQ, prepareGemmQ, prepareMulQ, preparePoolQ, prepareSoftmaxQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import { packSubByte } from '../../../ir/quant/subbyte.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import { withScratch, type LowerCtx, type Lowering } from '../lower/context.ts';
import { convQ, gemmQ, hasConstWeights } from '../lower/int8.ts';
import type { FastMode } from '../lower/int8-fast.ts';
import { lstmDeclineReason, lowerCmsisNnLstm } from './cmsis-nn-lstm.ts';
import { cmsisNnScratchBytes, isDepthwise, weightBitsOf } from './cmsis-nn-scratch.ts';
import { registerKernelSet, type KernelLowering } from './registry.ts';

// Calls into the user's CMSIS-NN (Arm's library, built with the firmware: see
// src/targets/cmsis-nn.ts), as TFLM's kernels/cmsis_nn/ do: the same prepared parameters
// as harc's kernels (src/ir/int8/prepare.ts), passed in CMSIS-NN's structs. CMSIS-NN requantizes
// as TFLite does, so its bytes equal the reference's. A node CMSIS-NN cannot run as harc's
// reference does (per-channel input zero points, folded pad values, broadcasting, HardSwish,
// recurrent layers…) declines and goes to the reference lowering (registry.ts). Scratch is each
// function's *_get_buffer_size* computed at compile time (cmsis-nn-scratch.ts).

const i32 = (v: number): string => cLiteral('int32', v);
const dims = (n: number, h: number, w: number, c: number): string => `{ ${n}, ${h}, ${w}, ${c} }`;
const sameShape = (g: Graph, n: Node): boolean => {
  const [a, b] = n.inputs.map((i) => g.tensors[i]!.shape.join('x'));
  return n.inputs.length === 2 && a === b && a === g.tensors[n.outputs[0]!]!.shape.join('x');
};
const quantizedIn = (g: Graph, n: Node): boolean =>
  n.inputs.filter(Boolean).every((i, k) => {
    const t = g.tensors[i]!;
    return k > 0 || (t.dtype === 'int8' && t.quant?.scale.length === 1);
  }) && g.tensors[n.outputs[0]!]!.dtype === 'int8';

/** The int32 bias array, or a zero one (CMSIS-NN reads the bias unconditionally in some paths). */
function biasOf(ctx: LowerCtx, cout: number): string {
  return ctx.node.inputs[2] ? ctx.arg(2) : ctx.constArray('bias0', 'int32_t', Array.from({ length: cout }, () => '0'));
}

/** int4 weights in CMSIS-NN's s4 layout (two per byte, low nibble first, the whole tensor as one
 * run: a row of odd length ends mid-byte), as signed bytes. */
function s4Filter(ctx: LowerCtx, suffix: string, values: ArrayLike<number>): string {
  return ctx.constArray(suffix, 'int8_t', Array.from(packSubByte(values, 4), (b) => String(b > 127 ? b - 256 : b)));
}

/** A `cmsis_nn_context` over this layer's planned scratch (none when the function needs none). */
function contextLine(ctx: LowerCtx, bytes: number): string {
  return bytes > 0 ? `  cmsis_nn_context ctx = { ${ctx.scratch(bytes)}, ${bytes} };` : '  cmsis_nn_context ctx = { 0, 0 };';
}

/** arm_depthwise_conv_wrapper_s4 runs arm_depthwise_conv_s4_opt (else arm_depthwise_conv_s4, whose
 * odd-input-channel path tracks the nibble of the next weight across taps and reads the wrong one
 * when padding cuts a window short: bytes differ from the reference, test/subbyte/cmsis-nn-s4.test.ts). */
const depthwiseS4Opt = (p: ConvQParams): boolean => p.cout === p.channels && p.batch === 1 && p.dilH === 1 && p.dilW === 1;

function acceptsConv(g: Graph, n: Node): boolean {
  // a channels-first input read in place (x_layout NCHW) goes to harc's kernels: CMSIS-NN reads NHWC
  if (!hasConstWeights(g, n) || !quantizedIn(g, n) || n.attrs['layout'] !== 'NHWC' || n.attrs['x_layout'] === 'NCHW') return false;
  // int2 weights: CMSIS-NN has no s2 kernel (harc's run them, packed)
  if (weightBitsOf(g, n) === 2) return false;
  const p = prepareConvQ(g, n);
  if (p.padQ || p.inZps) return false;
  // CMSIS-NN's 1x1 paths assume no padding at all (harc's explicit bottom / right pads included)
  if (p.kH === 1 && p.kW === 1 && p.padTop + p.padLeft + p.padBottom + p.padRight > 0) return false;
  if (weightBitsOf(g, n) === 4 && isDepthwise(p) && p.channels % 2 === 1 && !depthwiseS4Opt(p)) return false;
  return p.group === 1 || isDepthwise(p);
}

function lowerConv(ctx: LowerCtx, target: string): string {
  const p = prepareConvQ(ctx.graph, ctx.node);
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  const scratch = cmsisNnScratchBytes(target, ctx.graph, ctx.node);
  const tiles = `{ ${p.strideW}, ${p.strideH} }, { ${p.padLeft}, ${p.padTop} }`;
  const dil = `{ ${p.dilW}, ${p.dilH} }`;
  const act = `{ ${p.actMin}, ${p.actMax} }`;
  const common = [
    `  const cmsis_nn_per_channel_quant_params quant = { (int32_t *)${mult}, (int32_t *)${shift} };`,
    `  const cmsis_nn_dims in_dims = ${dims(p.batch, p.inH, p.inW, p.channels)};`,
    `  const cmsis_nn_dims bias_dims = ${dims(1, 1, 1, p.cout)};`,
    `  const cmsis_nn_dims out_dims = ${dims(p.batch, p.outH, p.outW, p.cout)};`,
  ];
  const bias = biasOf(ctx, p.cout);
  // int4 weights: the s4 functions, the filter packed in their layout
  const s = weightBitsOf(ctx.graph, ctx.node) === 4 ? 's4' : 's8';
  if (isDepthwise(p)) {
    // CMSIS-NN's depthwise filter is [1, kH, kW, cout]; harc's is [cout, kH, kW, 1]
    const w = ctx.graph.tensors[ctx.node.inputs[1]!]!.data!;
    const taps = p.kH * p.kW;
    const hwc = Array.from({ length: taps * p.cout }, (_, i) => Number(w[(i % p.cout) * taps + Math.floor(i / p.cout)]!));
    const filter = s === 's4' ? s4Filter(ctx, 'w4_hwc', hwc) : ctx.constArray('w_hwc', 'int8_t', hwc.map(String));
    return [
      `  /* CMSIS-NN arm_depthwise_conv_wrapper_${s}: ${p.kH}x${p.kW}, ${p.channels} -> ${p.cout} channels (multiplier ${p.cout / p.channels}) */`,
      contextLine(ctx, scratch),
      `  const cmsis_nn_dw_conv_params params = { ${i32(-p.inZp)}, ${i32(p.outZp)}, ${p.cout / p.channels}, ${tiles}, ${dil}, ${act} };`,
      ...common,
      `  const cmsis_nn_dims filter_dims = ${dims(1, p.kH, p.kW, p.cout)};`,
      `  (void)arm_depthwise_conv_wrapper_${s}(&ctx, &params, &quant, &in_dims, ${ctx.arg(0)}, &filter_dims, ${filter}, &bias_dims, ${bias}, &out_dims, ${ctx.res(0)});`,
      '',
    ].join('\n');
  }
  // OHWI: harc's layout, packed as a whole for s4
  const filter = s === 's4' ? s4Filter(ctx, 'w4', ctx.graph.tensors[ctx.node.inputs[1]!]!.data!) : ctx.arg(1);
  return [
    `  /* CMSIS-NN arm_convolve_wrapper_${s}: ${p.kH}x${p.kW} stride ${p.strideH},${p.strideW}, ${p.channels} -> ${p.cout} channels */`,
    contextLine(ctx, scratch),
    `  const cmsis_nn_conv_params params = { ${i32(-p.inZp)}, ${i32(p.outZp)}, ${tiles}, ${dil}, ${act} };`,
    ...common,
    `  const cmsis_nn_dims filter_dims = ${dims(p.cout, p.kH, p.kW, p.channels)};`,
    `  (void)arm_convolve_wrapper_${s}(&ctx, &params, &quant, &in_dims, ${ctx.arg(0)}, &filter_dims, ${filter}, &bias_dims, ${bias}, &out_dims, ${ctx.res(0)});`,
    '',
  ].join('\n');
}

/** One multiplier and shift for every output channel: CMSIS-NN's per-tensor fully connected. */
const perTensor = (p: { mult: number[]; shift: number[] }): boolean => p.mult.every((m) => m === p.mult[0]) && p.shift.every((s) => s === p.shift[0]);

function acceptsGemm(g: Graph, n: Node): boolean {
  if (!hasConstWeights(g, n) || !quantizedIn(g, n) || g.tensors[n.inputs[1]!]!.shape.length !== 2) return false;
  const p = prepareGemmQ(g, n);
  const bits = weightBitsOf(g, n);
  // int4: arm_fully_connected_s4 is per-tensor only in CMSIS-NN; int2: no s2 kernel
  return !p.inZps && (bits === 8 || (bits === 4 && perTensor(p)));
}

function lowerGemm(ctx: LowerCtx): string {
  const p = prepareGemmQ(ctx.graph, ctx.node);
  // CMSIS-NN's fully connected filter is [N, K] (one row per output), harc's Gemm transB layout
  const w = ctx.graph.tensors[ctx.node.inputs[1]!]!.data!;
  const nk = (): number[] => Array.from({ length: p.n * p.k }, (_, i) => Number(w[(i % p.k) * p.n + Math.floor(i / p.k)]!));
  const s4 = weightBitsOf(ctx.graph, ctx.node) === 4;
  let filter = s4 ? s4Filter(ctx, p.transB ? 'w4' : 'w4_nk', p.transB ? w : nk()) : ctx.arg(1);
  if (!s4 && !p.transB) filter = ctx.constArray('w_nk', 'int8_t', nk().map(String));
  const tensorQuant = perTensor(p);
  const quant = tensorQuant
    ? `  const cmsis_nn_per_tensor_quant_params quant = { ${i32(p.mult[0]!)}, ${p.shift[0]} };`
    : `  const cmsis_nn_per_channel_quant_params quant = { (int32_t *)${ctx.constArray('mult', 'int32_t', p.mult.map(i32))}, (int32_t *)${ctx.constArray('shift', 'int32_t', p.shift.map(String))} };`;
  const fn = s4 ? 'arm_fully_connected_s4' : tensorQuant ? 'arm_fully_connected_s8' : 'arm_fully_connected_per_channel_s8';
  return [
    `  /* CMSIS-NN ${fn}: [${p.rows}x${p.k}] -> [${p.rows}x${p.n}] */`,
    '  cmsis_nn_context ctx = { 0, 0 };',
    `  const cmsis_nn_fc_params params = { ${i32(-p.inZp)}, 0, ${i32(p.outZp)}, { ${p.actMin}, ${p.actMax} } };`,
    quant,
    `  const cmsis_nn_dims in_dims = ${dims(p.rows, 1, 1, p.k)};`,
    `  const cmsis_nn_dims filter_dims = ${dims(p.k, 1, 1, p.n)};`,
    `  const cmsis_nn_dims bias_dims = ${dims(1, 1, 1, p.n)};`,
    `  const cmsis_nn_dims out_dims = ${dims(p.rows, 1, 1, p.n)};`,
    `  (void)${fn}(&ctx, &params, &quant, &in_dims, ${ctx.arg(0)}, &filter_dims, ${filter}, &bias_dims, ${biasOf(ctx, p.n)}, &out_dims, ${ctx.res(0)});`,
    '',
  ].join('\n');
}

function acceptsPool(g: Graph, n: Node): boolean {
  if (!quantizedIn(g, n) || n.attrs['layout'] !== 'NHWC') return false;
  const p = preparePoolQ(g, n);
  // CMSIS-NN averages over the window's in-bounds taps only and has no dilation
  return p.dilH === 1 && p.dilW === 1 && (p.isMax || !p.includePad);
}

function lowerPool(ctx: LowerCtx, target: string): string {
  const p = preparePoolQ(ctx.graph, ctx.node);
  const fn = p.isMax ? 'arm_max_pool_s8' : 'arm_avgpool_s8';
  return [
    `  /* CMSIS-NN ${fn}: ${p.kH}x${p.kW} stride ${p.strideH},${p.strideW} over ${p.channels} channels */`,
    contextLine(ctx, cmsisNnScratchBytes(target, ctx.graph, ctx.node)),
    `  const cmsis_nn_pool_params params = { { ${p.strideW}, ${p.strideH} }, { ${p.padLeft}, ${p.padTop} }, { ${p.actMin}, ${p.actMax} } };`,
    `  const cmsis_nn_dims in_dims = ${dims(p.batch, p.inH, p.inW, p.channels)};`,
    `  const cmsis_nn_dims filter_dims = ${dims(1, p.kH, p.kW, 1)};`,
    `  const cmsis_nn_dims out_dims = ${dims(p.batch, p.outH, p.outW, p.channels)};`,
    `  (void)${fn}(&ctx, &params, &in_dims, ${ctx.arg(0)}, &filter_dims, &out_dims, ${ctx.res(0)});`,
    '',
  ].join('\n');
}

const count = (ctx: LowerCtx): number => ctx.output(0).shape.reduce((a, b) => a * b, 1);

function lowerAdd(ctx: LowerCtx): string {
  const p = prepareAddQ(ctx.graph, ctx.node);
  const args = [p.input1Offset, p.input1Multiplier, p.input1Shift, p.input2Offset, p.input2Multiplier, p.input2Shift, p.leftShift].map(i32).join(', ');
  const out = [p.outputOffset, p.outputMultiplier, p.outputShift, p.activationMin, p.activationMax].map(i32).join(', ');
  return `  /* CMSIS-NN arm_elementwise_add_s8 */\n  (void)arm_elementwise_add_s8(${ctx.arg(0)}, ${ctx.arg(1)}, ${args}, ${ctx.res(0)}, ${out}, ${count(ctx)});\n`;
}

function lowerMul(ctx: LowerCtx): string {
  const p = prepareMulQ(ctx.graph, ctx.node);
  const out = [p.outputOffset, p.outputMultiplier, p.outputShift, p.activationMin, p.activationMax].map(i32).join(', ');
  return `  /* CMSIS-NN arm_elementwise_mul_s8 */\n  (void)arm_elementwise_mul_s8(${ctx.arg(0)}, ${ctx.arg(1)}, ${i32(p.input1Offset)}, ${i32(p.input2Offset)}, ${ctx.res(0)}, ${out}, ${count(ctx)});\n`;
}

function lowerSoftmax(ctx: LowerCtx): string {
  const p = prepareSoftmaxQ(ctx.graph, ctx.node);
  return `  /* CMSIS-NN arm_softmax_s8: ${p.rows} rows of ${p.depth} */\n  arm_softmax_s8(${ctx.arg(0)}, ${p.rows}, ${p.depth}, ${i32(p.inputMultiplier)}, ${p.inputLeftShift}, ${i32(p.diffMin)}, ${ctx.res(0)});\n`;
}

const elementwise = (g: Graph, n: Node): boolean => quantizedIn(g, n) && sameShape(g, n);

/** Per op: which nodes CMSIS-NN runs, and the call that runs them. */
const CALLS: Record<string, { accepts: (g: Graph, n: Node) => boolean; lower: (ctx: LowerCtx, target: string) => string }> = {
  Conv: { accepts: acceptsConv, lower: lowerConv },
  Gemm: { accepts: acceptsGemm, lower: lowerGemm },
  MatMul: { accepts: acceptsGemm, lower: lowerGemm },
  MaxPool: { accepts: acceptsPool, lower: lowerPool },
  AveragePool: { accepts: acceptsPool, lower: lowerPool },
  Add: { accepts: elementwise, lower: lowerAdd },
  Mul: { accepts: elementwise, lower: lowerMul },
  Softmax: { accepts: quantizedIn, lower: lowerSoftmax },
  TFLiteLSTM: { accepts: (g, n) => !lstmDeclineReason(g, n), lower: lowerCmsisNnLstm },
};

/** Whether `node` runs in CMSIS-NN under the cmsis-nn set (else in harc's kernels): for `inspect`. */
export function runsInCmsisNn(g: Graph, n: Node): boolean {
  return !!CALLS[n.op]?.accepts(g, n);
}

/** `inspect`'s kernels column: 'cmsis-nn', or 'harc' with the reason where the set explains why
 * CMSIS-NN declines (the LSTM, whose acceptance depends on its weights). */
export function cmsisNnKernelLabel(g: Graph, n: Node): string {
  if (runsInCmsisNn(g, n)) return 'cmsis-nn';
  const why = n.op === 'TFLiteLSTM' ? lstmDeclineReason(g, n) : undefined;
  return why ? `harc (${why})` : 'harc';
}

// harc's optimized path of the target (as the `harc` set) for the Conv / Gemm / MatMul nodes
// CMSIS-NN declines; the other ops' harc kernels are the reference ones (the registry's fallback).
const HARC_PATH: Record<string, FastMode> = { 'cortex-m4': 'dsp', riscv: 'opt' };

/** The CMSIS-NN call where it accepts the node, else harc's optimized lowering (if any). */
function lowering(target: string, op: string, harc: Lowering | undefined): KernelLowering {
  const { accepts, lower } = CALLS[op]!;
  return Object.assign(
    withScratch(
      (ctx) => (accepts(ctx.graph, ctx.node) ? lower(ctx, target) : harc!(ctx)),
      (g, n) => (accepts(g, n) ? cmsisNnScratchBytes(target, g, n) : (harc?.scratchBytes?.(g, n) ?? 0)),
    ),
    { accepts: (g: Graph, n: Node) => accepts(g, n) || (!!harc && hasConstWeights(g, n)) },
  );
}

function table(target: string): Record<string, KernelLowering> {
  const mode = HARC_PATH[target];
  const harc: Record<string, Lowering> = mode ? { Conv: convQ(mode), Gemm: gemmQ(mode), MatMul: gemmQ(mode) } : {};
  return Object.fromEntries(Object.keys(CALLS).map((op) => [op, lowering(target, op, harc[op])]));
}

const tables = new Map<string, Record<string, KernelLowering>>();

registerKernelSet({
  name: 'cmsis-nn',
  summary: "calls into the user's CMSIS-NN (--cmsis-nn DIR or CMSIS_NN_PATH); what it lacks runs harc's kernels",
  runtimeHeaders: ['harc_fixedpoint.h', 'harc_int8_kernels.h', 'harc_cmsis_nn.h'],
  weightLayout: "CMSIS-NN's: conv OHWI as harc's, depthwise [1, kH, kW, C] and fully connected [N, K] re-packed copies; int4 packed two per byte (s4)",
  int8: (target) => {
    if (!tables.has(target)) tables.set(target, table(target));
    return tables.get(target)!;
  },
});
