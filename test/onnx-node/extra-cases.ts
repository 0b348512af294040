// Cases for the features issue 2 names that the packaged ONNX node tests do not exercise (1-D and
// grouped / depthwise / dilated Conv, auto_pad with strides and dilations, pool ceil_mode with
// count_include_pad, pre-13 Softmax, pre-11 Clip, ...). Each is written in the node-test layout
// (model.onnx + test_data_set_0/*.pb) with onnxruntime's outputs as the reference, so the same
// discovery and runners apply.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = 1;
const INT64 = 7;

interface Init {
  name: string;
  shape: number[];
  data: number[];
  int64?: boolean;
}

interface ExtraCase {
  name: string;
  opset: number;
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
  inits: Init[];
  nodes: { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number | number[] | string> }[];
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.fround(((s >>> 8) / 2 ** 24) * 2 - 1);
  });
}

const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const w = (name: string, shape: number[], seed: number): Init => ({ name, shape, data: values(numel(shape), seed) });
const ints = (name: string, data: number[]): Init => ({ name, shape: [data.length], data, int64: true });

function attrProto(name: string, v: number | number[] | string): proto.IAttributeProto {
  if (typeof v === 'string') return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
  return Number.isInteger(v) && !['alpha', 'beta', 'min', 'max', 'epsilon'].includes(name)
    ? { name, type: onnx.AttributeProto.AttributeType.INT, i: v }
    : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
}

function tensorProto(name: string, shape: number[], data: ArrayLike<number>, int64 = false): proto.ITensorProto {
  return int64
    ? { name, dims: shape, dataType: INT64, int64Data: Array.from(data) }
    : { name, dims: shape, dataType: FLOAT, floatData: Array.from(data) };
}

const valueInfo = (name: string, shape?: number[]): proto.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, ...(shape ? { shape: { dim: shape.map((d) => ({ dimValue: d })) } } : {}) } },
});

