import { inputError } from '../../../ir/errors.ts';
import {
  isQuantized,
  prepareAddQ,
  prepareConcatQ,
  prepareConvQ,
  prepareGemmQ,
  prepareHardSwishQ,
  prepareLogisticTanhQ,
  prepareLutQ,
  prepareMeanQ,
  prepareMulQ,
  preparePoolQ,
  prepareSoftmaxQ,
} from '../../../ir/int8/prepare.ts';
import '../../../ir/ops/index.ts';
import { attrInt, registeredOps, traitsOf } from '../../../ir/registry.ts';
import { normAxis, stridesOf } from '../../../ir/shape.ts';
import { cUnpackExpr, packSubByte } from '../../../ir/quant/subbyte.ts';
import type { Graph, Node, Tensor } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import { broadcastStrides, contiguous, loopNest } from '../loop-nest.ts';
import { render } from '../templates.ts';
import { withScratch, type LowerCtx, type Lowering } from './context.ts';
import { fastConvQ, fastConvScratchBytes, fastGemmQ, fastGemmScratchBytes, fastWeightBits, type FastMode } from './int8-fast.ts';
import { lowerRecurrentQ, recurrentQScratchBytes } from './int8-recurrent.ts';
import { concatPieces, lowerConcat, lowerCopy, lowerExpand, lowerGather, lowerPad, lowerSlice, lowerTranspose } from './data-movement.ts';
import { lowerTfliteLstmQ, tfliteLstmQScratchBytes } from './tflite-lstm.ts';
import { lowerRequantizeQ } from './quantize.ts';
import { lowerTfliteSvdfQ, tfliteSvdfQScratchBytes } from './tflite-svdf.ts';

// Integer kernels (TFLite int8 semantics, bit-exact with src/ir/int8/interpret.ts). Every
// requantization constant is computed at compile time by src/ir/int8/prepare.ts and emitted as a
// literal or a const array; the run-time arithmetic is harc_fixedpoint.h.

const i32 = (v: number): string => cLiteral('int32', v);

/** Only 8-bit activations have C kernels so far (the IR carries the bit width as data). */
function require8(ctx: LowerCtx): void {
  const t = ctx.output(0);
  if (!isQuantized(t) || t.quant!.bits !== 8 || t.dtype !== 'int8')
    throw inputError(`node '${ctx.node.name}' (${ctx.node.op}): the C backend has integer kernels for 8-bit tensors only (got ${t.dtype}, ${t.quant?.bits ?? '?'} bits)`);
  ctx.node.inputs.forEach((n, i) => {
    if (!n) return;
    const x = ctx.input(i);
    if (i === 1 && subByteBitsOf(x) && ['Conv', 'Gemm', 'MatMul'].includes(ctx.node.op)) return; // packed weights (subByteWeights)
    if (x.quant && x.quant.bits !== 8 && x.dtype !== 'int32')
      throw inputError(`node '${ctx.node.name}' (${ctx.node.op}): ${x.quant.bits}-bit input '${x.name}' has no C kernel yet`);
  });
}

/** The weights (input 1) are a compile-time constant: what the optimized paths need. */
export const hasConstWeights = (g: Graph, n: Node): boolean => !!(n.inputs[1] && g.tensors[n.inputs[1]]?.data);

/** Constant 8-bit weights: what the int8 optimized paths take (sub-byte weights go to the
 * reference kernel, which reads them packed). */
export const hasConstInt8Weights = (g: Graph, n: Node): boolean => hasConstWeights(g, n) && !subByteBitsOf(g.tensors[n.inputs[1]!]!);

/** Constant weights of a width the optimized kernels of `path` take (fastWeightBits: 8, and 4 on
 * the Cortex-M DSP path); other sub-byte weights go to the reference kernel. */
export const hasConstFastWeights =
  (path: FastMode) =>
  (g: Graph, n: Node): boolean =>
    hasConstWeights(g, n) && fastWeightBits(subByteBitsOf(g.tensors[n.inputs[1]!]!) ?? 8, path);

/** 4 or 2 for a constant weight tensor stored packed, else undefined. */
const subByteBitsOf = (t: Tensor): 4 | 2 | undefined => (t.data && (t.quant?.bits === 4 || t.quant?.bits === 2) ? t.quant.bits : undefined);

