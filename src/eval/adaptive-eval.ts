import { exitTaken, type AdaptiveModel, type PolicyKind } from '../backends/adaptive.ts';
import { classificationMetrics } from './metrics.ts';

// Operating modes of a staged program: every combination of per-exit device thresholds on a grid,
// scored from each window's per-exit scores (the C's own, so the decisions are the device's), with
// the cost of each exit measured on the target. Pure functions; the runs are the caller's.

export interface Mode {
  kind: PolicyKind;
  /** Device thresholds per exit (the last is not read). */
  thresholds: number[];
  accuracy: number;
  macroF1: number;
  /** Fraction of windows leaving at each exit. */
  fractions: number[];
  meanMacs: number;
  meanCycles: number;
}

/** Device thresholds to sweep per exit: int8 margins in score units, softmax sums in Q16, float margins. */
export function thresholdGrid(model: Pick<AdaptiveModel, 'int8'>, kind: PolicyKind): number[] {
  if (kind === 'margin') return model.int8 ? [0, 2, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 256] : [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, Infinity];
  // Q16 sums for max softmax ≥ θ: floor(2^16 / θ) (float models: the same integers as float32); 2^16 − 1 can never be met
  return [0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999].map((t) => Math.floor(65536 / t)).concat([0x7fffffff, 65535]).sort((a, b) => b - a);
}

/** The exit each window takes under the thresholds. */
export const exitsUnder = (model: Pick<AdaptiveModel, 'exits' | 'int8'>, scores: number[][][], kind: PolicyKind, thresholds: number[]): number[] => scores.map((s) => exitTaken(model, s, kind, thresholds));

/** Cumulative MACs of a run that stops at each exit. */
export const cumulativeMacs = (model: Pick<AdaptiveModel, 'exits'>): number[] => model.exits.map((_, k) => model.exits.slice(0, k + 1).reduce((s, x) => s + x.macs, 0));

/** Scores one mode: the prediction of each window is the argmax of the exit it takes. */
export function scoreMode(model: Pick<AdaptiveModel, 'exits' | 'int8'>, scores: number[][][], labels: ArrayLike<number>, kind: PolicyKind, thresholds: number[], cyclesPerExit: number[]): Mode {
  const exits = exitsUnder(model, scores, kind, thresholds);
  const K = model.exits.length;
  const classes = scores[0]![0]!.length;
  const pred = exits.map((e, w) => argmax(scores[w]![e]!));
  const m = classificationMetrics(pred, labels, classes);
  const fractions = Array.from({ length: K }, (_, k) => exits.filter((e) => e === k).length / exits.length);
  const macs = cumulativeMacs(model);
  return {
    kind,
    thresholds,
    accuracy: m.accuracy,
    macroF1: m.macroF1,
    fractions,
    meanMacs: fractions.reduce((s, f, k) => s + f * macs[k]!, 0),
    meanCycles: fractions.reduce((s, f, k) => s + f * cyclesPerExit[k]!, 0),
  };
}

/** Every combination of grid thresholds for the exits before the last. */
export function thresholdCombos(grid: number[], exits: number): number[][] {
  let combos: number[][] = [[]];
  for (let k = 0; k < exits - 1; k++) combos = combos.flatMap((c) => grid.map((t) => [...c, t]));
  return combos.map((c) => [...c, grid[0]!]);
}

/** Modes not dominated in (higher macro-F1, fewer mean cycles), cheapest first; ties keep the first. */
export function paretoFront(modes: Mode[]): Mode[] {
  const sorted = [...modes].sort((a, b) => a.meanCycles - b.meanCycles || b.macroF1 - a.macroF1);
  const front: Mode[] = [];
  for (const m of sorted) if (!front.length || m.macroF1 > front[front.length - 1]!.macroF1) front.push(m);
  return front;
}

function argmax(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** An SVG scatter of mean cycles vs macro-F1: every mode, the front, the full network. */
export function modesSvg(title: string, all: Mode[], front: Mode[], full: { meanCycles: number; macroF1: number }): string {
  const W = 640;
  const H = 420;
  const L = 70;
  const B = 50;
  const pts = [...all, full];
  const x0 = 0;
  const x1 = Math.max(...pts.map((p) => p.meanCycles)) * 1.05;
  const y0 = Math.min(...pts.map((p) => p.macroF1)) - 0.01;
  const y1 = Math.max(...pts.map((p) => p.macroF1)) + 0.01;
  const X = (v: number): number => L + ((v - x0) / (x1 - x0)) * (W - L - 20);
  const Y = (v: number): number => H - B - ((v - y0) / (y1 - y0)) * (H - B - 30);
  const ticks = (lo: number, hi: number, n: number): number[] => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - 20}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="30" x2="${L}" y2="${H - B}" stroke="black"/>`,
    ...ticks(x0, x1, 5).map((t) => `<text x="${X(t).toFixed(1)}" y="${H - B + 15}" text-anchor="middle">${(t / 1e6).toFixed(2)}M</text>`),
    ...ticks(y0, y1, 5).map((t) => `<text x="${L - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end">${(100 * t).toFixed(1)}</text>`),
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">mean estimated cycles per window</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">macro-F1 (%)</text>`,
    ...all.map((m) => `<circle cx="${X(m.meanCycles).toFixed(1)}" cy="${Y(m.macroF1).toFixed(1)}" r="2" fill="#bbb"/>`),
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${front.map((m) => `${X(m.meanCycles).toFixed(1)},${Y(m.macroF1).toFixed(1)}`).join(' ')}"/>`,
    ...front.map((m) => `<circle cx="${X(m.meanCycles).toFixed(1)}" cy="${Y(m.macroF1).toFixed(1)}" r="3.5" fill="#1f77b4"><title>${m.kind} ${m.thresholds.slice(0, -1).join(', ')}: F1 ${(100 * m.macroF1).toFixed(2)} %, ${Math.round(m.meanCycles)} cycles, exits ${m.fractions.map((f) => (100 * f).toFixed(0) + '%').join('/')}</title></circle>`),
    `<rect x="${(X(full.meanCycles) - 4).toFixed(1)}" y="${(Y(full.macroF1) - 4).toFixed(1)}" width="8" height="8" fill="#d62728"><title>full network</title></rect>`,
    `<text x="${W - 30}" y="44" text-anchor="end" fill="#1f77b4">Pareto front (thresholds chosen on validation)</text>`,
    `<text x="${W - 30}" y="60" text-anchor="end" fill="#d62728">full network</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
