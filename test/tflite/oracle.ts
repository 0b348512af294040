// TFLM's outputs for the shared .tflite models (../shared/models/reference-outputs): inputs,
// outputs, and every intermediate tensor keyed by flatbuffer tensor index, compared against harc's
// TypeScript reference (integer or float interpreter) tensor by tensor.
import '../../src/ir/ops/index.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTfliteDetailed } from '../../src/frontends/tflite/import.ts';
import { interpretQuantized } from '../../src/ir/int8/interpret.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph, Value } from '../../src/ir/types.ts';
import { parseNpy, readNpz, type NpyArray } from '../quant/npz.ts';

export const SHARED = '/work/shared/models';
export const ORACLE = join(SHARED, 'reference-outputs');
export const HAVE_ORACLE = existsSync(ORACLE);

/** Oracle folder → model file. */
export const MODEL_FILES: Record<string, string> = {
  kws_ref_model: 'mlcommons-tiny/kws_ref_model.tflite',
  ad01_int8: 'mlcommons-tiny/ad01_int8.tflite',
  ad01_fp32: 'mlcommons-tiny/ad01_fp32.tflite',
  pretrainedResnet_quant: 'mlcommons-tiny/pretrainedResnet_quant.tflite',
  pretrainedResnet: 'mlcommons-tiny/pretrainedResnet.tflite',
  vww_96_int8: 'mlcommons-tiny/vww_96_int8.tflite',
  vww_96_float: 'mlcommons-tiny/vww_96_float.tflite',
  str_ww_ref_model: 'mlcommons-tiny/str_ww_ref_model.tflite',
  trained_lstm_int8: 'tflite-micro/trained_lstm_int8.tflite',
  trained_lstm: 'tflite-micro/trained_lstm.tflite',
  micro_speech_lstm: 'tflite-micro/micro_speech_lstm.tflite',
  micro_speech_quantized: 'tflite-micro/micro_speech_quantized.tflite',
  person_detect: 'tflite-micro/person_detect.tflite',
  hello_world_int8: 'tflite-micro/hello_world_int8.tflite',
  hello_world_float: 'tflite-micro/hello_world_float.tflite',
  keyword_scrambled: 'tflite-micro/keyword_scrambled.tflite',
  dtln_noise_suppression: 'tflite-micro/dtln_noise_suppression.tflite',
  magic_wand: 'tflite-micro/magic_wand.tflite',
};

export interface OracleModel {
  /** outputs_stream.npy: the 8 inputs as one stream (stateful models only) */
  stream?: NpyArray;
  folder: string;
  graph: Graph;
  tensorNames: Map<number, string>;
  inputs: NpyArray;
  outputs: NpyArray;
  intermediates: Map<string, NpyArray>;
  isFloat: boolean;
}

