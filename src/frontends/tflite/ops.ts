// One importer per TFLite builtin: TFLite operator → harc IR node(s) (channels-last). Options are
// read from the builtin_options table by field index (schema.fbs declaration order).

import { inputError } from '../../ir/errors.ts';
import type { AttrValue, Tensor } from '../../ir/types.ts';
import type { Table } from './flatbuffer.ts';
import { ACTIVATIONS, PADDING, type TfliteOperator } from './schema.ts';

export interface ImportContext {
  path: string;
  tensors: Record<string, Tensor>;
  tensor: (index: number) => Tensor | undefined;
  name: (index: number) => string;
  fresh: (base: string) => string;
  addConst: (base: string, t: Omit<Tensor, 'name'>) => string;
  addNode: (op: string, base: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrValue>) => void;
}

type OpImporter = (ctx: ImportContext, op: TfliteOperator, where: string) => void;

const fail = (ctx: ImportContext, where: string, what: string): never => {
  throw inputError(`${ctx.path}: ${where}: ${what}`);
};

/** A fused activation as harc's act_min / act_max clamp attributes (real values). */
function fusedActivation(ctx: ImportContext, where: string, code: number): Record<string, AttrValue> {
  const name = ACTIVATIONS[code] ?? `#${code}`;
  if (name === 'NONE') return {};
  if (name === 'RELU') return { act_min: 0 };
  if (name === 'RELU6') return { act_min: 0, act_max: 6 };
  if (name === 'RELU_N1_TO_1') return { act_min: -1, act_max: 1 };
  return fail(ctx, where, `fused activation ${name} is not supported`);
}

function padding(ctx: ImportContext, where: string, code: number): string {
  const p = PADDING[code];
  if (!p) fail(ctx, where, `unknown padding ${code}`);
  // TFLite SAME puts the extra cell of an odd total at the end, as ONNX SAME_UPPER
  return p === 'SAME' ? 'SAME_UPPER' : 'VALID';
}

function options(ctx: ImportContext, op: TfliteOperator, where: string): Table {
  return op.options ?? fail(ctx, where, 'builtin options are missing');
}

/** Per-tensor weight scales become one per output channel (the IR's integer layers take one per
 * channel; the multipliers are identical). */
function perChannel(t: Tensor, channels: number, axis: number): Tensor {
  const q = t.quant;
  if (!q || q.scale.length === channels) return q ? { ...t, quant: { ...q, axis } } : t;
  if (q.scale.length !== 1) throw inputError(`tensor '${t.name}': ${q.scale.length} scales for ${channels} channels`);
  return { ...t, quant: { ...q, scale: new Array(channels).fill(q.scale[0]), zeroPoint: new Array(channels).fill(q.zeroPoint[0]), axis } };
}

function requireConst(ctx: ImportContext, where: string, t: Tensor | undefined, role: string): Tensor {
  if (!t?.data) return fail(ctx, where, `${role} must be a constant tensor`);
  return t;
}

function weightZeroPoints(ctx: ImportContext, where: string, w: Tensor, x?: Tensor): void {
  if (x?.dtype === 'float32' && w.dtype !== 'float32') fail(ctx, where, `float input with ${w.dtype} weights '${w.name}' (a hybrid model); harc takes float or fully integer models, as TFLM does`);
  if (w.quant && w.quant.zeroPoint.some((z) => z !== 0)) fail(ctx, where, `weights '${w.name}' have non-zero zero points (TFLite int8 weights are symmetric)`);
  if (w.quant && w.dtype !== 'int8') fail(ctx, where, `weights '${w.name}' are ${w.dtype}; harc takes int8 weights`);
}

const conv2d: OpImporter = (ctx, op, where) => {
  const o = options(ctx, op, where);
  const x = ctx.tensor(op.inputs[0]!)!;
  const w = requireConst(ctx, where, ctx.tensor(op.inputs[1]!), 'filter');
  weightZeroPoints(ctx, where, w, x);
  const cout = w.shape[0]!;
  const cin = x.shape[3]!;
  const wcin = w.shape[3]!;
  if (w.shape.length !== 4 || cin % wcin !== 0) fail(ctx, where, `filter [${w.shape}] does not fit input [${x.shape}]`);
  const wName = ctx.addConst(`${w.name}__w`, perChannel(w, cout, 0));
  ctx.addNode('Conv', `op${op.index}_conv`, [ctx.name(op.inputs[0]!), wName, ctx.name(op.inputs[2] ?? -1)].filter((s, i) => i < 2 || s), [ctx.name(op.outputs[0]!)], {
    layout: 'NHWC',
    group: cin / wcin,
    auto_pad: padding(ctx, where, o.int(0, 'padding', 0, 1)),
    strides: [o.int(2, 'stride_h'), o.int(1, 'stride_w')],
    dilations: [o.int(5, 'dilation_h_factor', 1), o.int(4, 'dilation_w_factor', 1)],
    ...fusedActivation(ctx, where, o.int(3, 'fused_activation_function', 0, 1)),
  });
};

