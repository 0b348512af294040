import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeModelDir } from '../../backends/compile.ts';
import { render } from '../../backends/c/templates.ts';
import { resolveBoard, type TargetName } from '../../backends/targets/index.ts';
import { cmsisNnSnippet } from '../../backends/targets/cmsis-nn.ts';
import type { CMemoryOptions } from '../../backends/c/memory.ts';
import { graphToJson } from '../../ir/serialize.ts';
import { fmtBytes, progress } from '../format.ts';
import { defaultPrefix } from '../model-input.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';

export interface CompileArgs extends PrecisionArgs {
  model: string;
  target: TargetName;
  out: string;
  name?: string;
  const?: string[];
  board?: string;
  saveJson?: string;
  /** Arena options (--align, --io-in-arena). */
  memory?: CMemoryOptions;
  /** Print what each pipeline stage changed (stderr). */
  trace?: boolean;
}

/** `harc compile`: C sources, weights and build snippets for one model. */
export async function compileCommand(a: CompileArgs): Promise<number> {
  progress(`loading ${a.model}`);
  const onStage = a.trace ? (stage: string, summary: string) => void process.stderr.write(`harc: ${stage.padEnd(19)} ${summary}\n`) : undefined;
  const model = compileForCli(a.model, { ...a, name: a.name ?? defaultPrefix(a.model) }, { memory: a.memory, onStage });
  const cpuFlags = a.target === 'host' ? [] : [...resolveBoard(a.target, a.board).cpuFlags];
  const snippet = { prefix: model.prefix, target: a.target, cpuFlags, cmsisNn: cmsisNnSnippet(model.files) };
  await writeModelDir(model, a.out, { 'harc.mk': render('model/harc.mk', snippet), 'harc.cmake': render('model/harc.cmake', snippet) });
  if (a.saveJson) writeFileSync(a.saveJson, JSON.stringify(graphToJson(model.graph).json, null, 1) + '\n');
  console.log(
    `wrote ${join(a.out, 'model.h')}, model.c, weights.c/.h, ${model.files['harc_fixedpoint.h'] ? 'harc_fixedpoint.h, ' : ''}harc.mk, harc.cmake: ${model.layers.length} layers, ` +
      `arena ${fmtBytes(model.plan.bytes)}, API ${model.prefix}_run()${model.files['harc_fixedpoint.h'] ? ` (int8) and ${model.prefix}_run_float()` : ''}`,
  );
  return 0;
}
