import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadModel } from '../../frontends/load.ts';
import { foldConstants } from '../../passes/fold-constants.ts';
import { graphToJson } from '../../ir/serialize.ts';

/** `harc convert`: any model harc reads → harc's JSON format (weights inline or in a side file). */
export function convertCommand(a: { model: string; out: string; weightsFile?: boolean }): number {
  // shapes resolved and PyTorch's shape arithmetic folded: the saved graph is static and plain
  const graph = foldConstants(loadModel(a.model));
  const weightsName = a.weightsFile ? basename(a.out).replace(/\.json$/i, '') + '.weights.bin' : undefined;
  const { json, weights } = graphToJson(graph, weightsName ? { weightsFile: weightsName } : {});
  writeFileSync(a.out, JSON.stringify(json, null, 1) + '\n');
  if (weights && weightsName) writeFileSync(join(dirname(a.out), weightsName), weights);
  console.log(`wrote ${a.out}${weightsName ? ` and ${weightsName}` : ''}: ${graph.nodes.length} nodes, ${json.tensors.length} tensors`);
  return 0;
}