const depthwise: OpImporter = (ctx, op, where) => {
  const o = options(ctx, op, where);
  const x = ctx.tensor(op.inputs[0]!)!;
  const w = requireConst(ctx, where, ctx.tensor(op.inputs[1]!), 'filter');
  weightZeroPoints(ctx, where, w, x);
  const [one, kh, kw, cm] = w.shape as [number, number, number, number];
  const cin = x.shape[3]!;
  if (w.shape.length !== 4 || one !== 1 || cm % cin !== 0) fail(ctx, where, `filter [${w.shape}] does not fit input [${x.shape}]`);
  // [1, kh, kw, C·M] → harc's grouped Conv weights [C·M, kh, kw, 1] (output channel c·M + m)
  const src = w.data!;
  const data = new (src.constructor as new (n: number) => typeof src)(src.length);
  for (let h = 0; h < kh; h++) for (let v = 0; v < kw; v++) for (let c = 0; c < cm; c++) data[(c * kh + h) * kw + v] = src[(h * kw + v) * cm + c]!;
  const wName = ctx.addConst(`${w.name}__w`, perChannel({ ...w, shape: [cm, kh, kw, 1], data }, cm, 0));
  ctx.addNode('Conv', `op${op.index}_dwconv`, [ctx.name(op.inputs[0]!), wName, ctx.name(op.inputs[2] ?? -1)].filter((s, i) => i < 2 || s), [ctx.name(op.outputs[0]!)], {
    layout: 'NHWC',
    group: cin,
    auto_pad: padding(ctx, where, o.int(0, 'padding', 0, 1)),
    strides: [o.int(2, 'stride_h'), o.int(1, 'stride_w')],
    dilations: [o.int(6, 'dilation_h_factor', 1), o.int(5, 'dilation_w_factor', 1)],
    ...fusedActivation(ctx, where, o.int(4, 'fused_activation_function', 0, 1)),
  });
};

/** A Reshape node to a static shape (harc's Reshape reads the shape from a constant input). */
function reshape(ctx: ImportContext, base: string, from: string, to: string, shape: number[]): void {
  const s = ctx.addConst(`${base}_shape`, { shape: [shape.length], dtype: 'int64', data: Float64Array.from(shape) });
  ctx.addNode('Reshape', base, [from, s], [to]);
}

const fullyConnected: OpImporter = (ctx, op, where) => {
  const o = options(ctx, op, where);
  if (o.int(1, 'weights_format', 0, 1) !== 0) fail(ctx, where, 'shuffled weights are not supported');
  const x = ctx.tensor(op.inputs[0]!)!;
  const w = requireConst(ctx, where, ctx.tensor(op.inputs[1]!), 'weights');
  weightZeroPoints(ctx, where, w, x);
  const y = ctx.tensor(op.outputs[0]!)!;
  if (w.shape.length !== 2) fail(ctx, where, `weights [${w.shape}] must be 2-D`);
  const [n, k] = w.shape as [number, number];
  const count = x.shape.reduce((a, b) => a * b, 1);
  if (count % k !== 0) fail(ctx, where, `input [${x.shape}] does not flatten to rows of ${k}`);
  const rows = count / k;
  const base = `op${op.index}`;
  let xName = ctx.name(op.inputs[0]!);
  // TFLM: the input is read as [-1, K] whatever its rank; keep_num_dims only shapes the output
  if (x.shape.length !== 2 || x.shape[0] !== rows) {
    const flat = ctx.fresh(`${xName}__2d`);
    ctx.tensors[flat] = { name: flat, shape: [rows, k], dtype: x.dtype, ...(x.quant ? { quant: x.quant } : {}) };
    reshape(ctx, `${base}_flatten`, xName, flat, [rows, k]);
    xName = flat;
  }
  const wName = ctx.addConst(`${w.name}__w`, perChannel(w, n, 0));
  const yName = ctx.name(op.outputs[0]!);
  const direct = y.shape.length === 2 && y.shape[0] === rows && y.shape[1] === n;
  const gemmOut = direct ? yName : ctx.fresh(`${yName}__2d`);
  if (!direct) ctx.tensors[gemmOut] = { name: gemmOut, shape: [rows, n], dtype: y.dtype, ...(y.quant ? { quant: y.quant } : {}) };
  const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? ctx.name(op.inputs[2]) : '';
  ctx.addNode('Gemm', `${base}_fc`, bias ? [xName, wName, bias] : [xName, wName], [gemmOut], {
    transB: 1,
    ...fusedActivation(ctx, where, o.int(0, 'fused_activation_function', 0, 1)),
  });
  if (!direct) {
    if (y.shape.reduce((a, b) => a * b, 1) !== rows * n) fail(ctx, where, `output [${y.shape}] does not hold ${rows}×${n} values`);
    reshape(ctx, `${base}_unflatten`, gemmOut, yName, y.shape);
  }
};

