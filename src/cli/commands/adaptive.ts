import { join } from 'node:path';
import { compileAdaptive, parsePolicy, policyThresholds, type AdaptiveModel } from '../../backends/adaptive.ts';
import { runAdaptive } from '../../targets/adaptive-run.ts';
import type { CMemoryOptions } from '../../backends/c/memory.ts';
import { defaultAlignment } from '../../backends/c/memory.ts';
import { writeModelDir } from '../../backends/compile.ts';
import { render } from '../../backends/c/templates.ts';
import { resolveBoard, type OptLevel, type TargetName } from '../../targets/index.ts';
import { inputError } from '../../ir/errors.ts';
import { encodeNpy, readNpy } from '../../ir/npy.ts';
import { writeFileAtomic } from '../../backends/fs-safe.ts';
import { fmtBytes, progress } from '../format.ts';
import { defaultPrefix, loadForCli, type LoadArgs } from '../model-input.ts';
import { markerText, OUTPUT_MARKER } from '../output.ts';
import { precisionOptions, type PrecisionArgs } from '../precision.ts';
import { packInputs, toModelInputs } from '../tensors.ts';

// `harc compile --exits` and `harc run --exits --policy`: the staged program of src/backends/adaptive.ts.

export interface AdaptiveCompileArgs extends PrecisionArgs, LoadArgs {
  model: string;
  exits: string;
  name?: string;
  memory?: CMemoryOptions;
  onStage?: (stage: string, summary: string) => void;
}

export function compileAdaptiveForCli(a: AdaptiveCompileArgs): AdaptiveModel {
  const graph = loadForCli(a.model, a);
  return compileAdaptive(graph, a.exits, { prefix: a.name ?? defaultPrefix(a.model), source: a.model, memory: a.memory, onStage: a.onStage, precision: precisionOptions(a, graph) });
}

/** `harc compile --exits`: the usual files, model.h/.c with the staged API. */
export async function compileAdaptiveCommand(a: AdaptiveCompileArgs & { out: string; target: TargetName; board?: string }): Promise<number> {
  const model = compileAdaptiveForCli(a);
  const cpuFlags = a.target === 'host' ? [] : [...resolveBoard(a.target, a.board).cpuFlags];
  const snippet = { prefix: model.prefix, target: a.target, cpuFlags };
  const extra = { 'harc.mk': render('model/harc.mk', snippet), 'harc.cmake': render('model/harc.cmake', snippet) };
  await writeModelDir(model, a.out, { ...extra, [OUTPUT_MARKER]: markerText([...Object.keys(model.files), ...Object.keys(extra)]) });
  console.log(`wrote ${join(a.out, 'model.h')}, model.c, weights.c/.h: ${model.layers.length} layers, arena ${fmtBytes(model.plan.bytes)}, API ${model.prefix}_run() and ${model.prefix}_run_adaptive()`);
  model.exits.forEach((x, k) => console.log(`  stage ${k + 1}: ${x.layers.length} layers, ${x.macs} MACs → exit '${x.output}'${x.scale !== undefined ? ` (int8 scores, scale ${x.scale.toPrecision(6)})` : ''}`));
  return 0;
}

/** `harc run --exits --policy kind:θ1,θ2`: `_run_adaptive` on every window; the exit taken and its scores. */
export async function runAdaptiveCommand(a: AdaptiveCompileArgs & { target: TargetName; board?: string; opt: OptLevel; input: string[]; output?: string[]; policy?: string }): Promise<number> {
  if (!a.policy) throw inputError('--exits with harc run needs --policy margin:θ1,θ2,… or softmax:θ1,θ2,…');
  if (a.input.length !== 1) throw inputError(`--exits: give one --input (got ${a.input.length})`);
  const model = compileAdaptiveForCli({ ...a, memory: a.memory ?? { alignment: defaultAlignment(a.target) } });
  const policy = parsePolicy(a.policy, model.exits.length);
  const thresholds = policyThresholds(model, policy);
  const values = toModelInputs(model.graph, a.input.map(readNpy), a.input);
  const packed = packInputs(model.graph, values, a.input);
  const windows = Array.from({ length: packed.n }, (_, w) => packed.bytes.slice(w * model.inputBytes, (w + 1) * model.inputBytes));
  progress(`running ${packed.n} window${packed.n === 1 ? '' : 's'} through ${model.prefix}_run_adaptive on ${a.target} (policy ${policy.kind}, device thresholds ${thresholds.slice(0, -1).join(', ')})`);
  const r = await runAdaptive(model, windows, windows.map(() => ({ kind: policy.kind, thresholds })), { target: a.target, board: a.board, optLevel: a.opt });
  const counts = model.exits.map((_, k) => r.exits.filter((e) => e === k).length);
  console.log(`exits taken: ${model.exits.map((x, k) => `${x.output} ${counts[k]} (${((100 * counts[k]!) / packed.n).toFixed(1)} %)`).join(', ')}`);
  if (a.output?.[0]) {
    await writeFileAtomic(a.output[0], encodeNpy({ shape: [packed.n], dtype: 'int32', data: Int32Array.from(r.exits) }));
    console.log(`wrote ${a.output[0]} (exit index per window)`);
  } else {
    for (let w = 0; w < Math.min(packed.n, 20); w++) {
      const s = r.scores[w]!;
      const v = model.int8 ? Array.from(new Int8Array(s.buffer, s.byteOffset, s.length)) : Array.from(new Float32Array(s.buffer.slice(s.byteOffset, s.byteOffset + s.length)), (x) => x.toPrecision(5));
      console.log(`  window ${w}: exit ${r.exits[w]! + 1} (${model.exits[r.exits[w]!]!.output})  ${v.join(' ')}`);
    }
    if (packed.n > 20) console.log(`  … ${packed.n - 20} more (use --output FILE.npy)`);
  }
  return 0;
}
