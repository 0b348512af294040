import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileGraph, writeModelDir } from '../../src/backends/compile.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { assignOffsets, peakOf, type OffsetItem } from '../../src/planning/arena-plan.ts';
import { DEFAULT_BUDGET, PLANNER_NAMES } from '../../src/planning/planner.ts';
import { defaultAlignment } from '../../src/backends/c/memory.ts';
import { memoryArgs } from '../../src/cli/memory-options.ts';
import { compileForCli } from '../../src/cli/precision.ts';
import { harc, repo } from '../helpers.ts';

// The plan (and so model.c) must not depend on the machine's load: every search is bounded by
// counts (planner.ts PlanBudget), never by time.

/** 18 buffers on which every greedy ordering misses the lower bound by 64 B and the exact search
 * needs a few thousand visits to reach it: the case a time cap made load-dependent. */
function hardInstance(): OffsetItem[] {
  let s = 40 * 7919 + 1;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * k);
  };
  return Array.from({ length: 18 }, (_, id) => {
    const first = rnd(12);
    return { id, size: 64 * (1 + rnd(8)), first, last: first + rnd(6) };
  });
}

const readDir = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

async function compiledFiles(model: string, memory = {}): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'harc-det-'));
  try {
    await writeModelDir(compileGraph(loadModel(join(repo, model)), { prefix: 'm', memory }), join(dir, 'out'));
    return readDir(join(dir, 'out'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let busy: ChildProcess[] = [];
afterEach(() => {
  for (const c of busy) c.kill();
  busy = [];
});
/** Busy children (one per core of the test machine) spinning until killed. */
function loadMachine(): void {
  for (let i = 0; i < 2; i++) busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

describe('deterministic planning', () => {
  const models = ['zoo/models/har-cnn.onnx', 'zoo/models/mobilenet-1d.onnx', 'test/fixtures/onnx/concat_branches.onnx'];

  it('the same output directory idle and with the machine loaded', async () => {
    const idle = await Promise.all(models.map((m) => compiledFiles(m)));
    const idleHard = assignOffsets(hardInstance());
    loadMachine();
    const loaded = await Promise.all(models.map((m) => compiledFiles(m)));
    const loadedHard = assignOffsets(hardInstance());
    for (const [i, m] of models.entries()) expect(loaded[i], m).toEqual(idle[i]);
    expect([...loadedHard.offsets]).toEqual([...idleHard.offsets]);
    // the instance really needs the search: the default budget reaches the bound, a small one not
    expect(idleHard.bytes).toBe(peakOf(hardInstance()));
    expect(idleHard.strategy).toBe('exact search (optimal)');
    expect(assignOffsets(hardInstance(), { budget: { exactVisits: 2000 } }).bytes).toBeGreaterThan(idleHard.bytes);
  });

  it('zoo models and fixtures: the same bytes under ten times the default budget (all meet the lower bound)', async () => {
    const big = Object.fromEntries(Object.entries(DEFAULT_BUDGET).map(([k, v]) => [k, k === 'exactMaxBuffers' ? v : v * 10]));
    const dirs = [join('zoo', 'models'), join('test', 'fixtures', 'onnx')];
    for (const dir of dirs)
      for (const m of readdirSync(join(repo, dir)).filter((f) => f.endsWith('.onnx'))) {
        const model = join(dir, m);
        expect(await compiledFiles(model, { budget: big }), m).toEqual(await compiledFiles(model));
      }
  });

  it('inspect --memory, compile and measure plan the same arena for the same model and target', async () => {
    const model = join(repo, 'zoo', 'models', 'mobilenet-1d.onnx');
    const inspected = JSON.parse((await harc(['inspect', model, '--json', '--memory', '--target', 'cortex-m4'])).stdout);
    const compiled = compileForCli(model, {}, { memory: memoryArgs({}, 'cortex-m4') }).plan;
    // what `harc measure --target cortex-m4` compiles (src/cli/commands/measure.ts)
    const measured = compileForCli(model, {}, { memory: { alignment: defaultAlignment('cortex-m4') } }).plan;
    expect(inspected.arena.bytes).toBe(compiled.bytes);
    expect(measured.bytes).toBe(compiled.bytes);
    expect(measured.buffers).toEqual(compiled.buffers);
  });

  it('unknown planner names are input errors naming the choices', () => {
    expect(() => assignOffsets(hardInstance(), { planner: 'nope' })).toThrow(new RegExp(PLANNER_NAMES.join(', ')));
  });

  it('every planner gives a valid placement at or above the lower bound; search ≤ greedy ≤ tflm', () => {
    const items = hardInstance();
    const r = Object.fromEntries(PLANNER_NAMES.map((p) => [p, assignOffsets(items, { planner: p })]));
    for (const p of PLANNER_NAMES) {
      const o = r[p]!.offsets;
      for (const a of items)
        for (const b of items)
          if (a !== b && a.first <= b.last && b.first <= a.last) expect(o.get(a.id)! + a.size <= o.get(b.id)! || o.get(b.id)! + b.size <= o.get(a.id)!).toBe(true);
      expect(r[p]!.bytes).toBeGreaterThanOrEqual(peakOf(items));
    }
    expect(r.search!.bytes).toBeLessThanOrEqual(r.greedy!.bytes);
    expect(r.greedy!.bytes).toBeLessThanOrEqual(r.tflm!.bytes);
  });
});
