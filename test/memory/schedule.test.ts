import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../../src/ir/types.ts';
import { inPlaceInputs } from '../../src/backends/c/memory.ts';
import { planArena } from '../../src/planning/arena-plan.ts';
import type { MemoryOptions } from '../../src/planning/memory-groups.ts';
import { scheduleForMemory } from '../../src/planning/schedule.ts';
import { allTopologicalOrders, branches, concatOfProducers, expectValidPlan, randomGraph, skip } from './memory-helpers.ts';

const opts = (g: Graph, extra: MemoryOptions = {}): MemoryOptions => ({ alignment: 8, inPlace: (n: Node) => inPlaceInputs(g, n), ...extra });
const peakOf = (g: Graph, order: Node[], o: MemoryOptions): number => planArena({ ...g, nodes: order }, { ...o, planner: 'tflm' }).lowerBound;

/** Brute force: the smallest peak over every topological order. */
function bruteMin(g: Graph, o: MemoryOptions): { min: number; orders: number } {
  const orders = allTopologicalOrders(g);
  return { min: Math.min(...orders.map((ord) => peakOf(g, ord, o))), orders: orders.length };
}

describe('memory-aware scheduling: exact minimum peak (brute force over all topological orders)', () => {
  for (const [name, make, mustImprove] of [
    ['many branches', branches, true],
    ['long-lived skip connection', skip, true],
    ['concat of several producers', concatOfProducers, true],
  ] as const) {
    it(name, () => {
      const g = make();
      const o = opts(g);
      const r = scheduleForMemory(g, o);
      const { min } = bruteMin(g, o);
      expect(r.exact).toBe(true);
      expect(r.peak).toBe(min);
      expect(peakOf(g, r.nodes, o)).toBe(r.peak);
      if (mustImprove) expect(r.peak).toBeLessThan(r.originalPeak);
      // a valid topological order of the same nodes
      expect(new Set(r.nodes)).toEqual(new Set(g.nodes));
      const plan = planArena({ ...g, nodes: r.nodes }, o);
      expectValidPlan(plan);
      expect(plan.bytes).toBe(plan.lowerBound);
    });
  }

  it('the concat of producers is elided and its producers write into slices', () => {
    const g = concatOfProducers();
    const plan = planArena(g, opts(g));
    const cat = g.nodes.findIndex((n) => n.name === 'cat');
    expect(plan.elided).toContain(cat);
    const b = plan.buffers[plan.bufferOf['C']!]!;
    expect(plan.bufferOf['P0']).toBe(b.id);
    expect(b.offsets).toMatchObject({ C: 0, P0: 0, P1: 48, P2: 128 });
  });

  it('random DAGs (30 seeds): scheduler peak == brute-force minimum', () => {
    let checked = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const g = randomGraph(seed, 8);
      if (allTopologicalOrders(g, 3001).length > 3000) continue;
      for (const extra of [{}, { ioInArena: true }, { concatInPlace: false, inPlace: undefined }] as MemoryOptions[]) {
        const o = { ...opts(g), ...extra };
        const r = scheduleForMemory(g, o);
        expect(r.exact).toBe(true);
        expect(r.peak, `seed ${seed} ${JSON.stringify(extra)}`).toBe(bruteMin(g, o).min);
        expect(peakOf(g, r.nodes, o)).toBe(r.peak);
        expectValidPlan(planArena({ ...g, nodes: r.nodes }, o));
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  it('a chain is left in its order', () => {
    const g = skip();
    g.nodes = [...g.nodes.slice(1, 6), g.nodes[0]!, g.nodes[6]!]; // already the best order
    const r = scheduleForMemory(g, opts(g));
    expect(r.nodes).toEqual(g.nodes);
    expect(r.method).toMatch(/given order/);
  });

  it('falls back to a beam search (never worse than the given order) when the state space is capped', () => {
    const g = branches();
    const o = { ...opts(g), budget: { scheduleStates: 2, scheduleBeam: 2 } };
    const r = scheduleForMemory(g, o);
    expect(r.exact).toBe(false);
    expect(r.peak).toBeLessThanOrEqual(r.originalPeak);
    expect(peakOf(g, r.nodes, o)).toBe(r.peak);
  });
});
