import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compileGraph, writeModelDir } from '../../src/backends/compile.ts';
import type { EmittedModel } from '../../src/backends/c/emit-model.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import type { Graph } from '../../src/ir/types.ts';

export interface CRun {
  model: EmittedModel;
  /** One Float32Array per graph output, in graph order. */
  outputs: Float32Array[];
}

/** Compiles a graph to C, builds it for a target and runs it on one float32 input per graph input
 * (concatenated in graph order). */
export async function runC(graph: Graph, inputs: Float32Array[], dir: string, target: TargetName = 'host', model?: EmittedModel): Promise<CRun> {
  const m = model ?? compileGraph(graph);
  await mkdir(dir, { recursive: true });
  await writeModelDir(m, join(dir, 'src'));
  const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, `build-${target}`) });
  const total = inputs.reduce((s, x) => s + x.length, 0);
  const packed = new Float32Array(total);
  let at = 0;
  for (const x of inputs) {
    packed.set(x, at);
    at += x.length;
  }
  if (packed.byteLength !== m.inputBytes) throw new Error(`input is ${packed.byteLength} bytes, the model takes ${m.inputBytes}`);
  const r = await runFirmware({ target, elf, input: new Uint8Array(packed.buffer), inputBytes: m.inputBytes, outputBytes: m.outputBytes, timeoutMs: 60_000 });
  const flat = new Float32Array(r.output.slice().buffer);
  const outputs: Float32Array[] = [];
  at = 0;
  for (const o of m.graph.outputs) {
    const n = m.graph.tensors[o]!.shape.reduce((a, b) => a * b, 1);
    outputs.push(flat.slice(at, at + n));
    at += n;
  }
  return { model: m, outputs };
}