/** Sub-byte weights: the packed const array and the C expression of weight `index`; undefined
 * for 8-bit weights (the template then reads `w` as int8_t). */
function subByteWeights(ctx: LowerCtx): { w: string; at: (index: string) => string; bits: number } | undefined {
  const t = ctx.input(1);
  const bits = subByteBitsOf(t);
  if (!bits) return undefined;
  const packed = packSubByte(t.data as ArrayLike<number>, bits);
  const w = ctx.constArray(`w${bits}`, 'uint8_t', Array.from(packed, (b) => `0x${b.toString(16).padStart(2, '0')}`));
  return { w, at: (index) => cUnpackExpr(w, index, bits), bits };
}

/** int8 Conv: the reference kernel alone, or with the optimized paths of `mode` (int8-fast.ts). */
export const convQ = (mode: FastMode | 'reference'): Lowering =>
  withScratch(
    (ctx) => lowerConvQ(ctx, mode),
    (g, n) => (mode === 'reference' ? 0 : fastConvScratchBytes(prepareConvQ(g, n), hasConstWeights(g, n))),
  );

/** int8 Gemm / MatMul, as convQ. */
export const gemmQ = (mode: FastMode | 'reference'): Lowering =>
  withScratch(
    (ctx) => lowerGemmQ(ctx, mode),
    (g, n) => (mode === 'reference' ? 0 : fastGemmScratchBytes(prepareGemmQ(g, n), hasConstWeights(g, n))),
  );

function lowerConvQ(ctx: LowerCtx, mode: FastMode | 'reference'): string {
  require8(ctx);
  const p = prepareConvQ(ctx.graph, ctx.node);
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  const sub = subByteWeights(ctx);
  const reference = (): string => render('kernels/int8/conv.c', {
    ...p,
    x: ctx.arg(0),
    w: sub ? '' : ctx.arg(1),
    wbits: sub?.bits,
    wsub: sub?.at('wo + ic'),
    bias: ctx.node.inputs[2] ? ctx.arg(2) : '',
    y: ctx.res(0),
    cin: p.channels,
    coutPerGroup: p.cout / p.group,
    grouped: p.group > 1,
    padv: p.padQ ? ctx.constArray('padq', 'int8_t', p.padQ.map(String)) : '',
    zps: p.inZps ? ctx.constArray('inzp', 'int32_t', p.inZps.map(String)) : '',
    mult,
    shift,
    inSize: p.inH * p.inW * p.channels,
    outSize: p.outH * p.outW * p.cout,
    plane: p.inH * p.inW,
  });
  return mode === 'reference' || (sub && !fastWeightBits(sub.bits, mode)) ? reference() : fastConvQ(ctx, p, mult, shift, reference, mode, sub?.bits);
}

function lowerGemmQ(ctx: LowerCtx, mode: FastMode | 'reference'): string {
  require8(ctx);
  const p = prepareGemmQ(ctx.graph, ctx.node);
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  const sub = subByteWeights(ctx);
  const reference = (): string => render('kernels/int8/gemm.c', {
    ...p,
    op: ctx.node.op,
    x: ctx.arg(0),
    w: sub ? '' : ctx.arg(1),
    wbits: sub?.bits,
    wsubT: sub?.at('j * ' + p.k + ' + p'),
    wsubN: sub?.at('p * ' + p.n + ' + j'),
    bias: ctx.node.inputs[2] ? ctx.arg(2) : '',
    y: ctx.res(0),
    zps: p.inZps ? ctx.constArray('inzp', 'int32_t', p.inZps.map(String)) : '',
    mult,
    shift,
  });
  return mode === 'reference' || (sub && !fastWeightBits(sub.bits, mode)) ? reference() : fastGemmQ(ctx, p, mult, shift, reference, mode, sub?.bits);
}

function lowerPoolQ(ctx: LowerCtx): string {
  require8(ctx);
  if (ctx.node.attrs['layout'] !== 'NHWC') throw new Error(`node '${ctx.node.name}': ${ctx.node.op} reached the C backend in channels-first layout`);
  const p = preparePoolQ(ctx.graph, ctx.node);
  return render('kernels/int8/pool.c', {
    ...p,
    x: ctx.arg(0),
    y: ctx.res(0),
    inSize: p.inH * p.inW * p.channels,
    outSize: p.outH * p.outW * p.channels,
    padH: p.inH + p.padBottom,
    padW: p.inW + p.padRight,
  });
}

