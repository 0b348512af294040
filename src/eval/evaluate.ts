import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputError } from '../ir/errors.ts';
import { quantizeForTensor } from '../ir/int8/prepare.ts';
import { numel } from '../ir/shape.ts';
import type { Value } from '../ir/types.ts';
import type { EmittedModel } from '../backends/c/emit-model.ts';
import { writeModelDir } from '../backends/compile.ts';
import { buildFirmware, runFirmware, type TargetName } from '../targets/index.ts';

export { argmaxRows, classificationMetrics, type ClassificationMetrics } from './metrics.ts';

/** Packs float inputs [N, ...] for a compiled model: float32 bytes, or quantized with the input's
 * parameters for an integer model (as its _run_float does). */
export function packForModel(model: EmittedModel, x: Value): { bytes: Uint8Array; n: number } {
  const g = model.graph;
  if (g.inputs.length !== 1) throw inputError('evaluation supports models with one input');
  const t = g.tensors[g.inputs[0]!]!;
  const per = numel(t.shape);
  if (x.data.length % per !== 0) throw inputError(`data shape [${x.shape}] does not hold whole inputs of shape [${t.shape}]`);
  const n = x.data.length / per;
  if (t.quant) {
    const q = quantizeForTensor(t, x.data as ArrayLike<number>);
    return { bytes: new Uint8Array(q.buffer), n };
  }
  const f = Float32Array.from(x.data as ArrayLike<number>);
  return { bytes: new Uint8Array(f.buffer), n };
}

/** Builds the model's C for a target and runs every input through it in one process; returns the
 * raw output of each inference (the model's own dtype, row-major) as numbers. */
export async function runModelBatch(model: EmittedModel, x: Value, opts: { target?: TargetName; onProgress?: (msg: string) => void } = {}): Promise<{ outputs: Float64Array; rowLength: number; n: number }> {
  const target = opts.target ?? 'host';
  const dir = await mkdtemp(join(tmpdir(), 'harc-eval-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    opts.onProgress?.(`building ${model.prefix} for ${target}`);
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build') });
    const { bytes, n } = packForModel(model, x);
    opts.onProgress?.(`running ${n} inferences on ${target}`);
    const run = await runFirmware({ target, elf, input: bytes, inputBytes: model.inputBytes, outputBytes: model.outputBytes, timeoutMs: 600_000 });
    const o = model.graph.tensors[model.graph.outputs[0]!]!;
    const rowLength = numel(o.shape);
    const raw = run.output;
    const vals = o.dtype === 'int8' ? new Int8Array(raw.buffer, raw.byteOffset, raw.length) : new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    // only the first output of each inference (single-output models)
    const perInf = model.outputBytes / (o.dtype === 'int8' ? 1 : 4);
    const outputs = new Float64Array(n * rowLength);
    for (let i = 0; i < n; i++) for (let c = 0; c < rowLength; c++) outputs[i * rowLength + c] = vals[i * perInf + c]!;
    return { outputs, rowLength, n };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
