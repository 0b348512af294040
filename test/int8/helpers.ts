import '../../src/ir/ops/index.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpretQuantized } from '../../src/ir/int8/interpret.ts';
import { quantizeForTensor } from '../../src/ir/int8/prepare.ts';
import { numel } from '../../src/ir/shape.ts';
import type { AttrValue, Graph, Node, Tensor, Value } from '../../src/ir/types.ts';
import { calibrate, type CalibMethod } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';

/** Deterministic pseudo-random numbers in [lo, hi). */
export function rng(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0 || 1;
  return (lo = -1, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  };
}

/** A tiny graph builder for per-op tests (ONNX semantics, NCHW). */
export class G {
  tensors: Record<string, Tensor> = {};
  nodes: Node[] = [];
  inputs: string[] = [];
  outputs: string[] = [];
  private k = 0;
  private r: ReturnType<typeof rng>;
  constructor(seed = 1) {
    this.r = rng(seed);
  }
  input(shape: number[], name = 'x'): string {
    this.tensors[name] = { name, shape, dtype: 'float32' };
    this.inputs.push(name);
    return name;
  }
  const(shape: number[], scale = 0.5, offset = 0): string {
    const name = `c${this.k++}`;
    this.tensors[name] = { name, shape, dtype: 'float32', data: Float32Array.from({ length: numel(shape) }, () => offset + this.r() * scale) };
    return name;
  }
  constInts(values: number[]): string {
    const name = `i${this.k++}`;
    this.tensors[name] = { name, shape: [values.length], dtype: 'int64', data: Float64Array.from(values) };
    return name;
  }
  scalar(v: number): string {
    const name = `s${this.k++}`;
    this.tensors[name] = { name, shape: [], dtype: 'float32', data: Float32Array.of(v) };
    return name;
  }
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const out = `t${this.k++}`;
    this.nodes.push({ name: `${op.toLowerCase()}_${this.k}`, op, inputs, outputs: [out], attrs });
    return out;
  }
  graph(output: string | string[]): Graph {
    const outs = Array.isArray(output) ? output : [output];
    return inferShapes({ name: 'g', inputs: this.inputs, outputs: outs, tensors: this.tensors, nodes: this.nodes });
  }
}

/** N random float inputs for a graph's single input. */
export function randomInputs(g: Graph, n: number, seed: number, lo = -2, hi = 2): Value {
  const shape = g.tensors[g.inputs[0]!]!.shape;
  const r = rng(seed);
  return { shape: [n, ...shape], dtype: 'float32', data: Float32Array.from({ length: n * numel(shape) }, () => r(lo, hi)) };
}

export function splitRows(v: Value, shape: number[]): Value[][] {
  const per = numel(shape);
  const n = v.data.length / per;
  return Array.from({ length: n }, (_, i) => [{ shape, dtype: 'float32', data: Float32Array.from((v.data as Float32Array).subarray(i * per, (i + 1) * per)) }]);
}

/** optimize → calibrate → quantize. */
export function quantizeForTest(graph: Graph, calib: Value, method: CalibMethod = 'minmax'): { float: Graph; quant: Graph } {
  const float = optimize(graph);
  const shape = float.tensors[float.inputs[0]!]!.shape;
  const table = calibrate(float, splitRows(calib, shape), { method });
  return { float, quant: quantizeGraph(float, table) };
}

export function quantizeInput(q: Graph, x: Value): Int8Array {
  return quantizeForTensor(q.tensors[q.inputs[0]!]!, x.data as ArrayLike<number>);
}

/** Integer reference outputs (all graph outputs concatenated, per inference) for packed int8 inputs. */
export function referenceBytes(q: Graph, xq: Int8Array): Int8Array {
  const shape = q.tensors[q.inputs[0]!]!.shape;
  const per = numel(shape);
  const n = xq.length / per;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const outs = interpretQuantized(q, { [q.inputs[0]!]: { shape, dtype: 'int8', data: xq.subarray(i * per, (i + 1) * per) } });
    for (const o of q.outputs) rows.push(...Array.from(outs[o]!.data as Int8Array));
  }
  return Int8Array.from(rows);
}

/** Emits, builds and runs the quantized graph on a target; returns the raw output bytes as int8. */
export async function runC(q: Graph, xq: Int8Array, target: TargetName = 'host', model?: EmittedModel, defines?: Record<string, boolean>): Promise<Int8Array> {
  const m = model ?? emitModel(q, { prefix: 'qt' });
  const dir = await mkdtemp(join(tmpdir(), 'harc-int8-test-'));
  try {
    await writeModelDir(m, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    const run = await runFirmware({ target, elf, input: new Uint8Array(xq.buffer, xq.byteOffset, xq.byteLength), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
    return new Int8Array(run.output.buffer.slice(run.output.byteOffset, run.output.byteOffset + run.output.length));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first n inferences of an [N, ...] float array holding `per` values each. */
export function firstRows(v: Value, n: number, per: number): Value {
  return { shape: [n, ...v.shape.slice(1)], dtype: 'float32', data: Float32Array.from((v.data as Float32Array).subarray(0, n * per)) };
}
