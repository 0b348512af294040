import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../backends/fs-safe.ts';
import { loadModel } from '../../frontends/load.ts';
import { foldConstants } from '../../passes/fold-constants.ts';
import { graphToJson } from '../../ir/serialize.ts';
import { foldQdq } from '../model-input.ts';
import { notice } from '../notice.ts';
import { checkFiniteWeights } from '../validate.ts';

/** `harc convert`: any model harc reads → harc's JSON format (weights inline or in a side file). */
export async function convertCommand(a: { model: string; out: string; weightsFile?: boolean; json?: boolean; allowNonfinite?: boolean }): Promise<number> {
  // shapes resolved and PyTorch's shape arithmetic folded: the saved graph is static and plain
  const graph = foldConstants(foldQdq(loadModel(a.model, notice)));
  checkFiniteWeights(graph, a.allowNonfinite ?? false);
  const weightsName = a.weightsFile ? basename(a.out).replace(/\.json$/i, '') + '.weights.bin' : undefined;
  const { json, weights } = graphToJson(graph, weightsName ? { weightsFile: weightsName } : {});
  if (weights && weightsName) await writeFileAtomic(join(dirname(a.out), weightsName), weights);
  await writeFileAtomic(a.out, JSON.stringify(json, null, 1) + '\n');
  if (a.json) console.log(JSON.stringify({ out: a.out, weightsFile: weightsName ? join(dirname(a.out), weightsName) : null, nodes: graph.nodes.length, tensors: json.tensors.length }, null, 2));
  else console.log(`wrote ${a.out}${weightsName ? ` and ${weightsName}` : ''}: ${graph.nodes.length} nodes, ${json.tensors.length} tensors`);
  return 0;
}