function modelBytes(c: ExtraCase): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: c.opset }],
    graph: {
      name: c.name,
      input: c.inputs.map((i) => valueInfo(i.name, i.shape)),
      output: c.outputs.map((o) => valueInfo(o)),
      initializer: c.inits.map((i) => tensorProto(i.name, i.shape, i.data, i.int64)),
      node: c.nodes.map((n, k) => ({
        name: `${n.op}_${k}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([key, v]) => attrProto(key, v)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const conv = (name: string, x: number[], wShape: number[], attrs: Record<string, number | number[] | string>, bias = true): ExtraCase => ({
  name,
  opset: 13,
  inputs: [{ name: 'x', shape: x }],
  outputs: ['y'],
  inits: [w('w', wShape, 7), ...(bias ? [w('b', [wShape[0]!], 11)] : [])],
  nodes: [{ op: 'Conv', inputs: ['x', 'w', ...(bias ? ['b'] : [])], outputs: ['y'], attrs }],
});

const unary = (name: string, opset: number, op: string, x: number[], attrs: Record<string, number | number[] | string> = {}, inits: Init[] = []): ExtraCase => ({
  name,
  opset,
  inputs: [{ name: 'x', shape: x }],
  outputs: ['y'],
  inits,
  nodes: [{ op, inputs: ['x', ...inits.map((i) => i.name)], outputs: ['y'], attrs }],
});

export const EXTRA_CASES: ExtraCase[] = [
  conv('harc_conv1d_strides_dilations_pads', [1, 2, 11], [4, 2, 3], { strides: [2], dilations: [2], pads: [1, 2] }),
  conv('harc_conv1d_same_upper_stride2', [1, 3, 9], [2, 3, 4], { auto_pad: 'SAME_UPPER', strides: [2] }),
  conv('harc_conv2d_depthwise', [1, 4, 7, 7], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1] }),
  conv('harc_conv2d_depthwise_multiplier', [1, 3, 6, 5], [6, 1, 3, 3], { group: 3, strides: [2, 1], pads: [0, 1, 1, 0] }),
  conv('harc_conv2d_grouped_dilated', [1, 4, 8, 8], [6, 2, 3, 3], { group: 2, strides: [2, 1], dilations: [1, 2] }, false),
  conv('harc_conv2d_same_lower_stride2', [1, 2, 7, 8], [3, 2, 3, 2], { auto_pad: 'SAME_LOWER', strides: [2, 2] }),
  // (auto_pad SAME with dilations has no reference: onnxruntime refuses it)
  conv('harc_conv2d_same_upper_even_kernel', [1, 2, 8, 7], [3, 2, 4, 2], { auto_pad: 'SAME_UPPER', strides: [3, 2] }),
  conv('harc_conv2d_dilated_pads', [1, 2, 8, 8], [3, 2, 3, 3], { dilations: [2, 3], pads: [2, 1, 0, 3] }),
  conv('harc_conv2d_valid_batch2', [2, 3, 5, 5], [2, 3, 2, 2], { auto_pad: 'VALID' }),
  unary('harc_avgpool_ceil_count_include_pad', 13, 'AveragePool', [1, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }),
  unary('harc_avgpool_ceil_exclude_pad', 13, 'AveragePool', [1, 2, 8, 7], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1 }),
  unary('harc_avgpool1d_same_upper', 13, 'AveragePool', [1, 3, 10], { kernel_shape: [3], strides: [2], auto_pad: 'SAME_UPPER' }),
  unary('harc_maxpool_ceil_dilations', 13, 'MaxPool', [1, 2, 9, 9], { kernel_shape: [2, 2], strides: [2, 2], dilations: [2, 2], ceil_mode: 1 }),
  unary('harc_maxpool1d_pads_strides', 13, 'MaxPool', [1, 2, 12], { kernel_shape: [3], strides: [3], pads: [1, 1] }),
  unary('harc_softmax_opset11_axis1', 11, 'Softmax', [2, 3, 4], { axis: 1 }),
  unary('harc_softmax_opset11_default', 11, 'Softmax', [2, 3, 4]),
  unary('harc_softmax_opset13_axis1', 13, 'Softmax', [2, 3, 4], { axis: 1 }),
  unary('harc_clip_opset10_attrs', 10, 'Clip', [3, 5], { min: -0.3, max: 0.4 }),
  unary('harc_clip_opset13_min_only', 13, 'Clip', [3, 5], {}, [{ name: 'lo', shape: [], data: [-0.2] }]),
  unary('harc_gemm_trans_alpha_beta_row_bias', 13, 'Gemm', [5, 3], { transA: 1, transB: 1, alpha: 0.5, beta: 2 }, [w('b', [4, 5], 3), w('c', [1, 4], 5)]),
  unary('harc_gemm_column_bias', 13, 'Gemm', [3, 5], {}, [w('b', [5, 4], 3), w('c', [3, 1], 5)]),
  unary('harc_matmul_3d_a', 13, 'MatMul', [2, 3, 5], {}, [w('b', [5, 4], 3)]),
  // constant stacks of matrices B: batch axes broadcast both ways (A's and B's)
  unary('harc_matmul_2d_a_3d_b', 13, 'MatMul', [2, 5], {}, [w('b', [3, 5, 4], 3)]),
  unary('harc_matmul_batch_broadcast', 13, 'MatMul', [2, 1, 3, 5], {}, [w('b', [3, 5, 4], 3)]),
  unary('harc_pad_constant_value', 13, 'Pad', [2, 3, 4], {}, [ints('pads', [0, 1, 2, 1, 0, 3]), { name: 'v', shape: [], data: [1.5] }]),
  unary('harc_slice_negative_steps', 13, 'Slice', [4, 5, 6], {}, [ints('starts', [-1, 4, 1]), ints('ends', [-100, 0, 6]), ints('axes', [0, 1, 2]), ints('steps', [-1, -2, 2])]),
  unary('harc_gather_negative_2d_indices', 13, 'Gather', [3, 5, 2], { axis: 1 }, [{ name: 'i', shape: [2, 2], data: [-1, 0, -5, 2], int64: true }]),
  {
    name: 'harc_cnn_chain',
    opset: 14,
    inputs: [{ name: 'x', shape: [1, 3, 10, 10] }],
    outputs: ['y'],
    inits: [
      w('w1', [8, 3, 3, 3], 1), w('b1', [8], 2),
      { name: 'g', shape: [8], data: values(8, 3).map((v) => 1 + v / 2) }, w('be', [8], 4), w('m', [8], 5),
      { name: 'var', shape: [8], data: values(8, 6).map((v) => 1 + v / 2) },
      w('w2', [8, 1, 3, 3], 7), w('wf', [8, 5], 8), w('bf', [5], 9),
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', inputs: ['c1', 'g', 'be', 'm', 'var'], outputs: ['n1'] },
      { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', inputs: ['p1', 'w2'], outputs: ['c2'], attrs: { group: 8, pads: [1, 1, 1, 1] } },
      { op: 'HardSwish', inputs: ['c2'], outputs: ['h2'] },
      { op: 'GlobalAveragePool', inputs: ['h2'], outputs: ['g2'] },
      { op: 'Flatten', inputs: ['g2'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'wf', 'bf'], outputs: ['z'] },
      { op: 'Softmax', inputs: ['z'], outputs: ['y'], attrs: { axis: 1 } },
    ],
  },
];

/** Writes every extra case under a fresh temp dir with onnxruntime's outputs as the reference;
 * undefined when onnxruntime is not installed. */
export async function extraCasesRoot(): Promise<string | undefined> {
  try {
    await import('onnxruntime-node');
  } catch {
    return undefined;
  }
  const root = await mkdtemp(join(os.tmpdir(), 'harc-onnx-extra-'));
  await writeExtraCases(root);
  return root;
}

/** Writes every extra case under `root` with onnxruntime's outputs as the reference. */
export async function writeExtraCases(root: string): Promise<string[]> {
  const ort = await import('onnxruntime-node');
  for (const c of EXTRA_CASES) {
    const dir = join(root, c.name);
    await mkdir(join(dir, 'test_data_set_0'), { recursive: true });
    const bytes = modelBytes(c);
    await writeFile(join(dir, 'model.onnx'), bytes);
    const feeds = Object.fromEntries(
      c.inputs.map((i, k) => [i.name, new ort.Tensor('float32', Float32Array.from(values(numel(i.shape), 100 + k)), i.shape)]),
    );
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run(feeds);
    for (const [k, i] of c.inputs.entries()) {
      const t = feeds[i.name]!;
      await writeFile(join(dir, 'test_data_set_0', `input_${k}.pb`), onnx.TensorProto.encode(tensorProto(i.name, i.shape, t.data as Float32Array)).finish());
    }
    for (const [k, o] of c.outputs.entries()) {
      const t = out[o]!;
      await writeFile(join(dir, 'test_data_set_0', `output_${k}.pb`), onnx.TensorProto.encode(tensorProto(o, [...t.dims], t.data as Float32Array)).finish());
    }
  }
  return EXTRA_CASES.map((c) => c.name);
}
