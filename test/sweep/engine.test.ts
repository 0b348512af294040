import { describe, expect, it } from 'vitest';
import { assignmentKey, exhaustiveCandidates, nthAssignment, randomCandidates, type Assignment } from '../../src/sweep/enumerate.ts';
import { greedySearch, lossPerByte } from '../../src/sweep/greedy.ts';
import { dominates, paretoFront } from '../../src/sweep/pareto.ts';
import { bitsFileText, pickCandidate } from '../../src/sweep/pick.ts';
import { inShard, parseShard } from '../../src/sweep/shard.ts';
import { seededPermutation, splitValidation } from '../../src/sweep/split.ts';
import { mapLimited } from '../../src/sweep/pool.ts';
import { parseWidths } from '../../src/cli/commands/sweep.ts';
import type { SweepResult, WeightBits } from '../../src/sweep/types.ts';

// The sweep's pure parts: the enumeration order, shards, the front, the validation split, greedy's
// decisions and pick. The end-to-end sweep (builds, QEMU) is test/sweep/sweep.test.ts.

const result = (index: number, acc: number, flash: number, sram = 100, cycles = 1000, weightBytes = flash): SweepResult => ({
  id: `c${index}`,
  index,
  bits: {},
  uniform: null,
  val: { accuracy: acc, macroF1: acc, n: 10 },
  weightBytes,
  flash,
  sram,
  instructions: cycles,
  cycles,
  compileMs: 0,
  runMs: 0,
});

describe('enumeration', () => {
  it('exhaustive: uniforms first, then every other assignment once, in odometer order', () => {
    const c = exhaustiveCandidates([8, 4, 2], 3);
    expect(c).toHaveLength(27);
    expect(c.slice(0, 3)).toEqual([
      [8, 8, 8],
      [4, 4, 4],
      [2, 2, 2],
    ]);
    expect(c[3]).toEqual([8, 8, 4]);
    expect(new Set(c.map(assignmentKey)).size).toBe(27);
    expect(nthAssignment(5, [8, 4, 2], 3)).toEqual([8, 4, 2]);
  });

  it('exhaustive --max keeps the first N of the same order', () => {
    expect(exhaustiveCandidates([8, 4, 2], 3, 7)).toEqual(exhaustiveCandidates([8, 4, 2], 3).slice(0, 7));
  });

  it('random: uniforms, then distinct seeded draws; the same seed gives the same list', () => {
    const a = randomCandidates([8, 4, 2], 6, 20, 7);
    expect(a).toHaveLength(20);
    expect(new Set(a.map(assignmentKey)).size).toBe(20);
    expect(a.slice(0, 3).map((x) => new Set(x).size)).toEqual([1, 1, 1]);
    expect(randomCandidates([8, 4, 2], 6, 20, 7)).toEqual(a);
    expect(randomCandidates([8, 4, 2], 6, 20, 8)).not.toEqual(a);
    expect(randomCandidates([8, 4], 2, 100, 1)).toEqual(exhaustiveCandidates([8, 4], 2));
  });

  it('shards are disjoint and together the whole enumeration', () => {
    const s = [parseShard('1/3'), parseShard('2/3'), parseShard('3/3')];
    const idx = Array.from({ length: 27 }, (_, i) => i);
    const slices = s.map((sh) => idx.filter((i) => inShard(i, sh)));
    expect(slices.flat().sort((a, b) => a - b)).toEqual(idx);
    expect(slices.map((x) => x.length)).toEqual([9, 9, 9]);
    for (const bad of ['0/3', '4/3', '1-3', '1/0', 'a/b']) expect(() => parseShard(bad), bad).toThrow(/expected K\/N/);
  });

  it('--bits widths: 8, 4, 2 only, no repeats', () => {
    expect(parseWidths('8, 4,2')).toEqual([8, 4, 2]);
    expect(() => parseWidths('8,3')).toThrow(/'3' is not a weight width/);
    expect(() => parseWidths('8,8')).toThrow(/twice/);
  });
});

describe('pareto front', () => {
  it('equals a brute-force dominance check, keeping ties', () => {
    const rand = (i: number): number => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1;
    const rs = Array.from({ length: 60 }, (_, i) => result(i, Math.round(rand(i) * 10) / 10, 100 + Math.round(rand(i + 100) * 10), 50 + Math.round(rand(i + 200) * 3), 1000 + Math.round(rand(i + 300) * 5)));
    rs.push({ ...rs[0]!, id: 'dup', index: 60 });
    const brute = rs.filter((r) => !rs.some((o) => o.val.accuracy >= r.val.accuracy && o.flash <= r.flash && o.sram <= r.sram && o.cycles <= r.cycles && (o.val.accuracy > r.val.accuracy || o.flash < r.flash || o.sram < r.sram || o.cycles < r.cycles)));
    expect(paretoFront(rs).map((r) => r.id)).toEqual(brute.map((r) => r.id));
    expect(paretoFront(rs).length).toBeGreaterThan(1);
    expect(dominates(result(0, 0.9, 100), result(1, 0.9, 100))).toBe(false);
    expect(dominates(result(0, 0.9, 99), result(1, 0.9, 100))).toBe(true);
  });
});

