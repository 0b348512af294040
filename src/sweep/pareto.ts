import type { ParetoFile, SweepResult } from './types.ts';

// The non-dominated candidates over the validation accuracy (higher is better), flash, SRAM and
// estimated cycles (lower is better). The front is chosen on validation data only: test accuracy
// is reported beside it and never decides.

export type Objectives = Pick<SweepResult, 'val' | 'flash' | 'sram' | 'cycles'>;

export const OBJECTIVES: ParetoFile['objectives'] = ['val.accuracy:max', 'flash:min', 'sram:min', 'cycles:min'];

/** a dominates b: no worse in every objective and better in at least one. */
export function dominates(a: Objectives, b: Objectives): boolean {
  const noWorse = a.val.accuracy >= b.val.accuracy && a.flash <= b.flash && a.sram <= b.sram && a.cycles <= b.cycles;
  const better = a.val.accuracy > b.val.accuracy || a.flash < b.flash || a.sram < b.sram || a.cycles < b.cycles;
  return noWorse && better;
}

/** The candidates nobody dominates, in the order given (candidates with equal objectives are all kept). */
export const paretoFront = <T extends Objectives>(rs: readonly T[]): T[] => rs.filter((r) => !rs.some((o) => dominates(o, r)));

export function paretoFile(model: string, target: string, results: readonly SweepResult[]): ParetoFile {
  return { model, target, objectives: OBJECTIVES, front: paretoFront(results).map((r) => r.id), candidates: results.length };
}