function lowerMeanQ(ctx: LowerCtx): string {
  require8(ctx);
  const p = prepareMeanQ(ctx.graph, ctx.node);
  return render('kernels/int8/mean.c', { ...p, op: ctx.node.op, mult: i32(p.mult), half: Math.trunc(p.count / 2), x: ctx.arg(0), y: ctx.res(0) });
}

/** An elementwise loop (numpy broadcasting as compile-time strides) with per-element statements. */
export function elementwise(ctx: LowerCtx, decls: string[], expr: (a: string, b: string) => string, nIn: 1 | 2): string {
  const shape = ctx.output(0).shape;
  const ops = [contiguous(shape), { strides: broadcastStrides(ctx.input(0).shape, shape), base: 0 }];
  if (nIn === 2) ops.push({ strides: broadcastStrides(ctx.input(1).shape, shape), base: 0 });
  const nest = loopNest(shape, ops);
  const a = `${ctx.arg(0)}[${nest.index[1]}]`;
  const b = nIn === 2 ? `${ctx.arg(1)}[${nest.index[2]}]` : '';
  return render('kernels/loop-nest.c', { decls, loops: nest.loops, statements: [`${ctx.res(0)}[${nest.index[0]}] = ${expr(a, b)};`] });
}

function lowerAddQ(ctx: LowerCtx): string {
  require8(ctx);
  const p = prepareAddQ(ctx.graph, ctx.node);
  const init = [p.input1Offset, p.input2Offset, p.outputOffset, p.leftShift, p.input1Multiplier, p.input1Shift, p.input2Multiplier, p.input2Shift, p.outputMultiplier, p.outputShift, p.activationMin, p.activationMax].map(i32).join(', ');
  return elementwise(ctx, [`static const harc_add_params p = { ${init} }; /* TFLite int8 ${ctx.node.op} */`], (a, b) => `harc_add_s8(${a}, ${b}, &p)`, 2);
}

function lowerMulQ(ctx: LowerCtx): string {
  require8(ctx);
  const p = prepareMulQ(ctx.graph, ctx.node);
  const init = [p.input1Offset, p.input2Offset, p.outputOffset, p.outputMultiplier, p.outputShift, p.activationMin, p.activationMax].map(i32).join(', ');
  return elementwise(ctx, [`static const harc_mul_params p = { ${init} }; /* TFLite int8 MUL */`], (a, b) => `harc_mul_s8(${a}, ${b}, &p)`, 2);
}

function lowerLogisticTanhQ(ctx: LowerCtx): string {
  require8(ctx);
  const p = prepareLogisticTanhQ(ctx.graph, ctx.node);
  const fn = ctx.node.op === 'Sigmoid' ? 'harc_logistic_s8' : 'harc_tanh_s8';
  return elementwise(ctx, [], (a) => `${fn}(${a}, ${i32(p.inputZeroPoint)}, ${i32(p.inputRangeRadius)}, ${i32(p.inputMultiplier)}, ${p.inputLeftShift})`, 1);
}

function lowerHardSwishQ(ctx: LowerCtx): string {
  require8(ctx);
  const p = prepareHardSwishQ(ctx.graph, ctx.node);
  const init = [p.inputZeroPoint, p.outputZeroPoint, p.reluishMultiplierExponent, p.reluishMultiplierFixedpointInt16, p.outputMultiplierExponent, p.outputMultiplierFixedpointInt16].map(i32).join(', ');
  return elementwise(ctx, [`static const harc_hard_swish_params p = { ${init} }; /* TFLite int8 HARD_SWISH */`], (a) => `harc_hard_swish_s8(${a}, &p)`, 1);
}

function lowerLutQ(ctx: LowerCtx): string {
  require8(ctx);
  const table = ctx.constArray('lut', 'int8_t', prepareLutQ(ctx.graph, ctx.node).map(String));
  return elementwise(ctx, [`/* ${ctx.node.op} as a 256-entry table indexed by the int8 input */`], (a) => `${table}[(int32_t)${a} + 128]`, 1);
}

