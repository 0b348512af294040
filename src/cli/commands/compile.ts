import { join } from 'node:path';
import { writeModelDir } from '../../backends/compile.ts';
import { writeFileAtomic } from '../../backends/fs-safe.ts';
import { render } from '../../backends/c/templates.ts';
import { resolveBoard, type TargetName } from '../../targets/index.ts';
import { cmsisNnSnippet } from '../../targets/cmsis-nn.ts';
import type { CMemoryOptions } from '../../backends/c/memory.ts';
import { graphToJson } from '../../ir/serialize.ts';
import { fmtBytes } from '../format.ts';
import type { LoadArgs } from '../model-input.ts';
import { defaultPrefix } from '../model-input.ts';
import { notice } from '../notice.ts';
import { markerText, OUTPUT_MARKER } from '../output.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';

export interface CompileArgs extends PrecisionArgs, LoadArgs {
  model: string;
  target: TargetName;
  out: string;
  name?: string;
  board?: string;
  saveJson?: string;
  json?: boolean;
  /** Arena options (--align, --io-in-arena). */
  memory?: CMemoryOptions;
  /** Print what each pipeline stage changed (stderr). */
  trace?: boolean;
}

/** `harc compile`: C sources, weights and build snippets for one model (destinations checked by the caller). */
export async function compileCommand(a: CompileArgs): Promise<number> {
  const onStage = a.trace ? (stage: string, summary: string) => void process.stderr.write(`harc: ${stage.padEnd(19)} ${summary}\n`) : undefined;
  const model = compileForCli(a.model, { ...a, name: a.name ?? defaultPrefix(a.model) }, { memory: a.memory, onStage });
  if (a.name !== undefined && a.name !== model.prefix) notice(`--name '${a.name}' is not a lower-case C identifier: the API prefix is '${model.prefix}'`);
  const cpuFlags = a.target === 'host' ? [] : [...resolveBoard(a.target, a.board).cpuFlags];
  const snippet = { prefix: model.prefix, target: a.target, cpuFlags, cmsisNn: cmsisNnSnippet(model.files) };
  const extra = { 'harc.mk': render('model/harc.mk', snippet), 'harc.cmake': render('model/harc.cmake', snippet) };
  const files = [...Object.keys(model.files), ...Object.keys(extra)];
  await writeModelDir(model, a.out, { ...extra, [OUTPUT_MARKER]: markerText(files) });
  if (a.saveJson) await writeFileAtomic(a.saveJson, JSON.stringify(graphToJson(model.graph).json, null, 1) + '\n');
  const int8 = Boolean(model.files['harc_fixedpoint.h']);
  if (a.json) {
    console.log(JSON.stringify({ out: a.out, files, prefix: model.prefix, precision: int8 ? 'int8' : 'float', target: a.target, layers: model.layers.length, arenaBytes: model.plan.bytes }, null, 2));
    return 0;
  }
  console.log(
    `wrote ${join(a.out, 'model.h')}, model.c, weights.c/.h, ${int8 ? 'harc_fixedpoint.h, ' : ''}harc.mk, harc.cmake: ${model.layers.length} layers, ` +
      `arena ${fmtBytes(model.plan.bytes)}, API ${model.prefix}_run()${model.files['model.h']!.includes(`${model.prefix}_run_float(`) ? ` (int8) and ${model.prefix}_run_float()` : ''}`,
  );
  return 0;
}
