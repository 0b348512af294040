// @module-tag c
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/ir/ops/index.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { runC } from './c-run.ts';
import { excess, loadNodeTest, recurrentNodeTests } from './helpers.ts';

// The ONNX backend node tests for LSTM / GRU / RNN (float), run through the TS reference
// interpreter and through host C. W, R, B, sequence_lens, initial states and P are graph inputs
// in these tests; they are bound as compile-time constants, as in a real model.

const ABS = 1e-5;
const REL = 1e-5;

/** Node tests skipped, with the reason. Every recurrent node test shipped with this ONNX test
 * data (defaults, initial bias, peepholes, batchwise layout, seq_length) is supported, so this is
 * empty; a newer test set may add ones that need a reason here. */
const SKIP: Record<string, string> = {};

const tests = recurrentNodeTests();
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'harc-recurrent-node-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(tests.length === 0)('ONNX node tests: LSTM / GRU / RNN', () => {
  it('finds the recurrent node tests', () => {
    expect(tests.length).toBeGreaterThanOrEqual(9);
  });

  for (const name of tests) {
    const skip = SKIP[name];
    describe(name, () => {
      it.skipIf(!!skip)(`reference interpreter${skip ? ` (skipped: ${skip})` : ''}`, () => {
        const c = loadNodeTest(name);
        const g = inferShapes(c.graph);
        const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, { shape: t.shape, dtype: t.dtype, data: t.data! }]));
        const out = interpret(g, feeds);
        for (const o of g.outputs) {
          expect(out[o]!.shape).toEqual(c.expected[o]!.shape);
          expect(excess(out[o]!.data, c.expected[o]!.data!, ABS, REL), `${name} ${o}`).toBeLessThanOrEqual(0);
        }
      });

      it.skipIf(!!skip)(`host C${skip ? ` (skipped: ${skip})` : ''}`, async () => {
        const c = loadNodeTest(name);
        const r = await runC(c.graph, c.graph.inputs.map((i) => Float32Array.from(c.inputs[i]!.data!)), path.join(work, name));
        expect(r.model.layers.filter((l) => /^(LSTM|GRU|RNN)$/.test(l.op))).toHaveLength(1);
        c.graph.outputs.forEach((o, i) => {
          expect(excess(r.outputs[i]!, c.expected[o]!.data!, ABS, REL), `${name} ${o}`).toBeLessThanOrEqual(0);
        });
      });
    });
  }
});