const binary =
  (irOp: string): OpImporter =>
  (ctx, op, where) => {
    const o = op.options;
    ctx.addNode(irOp, `op${op.index}_${irOp.toLowerCase()}`, [ctx.name(op.inputs[0]!), ctx.name(op.inputs[1]!)], [ctx.name(op.outputs[0]!)], o ? fusedActivation(ctx, where, o.int(0, 'fused_activation_function', 0, 1)) : {});
  };

const pool =
  (irOp: string): OpImporter =>
  (ctx, op, where) => {
    const o = options(ctx, op, where);
    if (o.int(5, 'fused_activation_function', 0, 1) !== 0) fail(ctx, where, 'a fused activation on pooling is not supported');
    ctx.addNode(irOp, `op${op.index}_${irOp.toLowerCase()}`, [ctx.name(op.inputs[0]!)], [ctx.name(op.outputs[0]!)], {
      layout: 'NHWC',
      auto_pad: padding(ctx, where, o.int(0, 'padding', 0, 1)),
      kernel_shape: [o.int(4, 'filter_height'), o.int(3, 'filter_width')],
      strides: [o.int(2, 'stride_h'), o.int(1, 'stride_w')],
      ...(irOp === 'AveragePool' ? { count_include_pad: 0 } : {}),
    });
  };

const reshapeOp: OpImporter = (ctx, op, where) => {
  const y = ctx.tensor(op.outputs[0]!)!;
  reshape(ctx, `op${op.index}_reshape`, ctx.name(op.inputs[0]!), ctx.name(op.outputs[0]!), y.shape);
};

const softmax: OpImporter = (ctx, op, where) => {
  const beta = op.options ? op.options.float(0, 'beta', 1) : 1;
  if (beta !== 1) fail(ctx, where, `softmax beta ${beta} is not supported (only 1)`);
  const x = ctx.tensor(op.inputs[0]!)!;
  const y = ctx.tensor(op.outputs[0]!)!;
  ctx.addNode('Softmax', `op${op.index}_softmax`, [ctx.name(op.inputs[0]!)], [ctx.name(op.outputs[0]!)], { axis: -1, ...(y.dtype !== x.dtype ? { out_dtype: y.dtype } : {}) });
};

const unary =
  (irOp: string): OpImporter =>
  (ctx, op, where) =>
    ctx.addNode(irOp, `op${op.index}_${irOp.toLowerCase()}`, [ctx.name(op.inputs[0]!)], [ctx.name(op.outputs[0]!)]);

/** UNIDIRECTIONAL_SEQUENCE_LSTM without CIFG, peepholes, projection or layer norm; the variable
 * state tensors (inputs 18, 19) become outputs 1 and 2 of the node (their value after the run). */
