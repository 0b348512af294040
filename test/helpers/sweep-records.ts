import { createHash } from 'node:crypto';
import type { ParetoFile, SweepResult, WeightBits } from '../../src/sweep/types.ts';
import { rng } from '../quant/cdriver.ts';

// Sweep records shaped like a real har-cnn sweep (layer sizes, cost model and accuracy losses of the
// right order), from a seeded generator: for the report's tests and an illustrative screenshot,
// never for any figure a document quotes as measured.

export { rng as prng };

interface SyntheticLayer {
  name: string;
  weights: number;
  biases: number;
  macs: number;
  /** Accuracy lost at 4 and 2 bits. */
  loss4: number;
  loss2: number;
}

export const HAR_CNN_LAYERS: SyntheticLayer[] = [
  { name: 'conv1', weights: 9 * 3 * 32, biases: 32, macs: 120 * 9 * 3 * 32, loss4: 0.004, loss2: 0.06 },
  { name: 'conv2', weights: 5 * 32 * 64, biases: 64, macs: 56 * 5 * 32 * 64, loss4: 0.002, loss2: 0.025 },
  { name: 'conv3', weights: 3 * 64 * 64, biases: 64, macs: 26 * 3 * 64 * 64, loss4: 0.001, loss2: 0.015 },
  { name: 'fc1', weights: 64 * 128, biases: 128, macs: 64 * 128, loss4: 0.001, loss2: 0.01 },
  { name: 'fc2', weights: 128 * 6, biases: 6, macs: 128 * 6, loss4: 0.003, loss2: 0.04 },
];

const WIDTHS: WeightBits[] = [8, 4, 2];

/** Every assignment of widths to layers (exhaustive), candidate i in base-|widths| order. */
export function syntheticSweep(seed = 1, layers: SyntheticLayer[] = HAR_CNN_LAYERS, widths: WeightBits[] = WIDTHS): { results: SweepResult[]; pareto: ParetoFile } {
  const rnd = rng(seed);
  const n = widths.length ** layers.length;
  const results: SweepResult[] = [];
  for (let i = 0; i < n; i++) {
    const bits: Record<string, WeightBits> = {};
    let k = i;
    for (const l of layers) {
      bits[l.name] = widths[k % widths.length]!;
      k = Math.floor(k / widths.length);
    }
    const bs = Object.values(bits);
    const uniform = bs.every((b) => b === bs[0]) ? bs[0]! : null;
    const weightBytes = layers.reduce((s, l) => s + Math.ceil((l.weights * bits[l.name]!) / 8) + 4 * l.biases, 0);
    const loss = layers.reduce((s, l) => s + (bits[l.name] === 8 ? 0 : bits[l.name] === 4 ? l.loss4 : l.loss2), 0);
    const acc = (v: number): number => Math.round(v * 2996) / 2996;
    const valAcc = acc(0.931 - loss + (rnd() - 0.5) * 0.008);
    const testAcc = acc(valAcc - 0.004 + (rnd() - 0.5) * 0.012);
    const subByte = bs.some((b) => b !== 8);
    const cycles = Math.round(layers.reduce((s, l) => s + l.macs * (bits[l.name] === 8 ? 1.05 : bits[l.name] === 4 ? 1.18 : 1.26), 40_000));
    results.push({
      id: createHash('sha256').update(`${seed}:${JSON.stringify(bits)}`).digest('hex'),
      index: i,
      bits,
      uniform,
      val: { accuracy: valAcc, macroF1: acc(valAcc - 0.006 - rnd() * 0.01), n: 1470 },
      test: { accuracy: testAcc, macroF1: acc(testAcc - 0.007 - rnd() * 0.01), n: 2947 },
      weightBytes,
      flash: 9_412 + weightBytes + (subByte ? 612 : 0),
      sram: 5_248 + (subByte ? 128 : 0),
      instructions: Math.round(cycles * 0.81),
      cycles,
      compileMs: 900 + Math.round(rnd() * 300),
      runMs: 2000 + Math.round(rnd() * 500),
    });
  }
  return { results, pareto: { model: 'har-cnn', target: 'cortex-m4', objectives: ['val.accuracy:max', 'flash:min', 'sram:min', 'cycles:min'], front: bruteForceFront(results), candidates: results.length } };
}

/** ids not dominated over (val accuracy ↑, flash ↓, SRAM ↓, cycles ↓), in results order. */
export function bruteForceFront(results: SweepResult[]): string[] {
  const dominates = (a: SweepResult, b: SweepResult): boolean =>
    a.val.accuracy >= b.val.accuracy && a.flash <= b.flash && a.sram <= b.sram && a.cycles <= b.cycles && (a.val.accuracy > b.val.accuracy || a.flash < b.flash || a.sram < b.sram || a.cycles < b.cycles);
  return results.filter((r) => !results.some((o) => dominates(o, r))).map((r) => r.id);
}
