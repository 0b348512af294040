import type { EmittedModel } from '../backends/c/emit-model.ts';
import type { CMemoryOptions } from '../backends/c/memory.ts';
import { calibrateFor } from '../backends/precision.ts';
import { calibrationKey } from '../backends/calibration-cache.ts';
import { readCachedMeans, writeCachedMeans } from './cache.ts';
import { STAGES, type PipelineState } from '../backends/pipeline.ts';
import { inputError } from '../ir/errors.ts';
import type { Graph, Value } from '../ir/types.ts';
import { optimize } from '../passes/pipeline.ts';
import { quantizeGraph } from '../passes/quantize.ts';
import { channelMeans } from '../passes/subbyte-ptq.ts';
import { globMatches, isWeightedNode } from '../passes/weight-bits.ts';
import { splitSamples, type CalibMethod, type CalibrationTable } from '../planning/calibrate.ts';
import type { WeightBits } from './types.ts';

// What every candidate shares, computed once per sweep: the float passes, the calibration table
// (activation ranges do not depend on weight bits) and the channel means of the weighted layers'
// inputs (sub-byte bias correction). A candidate then only quantizes and emits; its C is the C
// `harc compile --bits` writes for the same bits (test/sweep/candidate-c.test.ts checks this).

export interface SweepBase {
  /** The graph after the float passes, which every candidate quantizes. */
  optimized: Graph;
  /** Every weighted layer, in graph order. */
  weighted: string[];
  /** The calibration table and channel means: computed on first use, so a sweep served wholly
   * from the cache neither calibrates nor interprets the calibration data. */
  quantization(): { table: CalibrationTable; means: Record<string, Float64Array> };
}

export function prepareSweep(graph: Graph, calib: Value, calibMethod: CalibMethod = 'minmax'): SweepBase {
  const optimized = optimize(graph);
  const weightedNodes = optimized.nodes.filter(isWeightedNode);
  let done: ReturnType<SweepBase['quantization']> | undefined;
  const quantization = (): ReturnType<SweepBase['quantization']> => {
    if (done) return done;
    const table = calibrateFor(optimized, { precision: 'int8', calib, calibMethod });
    // the means depend on the graph and the calibration data only: cached like the table
    const key = calibrationKey(optimized, calib, { method: 'channel-means' as CalibMethod });
    const means = readCachedMeans(key) ?? channelMeans(optimized, splitSamples(optimized, calib, 'calibration data'), new Set(weightedNodes.map((n) => n.inputs[0]!)));
    writeCachedMeans(key, means);
    return (done = { table, means });
  };
  return { optimized, weighted: weightedNodes.map((n) => n.name), quantization };
}

/** The swept layers: every weighted layer matched by one of the globs (all of them without globs),
 * in graph order. A glob that matches no weighted layer is an error naming the layers. */
export function sweptLayers(weighted: readonly string[], globs: readonly string[] | undefined): string[] {
  if (weighted.length === 0) throw inputError('the model has no weighted layer (Conv, Gemm, MatMul, LSTM, GRU, RNN) whose weight bits could be swept');
  if (!globs?.length) return [...weighted];
  for (const g of globs)
    if (!weighted.some((name) => globMatches(g, name))) throw inputError(`--layers '${g}' matches no weighted layer (layers: ${weighted.join(', ') || 'none'}; see harc inspect --json)`);
  return weighted.filter((name) => globs.some((g) => globMatches(g, name)));
}

/** Every weighted layer's bits: the swept ones as given, the rest 8. */
export const layerBitsOf = (base: SweepBase, bits: Record<string, WeightBits>): Map<string, WeightBits> => new Map(base.weighted.map((n) => [n, bits[n] ?? 8]));

const AFTER_QUANTIZE = STAGES.slice(STAGES.findIndex((s) => s.name === 'quantize') + 1);

/** A candidate's C: quantize with the shared table, then the pipeline's remaining stages. */
export function compileCandidate(base: SweepBase, bits: Record<string, WeightBits>, opts: { prefix: string; source?: string; memory: CMemoryOptions }): EmittedModel {
  const { table, means } = base.quantization();
  const graph = quantizeGraph(base.optimized, table, { bits: 8, layerWeightBits: layerBitsOf(base, bits), inputMeans: means });
  const o = { prefix: opts.prefix, source: opts.source, memory: opts.memory, precision: { precision: 'int8' as const } };
  let s: PipelineState = { graph, calibration: table };
  for (const stage of AFTER_QUANTIZE) s = stage.run(s, o);
  return s.model!;
}
