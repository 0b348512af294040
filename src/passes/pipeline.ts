import { inferShapes } from '../ir/infer.ts';
import type { Graph } from '../ir/types.ts';
import { absorbInputTranspose, absorbInt8InputTranspose } from './absorb-input-transpose.ts';
import { eliminateDeadCode } from './dead-code.ts';
import { foldAffineIntoConsumers, foldAffineIntoProducers } from './fold-affine.ts';
import { foldAffineIntoRecurrent } from './fold-affine-recurrent.ts';
import { foldBatchNorm } from './fold-batchnorm.ts';
import { foldConstants } from './fold-constants.ts';
import { hoistAffineAboveTranspose } from './hoist-affine-transpose.ts';
import { fuseActivations } from './fuse-activation.ts';
import { convertToChannelsLast } from './layout.ts';
import { removeIdentity } from './remove-identity.ts';
import { transposesToViews } from './transpose-views.ts';

export interface PassRecord {
  pass: string;
  nodes: number;
}

const FLOAT_PIPELINE: [string, (g: Graph) => Graph][] = [
  ['fold-constants', foldConstants],
  ['remove-identity', removeIdentity],
  ['fold-batchnorm', foldBatchNorm],
  ['fold-affine-producers', foldAffineIntoProducers],
  ['layout-channels-last', convertToChannelsLast],
  ['hoist-affine-transpose', hoistAffineAboveTranspose],
  ['fold-affine-consumers', foldAffineIntoConsumers],
  ['fold-affine-recurrent', foldAffineIntoRecurrent],
  ['fuse-activations', fuseActivations],
  ['transpose-views', transposesToViews],
  ['dead-code', eliminateDeadCode],
];

/** The standard float pipeline; each pass is a pure Graph → Graph function. Shapes are re-inferred
 * after every pass so each sees a consistent graph. */
export function optimize(graph: Graph, opts: { trace?: PassRecord[]; skip?: string[] } = {}): Graph {
  let g = inferShapes(graph, { fold: true });
  for (const [name, pass] of FLOAT_PIPELINE) {
    if (opts.skip?.includes(name)) continue;
    g = inferShapes(pass(g), { fold: true });
    opts.trace?.push({ pass: name, nodes: g.nodes.length });
  }
  return g;
}

/** Passes for a graph that stays float (after `optimize`, instead of quantization). */
const FLOAT_ONLY_PIPELINE: [string, (g: Graph) => Graph][] = [['absorb-input-transpose', absorbInputTranspose]];

export function optimizeFloatOnly(graph: Graph): Graph {
  let g = graph;
  for (const [, pass] of FLOAT_ONLY_PIPELINE) g = inferShapes(pass(g), { fold: true });
  return g;
}

/** Passes for a graph quantized by harc (after quantizeGraph): its first Conv reads a channels-first
 * int8 input in place. */
export const optimizeQuantizedOnly = (graph: Graph): Graph => inferShapes(absorbInt8InputTranspose(graph), { fold: false });