const lstm: OpImporter = (ctx, op, where) => {
  const o = options(ctx, op, where);
  const act = o.int(0, 'fused_activation_function', 0, 1);
  if (ACTIVATIONS[act] !== 'TANH') fail(ctx, where, `activation ${ACTIVATIONS[act] ?? act} is not supported (only TANH)`);
  if (o.float(2, 'proj_clip', 0) !== 0) fail(ctx, where, 'proj_clip is not supported');
  const has = (i: number): boolean => op.inputs[i] !== undefined && op.inputs[i]! >= 0;
  const absent = [9, 10, 11, 16, 17, 20, 21, 22, 23].filter(has);
  if (absent.length) fail(ctx, where, `peepholes, projection and layer normalisation are not supported (inputs ${absent.join(', ')} present)`);
  const required = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 18, 19];
  const missing = required.filter((i) => !has(i));
  if (missing.length) fail(ctx, where, `inputs ${missing.join(', ')} are missing (CIFG LSTMs are not supported)`);
  for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) weightZeroPoints(ctx, where, requireConst(ctx, where, ctx.tensor(op.inputs[i]!), `weights (input ${i})`), ctx.tensor(op.inputs[0]!));
  for (const i of [12, 13, 14, 15]) requireConst(ctx, where, ctx.tensor(op.inputs[i]!), `bias (input ${i})`);
  const ins = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15].map((i) => ctx.name(op.inputs[i]!));
  const outs = [ctx.name(op.outputs[0]!), ctx.name(op.inputs[18]!), ctx.name(op.inputs[19]!)];
  ctx.addNode('TFLiteLSTM', `op${op.index}_lstm`, ins, outs, { time_major: o.bool(3, 'time_major') ? 1 : 0, cell_clip: o.float(1, 'cell_clip', 0) });
};

/** SVDF: the variable state (input 4) becomes output 1 of the node (its value after the run). */
const svdf: OpImporter = (ctx, op, where) => {
  const o = options(ctx, op, where);
  const has = (i: number): boolean => op.inputs[i] !== undefined && op.inputs[i]! >= 0;
  if (!has(1) || !has(2) || !has(4)) fail(ctx, where, 'inputs 1 (weights_feature), 2 (weights_time) and 4 (state) are required');
  requireConst(ctx, where, ctx.tensor(op.inputs[1]!), 'weights_feature');
  requireConst(ctx, where, ctx.tensor(op.inputs[2]!), 'weights_time');
  const ins = [0, 1, 2, ...(has(3) ? [3] : [])].map((i) => ctx.name(op.inputs[i]!));
  ctx.addNode('TFLiteSVDF', `op${op.index}_svdf`, ins, [ctx.name(op.outputs[0]!), ctx.name(op.inputs[4]!)], {
    rank: o.int(0, 'rank', 1),
    ...fusedActivation(ctx, where, o.int(1, 'fused_activation_function', 0, 1)),
  });
};

/** QUANTIZE float → integer or integer → integer (a requantization). */
const quantizeOp: OpImporter = (ctx, op, where) => {
  const x = ctx.tensor(op.inputs[0]!)!;
  const y = ctx.tensor(op.outputs[0]!)!;
  if (!y.quant || y.quant.scale.length !== 1 || (x.dtype !== 'float32' && !x.quant)) fail(ctx, where, `QUANTIZE ${x.dtype} → ${y.dtype} needs per-tensor parameters on its integer tensors`);
  ctx.addNode('Requantize', `op${op.index}_quantize`, [ctx.name(op.inputs[0]!)], [ctx.name(op.outputs[0]!)], { to: y.dtype });
};

/** DEQUANTIZE integer → float. */
const dequantizeOp: OpImporter = (ctx, op, where) => {
  const x = ctx.tensor(op.inputs[0]!)!;
  const y = ctx.tensor(op.outputs[0]!)!;
  if (!x.quant || x.quant.scale.length !== 1 || y.dtype !== 'float32') fail(ctx, where, `DEQUANTIZE ${x.dtype} → ${y.dtype} is not supported (per-tensor integer → float32)`);
  ctx.addNode('Dequantize', `op${op.index}_dequantize`, [ctx.name(op.inputs[0]!)], [ctx.name(op.outputs[0]!)]);
};

const IMPORTERS: Record<string, OpImporter> = {
  SVDF: svdf,
  QUANTIZE: quantizeOp,
  DEQUANTIZE: dequantizeOp,
  UNIDIRECTIONAL_SEQUENCE_LSTM: lstm,
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwise,
  FULLY_CONNECTED: fullyConnected,
  ADD: binary('Add'),
  MUL: binary('Mul'),
  AVERAGE_POOL_2D: pool('AveragePool'),
  MAX_POOL_2D: pool('MaxPool'),
  RESHAPE: reshapeOp,
  SOFTMAX: softmax,
  LOGISTIC: unary('Sigmoid'),
  TANH: unary('Tanh'),
};

export const SUPPORTED_BUILTINS = new Set(Object.keys(IMPORTERS));

export function importOperator(ctx: ImportContext, op: TfliteOperator): void {
  const where = `operator ${op.index} (${op.opcode})`;
  if (op.inputs.length < 1 || op.outputs.length < 1 || op.inputs[0]! < 0) fail(ctx, where, 'missing input or output');
  IMPORTERS[op.opcode]!(ctx, op, where);
}