describe('validation split', () => {
  const set = { x: { shape: [10, 2], dtype: 'float32' as const, data: Float32Array.from({ length: 20 }, (_, i) => i) }, y: Int32Array.from({ length: 10 }, (_, i) => i) };
  it('is a seeded, disjoint partition of the windows, each part in the data order', () => {
    const { val, test } = splitValidation(set, 0.3, 5);
    expect(val.y.length).toBe(3);
    expect(test.y.length).toBe(7);
    expect([...val.y, ...test.y].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...val.y]).toEqual([...val.y].sort((a, b) => a - b));
    expect(val.x.data[0]).toBe(2 * val.y[0]!);
    expect(splitValidation(set, 0.3, 5).val.y).toEqual(val.y);
    expect(seededPermutation(10, 5)).not.toEqual(seededPermutation(10, 6));
    expect(() => splitValidation(set, 1, 5)).toThrow(/--val-fraction/);
  });
});

describe('greedy', () => {
  // A synthetic evaluator: each layer's bytes and its accuracy loss per step are known, so the
  // descent's choices can be predicted by hand.
  const bytesPer: Record<WeightBits, number> = { 8: 8, 4: 4, 2: 2 };
  const size = [100, 1000, 10];
  const sensitivity = [0.001, 0.05, 0.0];
  const evalOf = (a: Assignment, index: number): SweepResult => {
    const bytes = a.reduce((s, b, l) => s + size[l]! * bytesPer[b], 0);
    const acc = 0.9 - a.reduce((s, b, l) => s + sensitivity[l]! * (b === 8 ? 0 : b === 4 ? 1 : 3), 0);
    return { ...result(index, acc, bytes), id: a.join(''), weightBytes: bytes };
  };
  it('lowers the layer with the least validation loss per byte saved, ties to the earlier layer', async () => {
    const seen: Assignment[] = [];
    const { path } = await greedySearch([8, 4, 2], 3, async (batch) => batch.map((a) => (seen.push(a), evalOf(a, seen.length - 1))));
    // layer 2 costs nothing: it goes first, to 2 bits; then layer 0 (1e-3 per 400 B) before layer 1 (0.05 per 4000 B)
    expect(path).toEqual(['888', '884', '882', '482', '282', '242', '222']);
    expect(seen.slice(0, 3).map((a) => a.join(''))).toEqual(['888', '444', '222']);
    expect(new Set(seen.map((a) => a.join(''))).size).toBe(seen.length);
  });
  it('stops when --max is reached', async () => {
    const seen: Assignment[] = [];
    await greedySearch([8, 4, 2], 3, async (batch) => batch.map((a) => (seen.push(a), evalOf(a, seen.length - 1))), 5);
    expect(seen.length).toBeLessThanOrEqual(6);
  });
  it('nothing saved is never chosen', () => {
    expect(lossPerByte(result(0, 0.9, 100), result(1, 0.95, 100))).toBe(Infinity);
  });
});

describe('pick', () => {
  it('the most val-accurate candidate within the budgets; none when nothing fits', () => {
    const rs = [result(0, 0.95, 20_000), result(1, 0.93, 15_000), result(2, 0.93, 14_000), result(3, 0.8, 9_000)];
    expect(pickCandidate(rs, { maxFlash: 16 * 1024 })?.index).toBe(2);
    expect(pickCandidate(rs, {})?.index).toBe(0);
    expect(pickCandidate(rs, { maxFlash: 5000 })).toBeUndefined();
    expect(JSON.parse(bitsFileText({ a: 4, b: 8 }))).toEqual({ a: 4, b: 8 });
  });
  it('a test score never decides', () => {
    const a = { ...result(0, 0.9, 100), test: { accuracy: 0.5, macroF1: 0.5, n: 10 } };
    const b = { ...result(1, 0.85, 100), test: { accuracy: 0.99, macroF1: 0.99, n: 10 } };
    expect(pickCandidate([a, b], {})?.index).toBe(0);
  });
});

describe('pool', () => {
  it('keeps the items’ order whatever finishes first, at most `jobs` at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([30, 5, 20, 1, 10], 2, async (ms, i) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });
});
