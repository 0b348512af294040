// TFLite importer: a .tflite FlatBuffer (subgraph 0) → harc's IR. A quantized model becomes the
// same integer graph harc's own quantizer produces (channels-last Conv / Gemm with int8 weights and
// per-channel scales, int32 biases, per-tensor activation parameters), with every scale and zero
// point taken from the file: no calibration. A float model becomes a float channels-last graph.
// Where TFLite and ONNX differ, TFLM's semantics are kept: SAME padding puts the odd cell at the
// end (SAME_UPPER), average pooling divides by the valid cells only, FULLY_CONNECTED flattens its
// input to [-1, K].

import { readFileSync } from 'node:fs';
import { inputError } from '../../ir/errors.ts';
import { inferShapes } from '../../ir/infer.ts';
import '../../ir/ops/index.ts';
import type { AttrValue, DType, Graph, Node, QuantParams, Tensor, TensorData } from '../../ir/types.ts';
import { importOperator, SUPPORTED_BUILTINS, type ImportContext } from './ops.ts';
import { readTflite, TENSOR_TYPES, type TfliteModel, type TfliteTensor } from './schema.ts';

const DTYPES: Record<string, DType> = { FLOAT32: 'float32', INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64', UINT8: 'uint8', BOOL: 'bool' };

export interface TfliteImport {
  graph: Graph;
  /** IR tensor name of each flatbuffer tensor index (the oracle's `tNNN` keys). */
  tensorNames: Map<number, string>;
}

function dtypeOf(m: TfliteModel, t: TfliteTensor): DType {
  const name = TENSOR_TYPES[t.type] ?? `type ${t.type}`;
  const d = DTYPES[name];
  if (!d) throw inputError(`${m.path}: tensor ${t.index} ('${t.name}') has type ${name}, which harc does not support`);
  return d;
}

function tensorData(m: TfliteModel, t: TfliteTensor, dtype: DType, count: number): TensorData | undefined {
  const raw = m.buffer(t.buffer, `tensor ${t.index} ('${t.name}')`);
  if (raw.length === 0) return undefined;
  const size = { float32: 4, int8: 1, uint8: 1, bool: 1, int16: 2, int32: 4, int64: 8, float64: 8 }[dtype];
  if (raw.length !== count * size) throw inputError(`${m.path}: tensor ${t.index} ('${t.name}') has ${raw.length} bytes of data, expected ${count * size} for shape [${t.shape}] ${dtype}`);
  const copy = new Uint8Array(raw).buffer; // aligned
  switch (dtype) {
    case 'float32':
      return new Float32Array(copy);
    case 'int8':
      return new Int8Array(copy);
    case 'uint8':
    case 'bool':
      return new Uint8Array(copy);
    case 'int16':
      return new Int16Array(copy);
    case 'int32':
      return new Int32Array(copy);
    default: {
      const v = new DataView(copy);
      return Float64Array.from({ length: count }, (_, i) => Number(v.getBigInt64(8 * i, true)));
    }
  }
}

function quantOf(t: TfliteTensor, dtype: DType): QuantParams | undefined {
  if (!t.quant || dtype === 'float32') return undefined;
  const bits = { int8: 8, uint8: 8, int16: 16, int32: 32, int64: 64 }[dtype as 'int8'];
  if (!bits) return undefined;
  const q: QuantParams = { bits, signed: dtype !== 'uint8', scale: t.quant.scale.map(Math.fround), zeroPoint: t.quant.zeroPoint };
  if (t.quant.scale.length > 1) q.axis = t.quant.axis;
  return q;
}

/** Unique, readable IR names: the flatbuffer name, suffixed with its index when taken. */
function irNames(m: TfliteModel): Map<number, string> {
  const used = new Set<string>();
  const out = new Map<number, string>();
  for (const t of m.tensors) {
    let name = t.name || `t${t.index}`;
    if (used.has(name)) name = `${name}_t${t.index}`;
    used.add(name);
    out.set(t.index, name);
  }
  return out;
}

/** Reads and converts a .tflite file; errors are one line naming the file and the operator. */
export function importTfliteDetailed(path: string, bytes?: Uint8Array): TfliteImport {
  let buf: Uint8Array;
  try {
    buf = bytes ?? readFileSync(path);
  } catch (e) {
    throw inputError(`${path}: cannot read the model (${(e as Error).message})`);
  }
  const m = readTflite(path, buf);
  if (m.subgraphCount > 1) throw inputError(`${path}: the model has ${m.subgraphCount} subgraphs; harc imports single-subgraph models only (no control flow / CALL_ONCE)`);
  const unknown = [...new Set(m.operators.map((o) => o.opcode).filter((c) => !SUPPORTED_BUILTINS.has(c)))];
  if (unknown.length > 0)
    throw inputError(`${path}: unsupported TFLite operator${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (harc imports ${[...SUPPORTED_BUILTINS].sort().join(', ')})`);

  const names = irNames(m);
  const tensors: Record<string, Tensor> = {};
  for (const t of m.tensors) {
    const dtype = dtypeOf(m, t);
    const name = names.get(t.index)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    const data = tensorData(m, t, dtype, count);
    const quant = quantOf(t, dtype);
    tensors[name] = { name, shape: t.shape, dtype, ...(quant ? { quant } : {}), ...(data ? { data } : {}), ...(t.isVariable ? { variable: true } : {}) };
  }
  const nodes: Node[] = [];
  const usedNames = new Set<string>(Object.keys(tensors));
  const ctx: ImportContext = {
    path,
    tensors,
    tensor: (i) => (i < 0 ? undefined : tensors[names.get(i)!]),
    name: (i) => (i < 0 ? '' : names.get(i)!),
    fresh(base: string): string {
      let n = base;
      for (let k = 1; usedNames.has(n); k++) n = `${base}_${k}`;
      usedNames.add(n);
      return n;
    },
    addConst(base: string, t: Omit<Tensor, 'name'>): string {
      const n = this.fresh(base);
      tensors[n] = { name: n, ...t };
      return n;
    },
    addNode(op: string, base: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): void {
      nodes.push({ name: this.fresh(base), op, inputs, outputs, attrs });
    },
  };
  for (const op of m.operators) importOperator(ctx, op);
  const graph: Graph = {
    name: 'tflite',
    inputs: m.inputs.map((i) => names.get(i)!),
    outputs: m.outputs.map((i) => names.get(i)!),
    tensors,
    nodes,
    source: path,
  };
  for (const i of graph.inputs) if (tensors[i]!.data) throw inputError(`${path}: graph input '${i}' has constant data`);
  return { graph: inferShapes(graph, { fold: false }), tensorNames: names };
}

export const importTflite = (path: string): Graph => importTfliteDetailed(path).graph;
