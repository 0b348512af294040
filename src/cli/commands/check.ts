import { writeFileAtomic } from '../../backends/fs-safe.ts';
import type { Measurement } from '../../targets/measure.ts';
import { fmtBytes, fmtInt, table } from '../format.ts';
import { printable } from '../notice.ts';
import { measureFor, type MeasureArgs } from './measure.ts';

export interface Budget {
  name: 'flash' | 'sram' | 'cycles';
  limit: number;
  actual: number;
  unit: 'bytes' | 'cycles';
  ok: boolean;
  /** actual − limit; positive = over budget. */
  over: number;
}

/** The machine-readable result of `harc check` (schema: docs/check-report.schema.json). */
export interface CheckReport {
  harcCheckReport: 1;
  model: string;
  target: string;
  board: string;
  ok: boolean;
  budgets: Budget[];
  measurement: Measurement;
}

export function evaluateBudgets(m: Measurement, limits: { flash?: number; sram?: number; cycles?: number }): Budget[] {
  const out: Budget[] = [];
  const add = (name: Budget['name'], limit: number | undefined, actual: number, unit: Budget['unit']): void => {
    if (limit !== undefined) out.push({ name, limit, actual, unit, ok: actual <= limit, over: actual - limit });
  };
  add('flash', limits.flash, m.flash.total, 'bytes');
  add('sram', limits.sram, m.sram.total, 'bytes');
  add('cycles', limits.cycles, m.cyclesEstimate, 'cycles');
  return out;
}

/** `harc check`: gate a model on flash/SRAM/cycle budgets. Exit 0 within budget, 1 over. */
export async function checkCommand(a: MeasureArgs & { maxFlash?: number; maxSram?: number; maxCycles?: number; report?: string }): Promise<number> {
  const m = await measureFor(a);
  const budgets = evaluateBudgets(m, { flash: a.maxFlash, sram: a.maxSram, cycles: a.maxCycles });
  const ok = budgets.every((b) => b.ok);
  const report: CheckReport = { harcCheckReport: 1, model: a.model, target: m.target, board: m.board, ok, budgets, measurement: m };
  if (a.report) await writeFileAtomic(a.report, JSON.stringify(report, null, 2) + '\n');
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else {
    const show = (b: Budget, v: number): string => (b.unit === 'bytes' ? fmtBytes(v) : fmtInt(v));
    console.log(`${printable(a.model)} on ${m.target} (${m.board}):`);
    console.log(
      table(
        ['budget', 'limit', 'actual', 'use', 'status'],
        budgets.map((b) => [b.name, show(b, b.limit), show(b, b.actual), b.limit > 0 ? `${((100 * b.actual) / b.limit).toFixed(1)}%` : '', b.ok ? 'ok' : `OVER by ${show(b, b.over)}`]),
      ),
    );
    console.log(ok ? 'within budget' : `over budget: ${budgets.filter((b) => !b.ok).map((b) => b.name).join(', ')}`);
  }
  return ok ? 0 : 1;
}
