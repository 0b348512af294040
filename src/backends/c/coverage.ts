import { QUANT_KERNEL_OPS } from '../../ir/int8/interpret.ts';
import '../../ir/ops/index.ts';
import { lookupOp, registeredOps } from '../../ir/registry.ts';
import type { Lowering } from './lower/context.ts';
import { kernelSetNamed, kernelSetNames } from './kernels/index.ts';
import { floatLowerings } from './lower/index.ts';
import { int8Lowerings } from './lower/int8.ts';

// What every registered op has, read from the op records (src/ir/traits.ts) and the lowering
// tables, and what is missing. `harc ops` prints the rows; test/ir/op-coverage.test.ts requires no
// problems (and shows that a deliberately incomplete op is reported).

export interface OpCoverage {
  op: string;
  /** float32: a C kernel, a view (no code), folded at compile time, or missing. */
  float: 'kernel' | 'view' | 'folded' | 'integer only' | 'missing';
  /** int8: its integer kernel, a lookup table, bytes moved, or not quantizable. */
  int8: 'kernel' | 'lut' | 'move' | 'none';
  /** How int8 chooses the output's parameters. */
  quant: string;
  /** Kernel sets with a lowering of this op (float or int8). */
  kernelSets: string[];
}

export interface CoverageTables {
  float: Record<string, Lowering>;
  int8: Record<string, Lowering>;
  /** Ops the integer reference interpreter runs with a kernel of its own. */
  int8Interpreter: ReadonlySet<string>;
  /** Kernel set name → the ops it lowers (float or int8). */
  kernelSets: Record<string, readonly string[]>;
}

/** The ops each kernel set lowers on some target (the reference set: every float and int8 lowering). */
function kernelSetOps(): Record<string, readonly string[]> {
  const targets = ['host', 'cortex-m4', 'riscv'];
  return Object.fromEntries(
    kernelSetNames().map((name) => {
      const set = kernelSetNamed(name)!;
      const ops = new Set(targets.flatMap((t) => Object.keys(set.int8(t))));
      if (name === 'reference') for (const op of Object.keys(floatLowerings)) ops.add(op);
      return [name, [...ops].sort()];
    }),
  );
}

export const defaultCoverageTables = (extraKernelSets: Record<string, readonly string[]> = {}): CoverageTables => ({
  float: floatLowerings,
  int8: int8Lowerings,
  int8Interpreter: QUANT_KERNEL_OPS,
  kernelSets: { ...kernelSetOps(), ...extraKernelSets },
});

export function opCoverage(tables: CoverageTables = defaultCoverageTables()): { rows: OpCoverage[]; problems: string[] } {
  const problems: string[] = [];
  const rows: OpCoverage[] = [];
  for (const op of registeredOps()) {
    const def = lookupOp(op)!;
    const t = def.traits;
    const float: OpCoverage['float'] = def.isView ? 'view' : t?.foldOnly ? 'folded' : tables.float[op] ? 'kernel' : t?.integerOnly ? 'integer only' : 'missing';
    const int8 = t?.int8 ?? 'none';
    rows.push({ op, float, int8, quant: t?.quant.kind ?? '?', kernelSets: Object.keys(tables.kernelSets).filter((k) => tables.kernelSets[k]!.includes(op)) });
    if (!t) {
      problems.push(`${op}: registered without traits (OpDef.traits; at least quant: { kind: 'none' })`);
      continue;
    }
    if (typeof def.evaluate !== 'function') problems.push(`${op}: no reference implementation (OpDef.evaluate)`);
    if (float === 'missing') problems.push(`${op}: no float C lowering (src/backends/c/lower/index.ts) and not a view, foldOnly or integerOnly`);
    if (t.quant.kind !== 'none' && !t.int8) problems.push(`${op}: quantized (${t.quant.kind}) but no int8 implementation trait (kernel, lut or move)`);
    if (t.quant.kind === 'none' && t.int8) problems.push(`${op}: int8 '${t.int8}' but quant rule 'none'`);
    if (t.int8 && !def.isView && !tables.int8[op]) problems.push(`${op}: int8 '${t.int8}' but no int8 C lowering (src/backends/c/lower/int8.ts)`);
    if (t.int8 === 'kernel' && !tables.int8Interpreter.has(op)) problems.push(`${op}: int8 'kernel' but no integer interpreter kernel (src/ir/int8/interpret.ts)`);
    if (t.int8 === 'lut' && t.elementwise !== 'unary') problems.push(`${op}: int8 lookup table on a non-unary op`);
  }
  const unknown = (table: string, ops: Iterable<string>): void => {
    for (const op of ops) if (!lookupOp(op)) problems.push(`${op}: ${table} names an op that is not registered`);
  };
  unknown('the float lowering table', Object.keys(tables.float));
  unknown('the int8 lowering table', Object.keys(tables.int8));
  unknown('the integer interpreter', tables.int8Interpreter);
  for (const [name, ops] of Object.entries(tables.kernelSets)) unknown(`kernel set '${name}'`, ops);
  return { rows, problems };
}
