import type { SweepResult, WeightBits } from './types.ts';

// `harc sweep pick`: the most accurate candidate on VALIDATION data within the budgets. Ties go to
// the higher validation macro-F1, then the smaller flash, SRAM, cycles, then the earlier index.

export interface Budget {
  maxFlash?: number;
  maxSram?: number;
  maxCycles?: number;
}

export const withinBudget = (r: SweepResult, b: Budget): boolean =>
  (b.maxFlash === undefined || r.flash <= b.maxFlash) && (b.maxSram === undefined || r.sram <= b.maxSram) && (b.maxCycles === undefined || r.cycles <= b.maxCycles);

const better = (a: SweepResult, b: SweepResult): boolean => {
  const keys: [number, number][] = [
    [b.val.accuracy, a.val.accuracy],
    [b.val.macroF1, a.val.macroF1],
    [a.flash, b.flash],
    [a.sram, b.sram],
    [a.cycles, b.cycles],
    [a.index, b.index],
  ];
  for (const [x, y] of keys) if (x !== y) return x < y;
  return false;
};

export function pickCandidate(results: readonly SweepResult[], budget: Budget): SweepResult | undefined {
  return results.filter((r) => withinBudget(r, budget)).reduce<SweepResult | undefined>((best, r) => (!best || better(r, best) ? r : best), undefined);
}

/** The `--bits FILE.json` text for a candidate: every swept layer by its exact name. */
export const bitsFileText = (bits: Record<string, WeightBits>): string => `${JSON.stringify(bits, null, 2)}\n`;
