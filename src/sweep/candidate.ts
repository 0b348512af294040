import type { CMemoryOptions } from '../backends/c/memory.ts';
import { argmaxRows, classificationMetrics, runModelBatch } from '../eval/evaluate.ts';
import { measureModel } from '../targets/measure.ts';
import type { McuTargetName } from '../targets/index.ts';
import { compileCandidate, type SweepBase } from './prepare.ts';
import type { LabelledSet } from './split.ts';
import type { SplitScore, SweepResult, WeightBits } from './types.ts';

// One candidate, measured: its C is built for the host and run over the validation and test
// windows in one process (accuracy, macro-F1), and built for the target and run once in QEMU
// (flash, SRAM, instructions, estimated cycles). Both builds run at the same time. A target-only
// kernel set (harc's M4 DSP or rv32 path) does not build for the host: the host then gets the
// portable set's C, whose outputs are the same bytes (every set is bit-exact with the reference).

export interface CandidateContext {
  base: SweepBase;
  target: McuTargetName;
  memory: CMemoryOptions;
  prefix: string;
  source?: string;
  val: LabelledSet;
  test?: LabelledSet;
}

/** What a candidate measures; `id` and `index` are given by the sweep. */
export type Measured = Omit<SweepResult, 'id' | 'index'>;

const concat = (a: LabelledSet, b: LabelledSet | undefined): LabelledSet => {
  if (!b) return a;
  const data = new Float32Array(a.x.data.length + b.x.data.length);
  data.set(a.x.data as Float32Array);
  data.set(b.x.data as Float32Array, a.x.data.length);
  const y = new Int32Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return { x: { shape: [y.length, ...a.x.shape.slice(1)], dtype: 'float32', data }, y };
};

function score(pred: number[], y: Int32Array, classes: number): SplitScore {
  const m = classificationMetrics(pred, y, classes);
  return { accuracy: m.accuracy, macroF1: m.macroF1, n: y.length };
}

export const uniformOf = (bits: Record<string, WeightBits>): WeightBits | null => {
  const v = Object.values(bits);
  return v.length > 0 && v.every((b) => b === v[0]) ? v[0]! : null;
};

export async function measureCandidate(ctx: CandidateContext, bits: Record<string, WeightBits>): Promise<Measured> {
  ctx.base.quantization(); // calibrated once per sweep, before the first candidate's clock starts
  const t0 = performance.now();
  const model = compileCandidate(ctx.base, bits, { prefix: ctx.prefix, source: ctx.source, memory: ctx.memory });
  const hostModel = ctx.memory.kernels === 'portable' ? model : compileCandidate(ctx.base, bits, { prefix: ctx.prefix, source: ctx.source, memory: { ...ctx.memory, kernels: 'portable' } });
  const t1 = performance.now();
  const all = concat(ctx.val, ctx.test);
  const [run, m] = await Promise.all([runModelBatch(hostModel, all.x, { target: 'host' }), measureModel(model, { target: ctx.target })]);
  const pred = argmaxRows(run.outputs, run.rowLength);
  const nVal = ctx.val.y.length;
  return {
    bits,
    uniform: uniformOf(bits),
    val: score(pred.slice(0, nVal), ctx.val.y, run.rowLength),
    ...(ctx.test ? { test: score(pred.slice(nVal), ctx.test.y, run.rowLength) } : {}),
    weightBytes: m.flash.weights,
    flash: m.flash.total,
    sram: m.sram.total,
    instructions: m.instructions,
    cycles: m.cyclesEstimate,
    compileMs: Math.round(t1 - t0),
    runMs: Math.round(performance.now() - t1),
  };
}