function lowerSoftmaxQ(ctx: LowerCtx): string {
  // int8 → int16 (TFLM): the row kernel writes the int16 output
  const out16 = ctx.output(0).dtype === 'int16';
  if (!out16) require8(ctx);
  const p = prepareSoftmaxQ(ctx.graph, ctx.node);
  const axis = normAxis(attrInt(ctx.node, 'axis', -1), ctx.input(0).shape.length);
  void axis;
  const out = (r: string): string => (out16 ? `(int8_t *)0, ${ctx.res(0)} + ${r}` : `${ctx.res(0)} + ${r}, (int16_t *)0`);
  return [
    `  /* TFLite int8 SOFTMAX over rows of ${p.depth}: output ${out16 ? 'int16, scale 1/65536, zero point -32768' : 'scale 1/256, zero point -128'} */`,
    `  for (int r = 0; r < ${p.rows}; ++r)`,
    `    harc_softmax_s8_row(${ctx.arg(0)} + r * ${p.depth}, ${p.depth}, ${i32(p.inputMultiplier)}, ${p.inputLeftShift}, ${i32(p.diffMin)}, ${out16 ? 16 : 8}, ${out(`r * ${p.depth}`)});`,
    '',
  ].join('\n');
}

/** Concat: inputs already at the output's parameters are copied, others requantized. */
function lowerConcatQ(ctx: LowerCtx): string {
  require8(ctx);
  const ps = prepareConcatQ(ctx.graph, ctx.node);
  if (ps.every((p) => p.identity)) return lowerConcat(ctx);
  return concatPieces(ctx, (i, shape, slice) => {
    const p = ps[i]!;
    const nest = loopNest(shape, [slice, contiguous(shape)]);
    const src = `${ctx.arg(i)}[${nest.index[1]}]`;
    const v = p.identity ? src : `(int8_t)harc_clamp32(harc_mbqm((int32_t)${src} - (${p.inZp}), ${i32(p.mult)}, ${p.shift}) + (${p.outZp}), ${p.outMin}, ${p.outMax})`;
    return render('kernels/loop-nest.c', { decls: [], loops: nest.loops, statements: [`${ctx.res(0)}[${nest.index[0]}] = ${v};`] });
  });
}

/** The reference lowerings of integer nodes (a node is integer when its output tensor carries
 * quantization): the `reference` kernel set, and the fallback of every other set. */
export const int8Lowerings: Record<string, Lowering> = {
  Conv: convQ('reference'),
  Gemm: gemmQ('reference'),
  MatMul: gemmQ('reference'),
  MaxPool: lowerPoolQ,
  AveragePool: lowerPoolQ,
  GlobalAveragePool: lowerMeanQ,
  GlobalMaxPool: lowerMeanQ,
  ReduceMean: lowerMeanQ,
  ReduceMax: lowerMeanQ,
  Add: lowerAddQ,
  Sub: lowerAddQ,
  Mul: lowerMulQ,
  Sigmoid: lowerLogisticTanhQ,
  Tanh: lowerLogisticTanhQ,
  HardSwish: lowerHardSwishQ,
  Softmax: lowerSoftmaxQ,
  Concat: lowerConcatQ,
  LSTM: withScratch(lowerRecurrentQ, recurrentQScratchBytes),
  GRU: withScratch(lowerRecurrentQ, recurrentQScratchBytes),
  RNN: withScratch(lowerRecurrentQ, recurrentQScratchBytes),
  TFLiteLSTM: withScratch(lowerTfliteLstmQ, tfliteLstmQScratchBytes),
  TFLiteSVDF: withScratch(lowerTfliteSvdfQ, tfliteSvdfQScratchBytes),
  Requantize: lowerRequantizeQ,
  Transpose: lowerTranspose,
  Slice: lowerSlice,
  Expand: lowerExpand,
  Gather: lowerGather,
  Pad: lowerPad,
  Identity: lowerCopy,
  Dropout: lowerCopy,
  // every op whose int8 trait is a lookup table (src/ir/traits.ts)
  ...Object.fromEntries(registeredOps().filter((op) => traitsOf(op)?.int8 === 'lut').map((op) => [op, lowerLutQ])),
};
