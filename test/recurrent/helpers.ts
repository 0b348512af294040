import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { importOnnx, tensorFromProto } from '../../src/frontends/onnx.ts';
import type { Graph, Tensor } from '../../src/ir/types.ts';

export const NODE_TEST_DIR = '/usr/share/libonnx-testdata/data/node';

/** The ONNX backend node tests of the recurrent ops present on this machine. */
export const recurrentNodeTests = (): string[] => {
  try {
    return readdirSync(NODE_TEST_DIR).filter((d) => /^test_(lstm|gru|rnn)_/.test(d)).sort();
  } catch {
    return [];
  }
};

export function readTensorPb(path: string): Tensor {
  return tensorFromProto(onnxProto.onnx.TensorProto.decode(readFileSync(path)), path);
}

export interface NodeTestCase {
  name: string;
  graph: Graph;
  /** Graph inputs that stay inputs (X), with their data. */
  inputs: Record<string, Tensor>;
  /** Expected graph outputs, by name. */
  expected: Record<string, Tensor>;
}

/** Loads a node test: every input but the first (W, R, B, sequence_lens, initial states, P) is
 * bound as a compile-time constant, as they are in a real model. */
export function loadNodeTest(name: string): NodeTestCase {
  const dir = join(NODE_TEST_DIR, name);
  const g = importOnnx(join(dir, 'model.onnx'));
  const data = join(dir, 'test_data_set_0');
  const inputs: Record<string, Tensor> = {};
  const kept: string[] = [];
  g.inputs.forEach((inName, i) => {
    const t = readTensorPb(join(data, `input_${i}.pb`));
    if (i === 0) {
      inputs[inName] = { ...t, name: inName };
      kept.push(inName);
    } else g.tensors[inName] = { ...t, name: inName };
  });
  g.inputs = kept;
  const expected: Record<string, Tensor> = {};
  g.outputs.forEach((o, i) => (expected[o] = readTensorPb(join(data, `output_${i}.pb`))));
  return { name, graph: g, inputs, expected };
}

/** max |a-b| - (absTol + relTol·|b|) over all elements: ≤ 0 means within tolerance. */
export function excess(actual: ArrayLike<number>, expected: ArrayLike<number>, absTol: number, relTol: number): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i]! - expected[i]!) - (absTol + relTol * Math.abs(expected[i]!));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Infinity;
}

/** A tensor for buildSingleOpModel: with data it becomes an initializer, without a graph input. */
export interface SpecTensor {
  name: string;
  shape: number[];
  data?: Float32Array | Int32Array;
}

/** Encodes a one-node ONNX model (opset 14) with float32 inputs/initializers, for checking ops
 * against onnxruntime. */
export function buildSingleOpModel(op: string, attrs: Record<string, number | string | string[]>, inputs: (SpecTensor | undefined)[], outputs: { name: string; shape: number[] }[]): Uint8Array {
  const { onnx } = onnxProto;
  const enc = new TextEncoder();
  const attribute = Object.entries(attrs).map(([name, v]) =>
    typeof v === 'string'
      ? { name, type: onnx.AttributeProto.AttributeType.STRING, s: enc.encode(v) }
      : Array.isArray(v)
        ? { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: v.map((s) => enc.encode(s)) }
        : Number.isInteger(v) && name !== 'clip'
          ? { name, type: onnx.AttributeProto.AttributeType.INT, i: v }
          : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v },
  );
  const elemType = (t: SpecTensor): number => (t.data instanceof Int32Array ? onnx.TensorProto.DataType.INT32 : onnx.TensorProto.DataType.FLOAT);
  const vi = (name: string, shape: number[], elem = onnx.TensorProto.DataType.FLOAT) => ({
    name,
    type: { tensorType: { elemType: elem, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
  });
  const given = inputs.filter((t): t is SpecTensor => !!t);
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 14 }],
    producerName: 'harc-test',
    graph: {
      name: 'single_op',
      node: [{ name: `${op}_0`, opType: op, input: inputs.map((t) => t?.name ?? ''), output: outputs.map((o) => o.name), attribute }],
      initializer: given
        .filter((t) => t.data)
        .map((t) =>
          t.data instanceof Int32Array
            ? { name: t.name, dims: t.shape, dataType: onnx.TensorProto.DataType.INT32, int32Data: Array.from(t.data) }
            : { name: t.name, dims: t.shape, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(t.data!) },
        ),
      input: given.filter((t) => !t.data).map((t) => vi(t.name, t.shape, elemType(t))),
      output: outputs.filter((o) => o.name).map((o) => vi(o.name, o.shape)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random floats in [-scale, scale). */
export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = ((s >>> 8) / 2 ** 24 * 2 - 1) * scale;
  }
  return out;
}
