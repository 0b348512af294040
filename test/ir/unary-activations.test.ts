// @module-tag c
// Elu, Selu, Softplus, Softsign (registered with their op records in issue 10): the reference
// interpreter and the generated C against onnxruntime on single-op models.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { runC } from '../recurrent/c-run.ts';
import { buildSingleOpModel, excess, randomFloats } from '../recurrent/helpers.ts';

const CASES: [string, Record<string, number>][] = [
  ['Elu', {}],
  ['Elu', { alpha: 0.7 }],
  ['Selu', {}],
  ['Selu', { alpha: 1.5, gamma: 1.1 }],
  ['Softplus', {}],
  ['Softsign', {}],
];

let work = '';
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'harc-unary-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('new unary activations vs onnxruntime', () => {
  for (const [i, [op, attrs]] of CASES.entries()) {
    it(`${op} ${JSON.stringify(attrs)}`, async () => {
      // wide inputs: softplus must not overflow for large |x|
      const x = randomFloats(96, 11 + i, 12);
      x[0] = 95;
      x[1] = -95;
      const file = path.join(work, `${op}_${i}.onnx`);
      await writeFile(file, buildSingleOpModel(op, attrs, [{ name: 'X', shape: [2, 48] }], [{ name: 'Y', shape: [2, 48] }]));
      const session = await ort.InferenceSession.create(file);
      const want = (await session.run({ X: new ort.Tensor('float32', x, [2, 48]) }))['Y']!.data as Float32Array;
      const ts = interpret(inferShapes(importOnnx(file)), { X: { shape: [2, 48], dtype: 'float32', data: x } })['Y']!.data;
      const c = (await runC(importOnnx(file), [x], path.join(work, `${op}_${i}`))).outputs[0]!;
      expect(excess(ts, want, 1e-6, 1e-6), 'TS').toBeLessThanOrEqual(0);
      expect(excess(c, want, 1e-5, 1e-5), 'C').toBeLessThanOrEqual(0);
    });
  }
});
