import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Graph } from '../ir/types.ts';
import { cannotWrite, makeDirs } from './fs-safe.ts';
import type { PassRecord } from '../passes/pipeline.ts';
import type { EmittedModel } from './c/emit-model.ts';
import type { CMemoryOptions } from './c/memory.ts';
import { runPipeline } from './pipeline.ts';
import type { PrecisionOptions } from './precision.ts';

export interface CompileOptions {
  prefix?: string;
  source?: string;
  alignment?: number;
  trace?: PassRecord[];
  /** float (default) or int8 with calibration data. */
  precision?: PrecisionOptions;
  /** Arena planning: alignment, inputs/outputs in the arena, scheduling / in-place switches. */
  memory?: CMemoryOptions;
  /** After every stage of src/backends/pipeline.ts: what it changed (harc compile --trace). */
  onStage?: (stage: string, summary: string) => void;
}

/** Graph → C sources (in memory): the stages of src/backends/pipeline.ts. */
export function compileGraph(graph: Graph, opts: CompileOptions = {}): EmittedModel {
  return runPipeline(graph, { prefix: opts.prefix, source: opts.source, alignment: opts.alignment, memory: opts.memory, precision: opts.precision, passTrace: opts.trace, onStage: opts.onStage });
}

/** Writes the emitted files atomically: into a sibling temp dir first, then renamed into place, so
 * a failure never leaves half-written output (nor the temp directory). */
export async function writeModelDir(model: EmittedModel, outDir: string, extra: Record<string, string> = {}): Promise<void> {
  const target = resolve(outDir);
  const tmp = `${target}.harc-tmp-${process.pid}`;
  try {
    await makeDirs(dirname(target));
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    for (const [name, text] of Object.entries({ ...model.files, ...extra })) {
      await mkdir(dirname(join(tmp, name)), { recursive: true });
      await writeFile(join(tmp, name), text);
    }
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw cannotWrite(outDir, e);
  }
}
