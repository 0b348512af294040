import { defaultCoverageTables, opCoverage } from '../../backends/c/coverage.ts';
import { table } from '../format.ts';

const FLOAT = { kernel: 'C kernel', view: 'view (no code)', folded: 'folded at compile time', 'integer only': 'integer only', missing: '—' } as const;
const INT8 = { kernel: 'integer kernel', lut: 'lookup table', move: 'bytes moved', none: '—' } as const;
const QUANT: Record<string, string> = { calibrated: 'calibrated', weights: 'calibrated, per-channel weights', inherits: "input's", fixed: 'fixed by the kernel', recurrent: 'recurrent scheme', imported: 'from the imported model', none: '—' };

/** `harc ops`: every registered operator, derived from its op record (src/ir/traits.ts) and the
 * lowering tables: float32, int8 (and how its output scale is chosen), the kernel sets lowering it. */
export function opsCommand(): number {
  const { rows, problems } = opCoverage(defaultCoverageTables());
  console.log(
    table(
      ['op', 'float32', 'int8', 'int8 output scale', 'kernel sets'],
      rows.map((r) => [r.op, FLOAT[r.float], INT8[r.int8], r.int8 === 'none' ? '—' : (QUANT[r.quant] ?? r.quant), r.kernelSets.join(', ') || '—']),
    ),
  );
  for (const p of problems) console.log(`incomplete: ${p}`);
  return 0;
}
