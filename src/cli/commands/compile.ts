import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGraph, writeModelDir } from '../../backends/compile.ts';
import { render } from '../../backends/c/templates.ts';
import { resolveBoard, type TargetName } from '../../backends/targets/index.ts';
import { graphToJson } from '../../ir/serialize.ts';
import { fmtBytes, progress } from '../format.ts';
import { defaultPrefix, loadForCli } from '../model-input.ts';

export interface CompileArgs {
  model: string;
  target: TargetName;
  out: string;
  name?: string;
  const?: string[];
  board?: string;
  saveJson?: string;
}

/** `harc compile`: C sources, weights and build snippets for one model. */
export async function compileCommand(a: CompileArgs): Promise<number> {
  progress(`loading ${a.model}`);
  const graph = loadForCli(a.model, a.const);
  const model = compileGraph(graph, { prefix: a.name ?? defaultPrefix(a.model), source: a.model });
  const cpuFlags = a.target === 'host' ? [] : [...resolveBoard(a.target, a.board).cpuFlags];
  const snippet = { prefix: model.prefix, target: a.target, cpuFlags };
  await writeModelDir(model, a.out, { 'harc.mk': render('model/harc.mk', snippet), 'harc.cmake': render('model/harc.cmake', snippet) });
  if (a.saveJson) writeFileSync(a.saveJson, JSON.stringify(graphToJson(model.graph).json, null, 1) + '\n');
  console.log(
    `wrote ${join(a.out, 'model.h')}, model.c, weights.c/.h, harc.mk, harc.cmake: ${model.layers.length} layers, ` +
      `arena ${fmtBytes(model.plan.bytes)}, API ${model.prefix}_run()`,
  );
  return 0;
}
