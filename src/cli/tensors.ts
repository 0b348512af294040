import { allocData } from '../ir/dtype.ts';
import { inputError } from '../ir/errors.ts';
import { dataToBytes, bytesToData } from '../ir/serialize.ts';
import { numel, sameShape } from '../ir/shape.ts';
import type { Graph, Value } from '../ir/types.ts';
import { dequantize } from '../ir/quant/index.ts';
import { quantizeForTensor } from '../ir/int8/prepare.ts';

/** How many inferences an input array holds: exactly the input's shape (1), that shape with a
 * leading batch axis N, or — for a model whose batch is 1 — N in place of that batch. */
export function batchOf(v: Value, shape: number[], where: string): { n: number; batched: boolean } {
  if (sameShape(v.shape, shape)) return { n: 1, batched: false };
  if (v.shape.length === shape.length + 1 && sameShape(v.shape.slice(1), shape)) return { n: v.shape[0]!, batched: true };
  if (shape[0] === 1 && v.shape.length === shape.length && sameShape(v.shape.slice(1), shape.slice(1))) return { n: v.shape[0]!, batched: true };
  throw inputError(`${where}: shape [${v.shape}] does not match the model input [${shape}] (give [${shape}] or [N, ${shape}])`);
}

/** Packs N inferences of every graph input back to back, as the harness reads them. */
export function packInputs(graph: Graph, values: Value[], names: string[]): { bytes: Uint8Array; n: number; batched: boolean } {
  if (values.length !== graph.inputs.length)
    throw inputError(`the model has ${graph.inputs.length} input(s) (${graph.inputs.join(', ')}); ${values.length} --input file(s) given`);
  const shapes = graph.inputs.map((i) => graph.tensors[i]!.shape);
  const batches = values.map((v, i) => batchOf(v, shapes[i]!, names[i]!));
  const n = batches[0]!.n;
  if (batches.some((b) => b.n !== n)) throw inputError(`--input files hold different numbers of inferences (${batches.map((b) => b.n).join(', ')})`);
  const per = graph.inputs.map((inp, i) => {
    const t = graph.tensors[inp]!;
    if (values[i]!.dtype !== t.dtype && !(t.dtype === 'float32' && values[i]!.dtype === 'float64'))
      throw inputError(`${names[i]}: dtype ${values[i]!.dtype}, the model input '${inp}' is ${t.dtype}`);
    const conv = allocData(t.dtype, values[i]!.data.length);
    conv.set(values[i]!.data as ArrayLike<number>);
    return dataToBytes(t.dtype, conv);
  });
  const sizes = per.map((b) => b.length / n);
  const bytes = new Uint8Array(per.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (let k = 0; k < n; k++)
    per.forEach((b, i) => {
      bytes.set(b.subarray(k * sizes[i]!, (k + 1) * sizes[i]!), at);
      at += sizes[i]!;
    });
  return { bytes, n, batched: batches[0]!.batched };
}

/** Splits the harness output back into one Value per graph output, with a batch axis if batched. */
export function unpackOutputs(graph: Graph, bytes: Uint8Array, n: number, batched: boolean): Value[] {
  const shapes = graph.outputs.map((o) => graph.tensors[o]!.shape);
  const dtypes = graph.outputs.map((o) => graph.tensors[o]!.dtype);
  const sizes = shapes.map((s, i) => numel(s) * ({ float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 } as const)[dtypes[i]!]);
  const per = sizes.map((s) => new Uint8Array(s * n));
  let at = 0;
  for (let k = 0; k < n; k++)
    sizes.forEach((s, i) => {
      per[i]!.set(bytes.subarray(at, at + s), k * s);
      at += s;
    });
  return per.map((b, i) => {
    const shape = batched ? (shapes[i]![0] === 1 ? [n, ...shapes[i]!.slice(1)] : [n, ...shapes[i]!]) : shapes[i]!;
    return { shape, dtype: dtypes[i]!, data: bytesToData(dtypes[i]!, b, numel(shape), 'output') };
  });
}

/** For a quantized model input: float data is quantized with the input's scale / zero point (as the
 * generated _run_float does); integer data of the model's dtype is passed through. */
export function toModelInputs(graph: Graph, values: Value[], names: string[]): Value[] {
  return values.map((v, i) => {
    const t = graph.tensors[graph.inputs[i] ?? '']!;
    if (!t?.quant || v.dtype === t.dtype) return v;
    if (v.dtype !== 'float32' && v.dtype !== 'float64') throw inputError(`${names[i]}: dtype ${v.dtype}; the int8 model input '${t.name}' takes float32 (quantized here) or ${t.dtype}`);
    return { shape: v.shape, dtype: t.dtype, data: quantizeForTensor(t, v.data as ArrayLike<number>) };
  });
}

/** Dequantizes an integer output with its tensor's parameters (for printing). */
export function dequantizeValue(graph: Graph, name: string, v: Value): Value {
  const q = graph.tensors[name]?.quant;
  if (!q) return v;
  return { shape: v.shape, dtype: 'float32', data: Float32Array.from(v.data as ArrayLike<number>, (x) => dequantize(x, q.scale[0]!, q.zeroPoint[0]!)) };
}
