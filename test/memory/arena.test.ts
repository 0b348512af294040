import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { assignOffsets, peakOf, planArena, type OffsetItem } from '../../src/planning/arena-plan.ts';
import { repo } from '../helpers.ts';
import { graph } from '../graph-builder.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { expectValidPlan } from './memory-helpers.ts';

function randomItems(seed: number, n: number): OffsetItem[] {
  let s = seed * 7919 + 1;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * k);
  };
  return Array.from({ length: n }, (_, id) => {
    const first = rnd(6);
    return { id, size: 1 + rnd(4), first, last: first + rnd(4) };
  });
}

/** The smallest arena over all offset assignments (DFS over every offset, pruned by the best). */
function bruteOffsets(items: OffsetItem[]): number {
  let best = items.reduce((s, b) => s + b.size, 0);
  const offs: number[] = [];
  const rec = (i: number, top: number): void => {
    if (top >= best) return;
    if (i === items.length) {
      best = top;
      return;
    }
    const b = items[i]!;
    for (let at = 0; at + b.size < best; at++) {
      const clash = items.slice(0, i).some((p, j) => p.first <= b.last && b.first <= p.last && offs[j]! < at + b.size && at < offs[j]! + p.size);
      if (clash) continue;
      offs[i] = at;
      rec(i + 1, Math.max(top, at + b.size));
    }
  };
  rec(0, 0);
  return best;
}

const overlapFree = (items: OffsetItem[], offsets: Map<number, number>): boolean =>
  items.every((a) => items.every((b) => a === b || a.first > b.last || b.first > a.last || offsets.get(a.id)! + a.size <= offsets.get(b.id)! || offsets.get(b.id)! + b.size <= offsets.get(a.id)!));

describe('arena offsets', () => {
  it('best placement == brute-force optimum on 60 random instances; greedy by size alone misses some', () => {
    let greedyMisses = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const items = randomItems(seed, 6);
      const opt = bruteOffsets(items);
      const best = assignOffsets(items, { budget: { exactVisits: 2_000_000 } });
      expect(overlapFree(items, best.offsets)).toBe(true);
      expect(best.bytes, `seed ${seed}`).toBe(opt);
      expect(opt).toBeGreaterThanOrEqual(peakOf(items));
      const tflm = assignOffsets(items, { planner: 'tflm' });
      expect(overlapFree(items, tflm.offsets)).toBe(true);
      if (tflm.bytes > opt) greedyMisses++;
    }
    expect(greedyMisses).toBeGreaterThan(0);
  });

  it('> 20 buffers: the local search is never worse than greedy and stays valid', () => {
    let improved = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const items = randomItems(seed, 40);
      const tflm = assignOffsets(items, { planner: 'tflm' });
      const best = assignOffsets(items);
      expect(overlapFree(items, best.offsets)).toBe(true);
      expect(best.bytes).toBeLessThanOrEqual(tflm.bytes);
      expect(best.bytes).toBeGreaterThanOrEqual(peakOf(items));
      if (best.bytes < tflm.bytes) improved++;
    }
    expect(improved).toBeGreaterThan(0);
  });

  it('zoo models and fixtures: valid plans that meet the lower bound', () => {
    const files = [
      ...readdirSync(join(repo, 'zoo', 'models')).filter((f) => f.endsWith('.onnx')).map((f) => join(repo, 'zoo', 'models', f)),
      ...readdirSync(join(repo, 'test', 'fixtures', 'onnx')).filter((f) => f.endsWith('.onnx')).map((f) => join(repo, 'test', 'fixtures', 'onnx', f)),
    ];
    for (const f of files) {
      const m = compileGraph(loadModel(f));
      expectValidPlan(m.plan);
      expect(m.plan.bytes, f).toBe(m.plan.lowerBound);
      for (const io of [true]) {
        const p = compileGraph(loadModel(f), { memory: { ioInArena: io, alignment: 4 } }).plan;
        expectValidPlan(p);
        expect(p.buffers.every((b) => b.location.kind === 'arena')).toBe(true);
      }
    }
  });

  it('scratch is planned like a tensor live only at its step', () => {
    const g = inferShapes(
      graph({ inputs: { x: [1, 64] }, nodes: [['a', 'Relu', ['x'], ['A']], ['b', 'Sigmoid', ['A'], ['B']], ['c', 'Tanh', ['B'], ['y']]], outputs: ['y'] }),
    );
    const plan = planArena(g, { alignment: 8, scratch: (n) => (n.name === 'b' ? 100 : 0) });
    const s = plan.buffers.find((b) => b.scratchOf !== undefined)!;
    expect(s).toMatchObject({ bytes: 100, firstStep: 1, lastStep: 1, scratchOf: 1 });
    expect(plan.lowerBound).toBe(256 + 256 + 104);
    expectValidPlan(plan);
  });

  it('in place: an elementwise op writes over an input that dies there, not over one still needed', () => {
    const g = inferShapes(
      graph({
        inputs: { x: [1, 64] },
        nodes: [['e', 'Exp', ['x'], ['E']], ['r', 'Relu', ['E'], ['R']], ['s', 'Sigmoid', ['E'], ['S']], ['add', 'Add', ['R', 'S'], ['y']]],
        outputs: ['y'],
      }),
    );
    const plan = planArena(g, { alignment: 8, inPlace: () => [0, 1] });
    // Relu runs while E is still needed by Sigmoid; Sigmoid is E's last reader
    expect(plan.inPlace[1]).toBeUndefined();
    expect(plan.inPlace[2]).toBe('E');
    expect(plan.bufferOf['S']).toBe(plan.bufferOf['E']);
    expect(plan.lowerBound).toBe(512);
  });
});