/** Imports the model, or returns the reason it cannot be (the unsupported operator). */
export function loadOracle(folder: string): OracleModel | { skip: string } {
  const path = join(SHARED, MODEL_FILES[folder]!);
  let imported;
  try {
    imported = importTfliteDetailed(path);
  } catch (e) {
    return { skip: (e as Error).message.replace(/^.*?: /, '').replace(/ \(harc imports.*$/, '') };
  }
  const dir = join(ORACLE, folder);
  const inputs = parseNpy(readFileSync(join(dir, 'inputs.npy')));
  return {
    folder,
    ...imported,
    inputs,
    outputs: parseNpy(readFileSync(join(dir, 'outputs.npy'))),
    intermediates: readNpz(join(dir, 'intermediates.npz')),
    ...(existsSync(join(dir, 'outputs_stream.npy')) ? { stream: parseNpy(readFileSync(join(dir, 'outputs_stream.npy'))) } : {}),
    isFloat: inputs.dtype === '<f4',
  };
}

export const sampleOf = (a: NpyArray, i: number, per: number): ArrayLike<number> => a.data.subarray(i * per, (i + 1) * per);

/** Runs harc's TS reference on sample i; returns every tensor value by IR name. With `state`, the
 * model's state carries over from the previous call (a stream). */
export function runReference(m: OracleModel, i: number, state?: Map<string, ArrayLike<number>>): Map<string, Value> {
  const g = m.graph;
  const inName = g.inputs[0]!;
  const shape = g.tensors[inName]!.shape;
  const x = sampleOf(m.inputs, i, numel(shape));
  const values = new Map<string, Value>();
  const onValue = (n: string, v: Value): void => void values.set(n, v);
  const dt = g.tensors[inName]!.dtype;
  const input: Value = m.isFloat ? { shape, dtype: 'float32', data: Float32Array.from(x) } : { shape, dtype: dt, data: dt === 'int16' ? Int16Array.from(x) : Int8Array.from(x) };
  values.set(inName, input);
  if (m.isFloat) interpret(g, { [inName]: input }, { onValue });
  else interpretQuantized(g, { [inName]: input }, { onValue, state });
  return values;
}

export interface TensorMatch {
  key: string;
  name: string;
  equal: number;
  total: number;
  maxDiff: number;
}

/** Compares harc's values of every oracle intermediate over the samples the oracle holds. */
export function compareIntermediates(m: OracleModel, rtol = 1e-4): TensorMatch[] {
  const keys = [...m.intermediates.keys()].map((k) => k.replace(/\.npy$/, '')).sort();
  const rows = new Map<string, TensorMatch>();
  const nSamples = m.intermediates.get(keys[0]!)?.shape[0] ?? m.intermediates.get(`${keys[0]}.npy`)!.shape[0]!;
  for (let s = 0; s < nSamples; s++) {
    const vals = runReference(m, s);
    for (const key of keys) {
      const ref = m.intermediates.get(key) ?? m.intermediates.get(`${key}.npy`)!;
      const name = m.tensorNames.get(Number(key.slice(1)))!;
      const row = rows.get(key) ?? { key, name, equal: 0, total: 0, maxDiff: 0 };
      rows.set(key, row);
      const per = ref.data.length / ref.shape[0]!;
      const want = sampleOf(ref, s, per);
      const got = vals.get(name)?.data;
      row.total += per;
      if (!got || got.length !== per) {
        row.maxDiff = Infinity;
        continue;
      }
      // float: rtol relative to the value, but values under 1% of the tensor's largest magnitude are
      // judged against that 1% (accumulation-order differences do not shrink with the value)
      let big = 0;
      for (let j = 0; j < per; j++) big = Math.max(big, Math.abs(want[j]!));
      for (let j = 0; j < per; j++) {
        const d = Math.abs(got[j]! - want[j]!);
        row.maxDiff = Math.max(row.maxDiff, d);
        const ok = m.isFloat ? d <= rtol * Math.max(Math.abs(want[j]!), 0.01 * big) : d === 0;
        if (ok) row.equal++;
      }
    }
  }
  return [...rows.values()];
}

/** The model with every oracle intermediate (except the graph input) made a graph output, so a C
 * build writes them all out, packed in this order. */
export function probeGraph(m: OracleModel): { graph: Graph; keys: string[] } {
  const g = m.graph;
  const keys = [...m.intermediates.keys()].sort().filter((k) => m.tensorNames.get(Number(k.slice(1))) !== g.inputs[0]);
  const names = keys.map((k) => m.tensorNames.get(Number(k.slice(1)))!);
  // state tensors as outputs live in the caller's memory: per-inference state (zeroed on entry)
  const tensors = Object.fromEntries(Object.entries(g.tensors).map(([n, t]) => [n, names.includes(n) && t.variable ? { ...t, variable: false } : t]));
  // packed back to back in the harness's output buffer: widest types first keeps every output aligned
  const width = (n: string): number => ({ float32: 4, int32: 4, int16: 2 } as Record<string, number>)[g.tensors[n]!.dtype] ?? 1;
  const outputs = [...new Set(names)].sort((a, b) => width(b) - width(a));
  return { graph: { ...g, tensors, outputs }, keys };
}

/** Bytes of the first n samples of the oracle's inputs. */
export function inputBytes(m: OracleModel, n: number): Uint8Array {
  const per = m.inputs.data.length / m.inputs.shape[0]!;
  const v = m.inputs.data.subarray(0, n * per);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Splits packed per-inference output bytes into one typed array per (output tensor, sample). */
export function unpackOutputs(g: Graph, bytes: Uint8Array, n: number): Map<string, ArrayLike<number>[]> {
  const out = new Map<string, ArrayLike<number>[]>();
  const sizes = g.outputs.map((o) => ({ o, t: g.tensors[o]! }));
  const per = sizes.reduce((s, { t }) => s + numel(t.shape) * ({ float32: 4, int8: 1, int16: 2, int32: 4 } as Record<string, number>)[t.dtype]!, 0);
  let at = 0;
  for (let s = 0; s < n; s++)
    for (const { o, t } of sizes) {
      const count = numel(t.shape);
      const copy = bytes.slice(at, at + count * ({ float32: 4, int8: 1, int16: 2, int32: 4 } as Record<string, number>)[t.dtype]!).buffer;
      at += copy.byteLength;
      const arr = t.dtype === 'float32' ? new Float32Array(copy) : t.dtype === 'int16' ? new Int16Array(copy) : t.dtype === 'int32' ? new Int32Array(copy) : new Int8Array(copy);
      out.set(o, [...(out.get(o) ?? []), arr]);
    }
  if (at !== per * n) throw new Error(`output bytes: used ${at} of ${bytes.length}`);
  return out;
}
