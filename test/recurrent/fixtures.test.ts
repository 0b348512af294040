// @module-tag qemu
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { lookupOp } from '../../src/ir/registry.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runC } from './c-run.ts';
import { maxAbsDiff, randomFloats } from './helpers.ts';

// PyTorch 1.13 exports (test/fixtures/onnx/README.md): the Shape→Gather→Unsqueeze→Concat→Expand
// zero-state chains must fold away, batch_first transposes and Squeeze/Reshape must become views,
// and the generated C must match onnxruntime. bilstm_small also runs on Cortex-M4 and RISC-V (QEMU).

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '..', 'fixtures', 'onnx');
const TOL = 1e-4;

const CASES = [
  { name: 'lstm_small', recurrent: ['LSTM'] },
  { name: 'bilstm_small', recurrent: ['LSTM'] },
  { name: 'gru_small', recurrent: ['GRU', 'GRU'] },
  { name: 'rnn_small', recurrent: ['RNN'] },
  { name: 'conv_bilstm', recurrent: ['LSTM'] },
];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'harc-recurrent-fix-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function ortReference(file: string, x: Float32Array): Promise<{ inputShape: number[]; y: Float32Array }> {
  const g = inferShapes(loadModel(file));
  const inputShape = g.tensors[g.inputs[0]!]!.shape;
  const s = await ort.InferenceSession.create(file);
  const out = await s.run({ [g.inputs[0]!]: new ort.Tensor('float32', x, inputShape) });
  return { inputShape, y: out[g.outputs[0]!]!.data as Float32Array };
}

const inputFor = (file: string, seed: number): Float32Array => {
  const g = inferShapes(loadModel(file));
  return randomFloats(g.tensors[g.inputs[0]!]!.shape.reduce((a, b) => a * b, 1), seed, 2);
};

describe('PyTorch recurrent fixtures', () => {
  for (const c of CASES) {
    const file = path.join(FIXTURES, `${c.name}.onnx`);
    describe(c.name, () => {
      it('folds the glue: only the recurrent layers, Gather, Gemm (and the convs) remain as kernels', () => {
        const g = optimize(loadModel(file));
        const kernels = g.nodes.filter((n) => !lookupOp(n.op)?.isView).map((n) => n.op);
        expect(kernels.filter((op) => /^(LSTM|GRU|RNN)$/.test(op))).toEqual(c.recurrent);
        for (const op of ['Shape', 'Expand', 'Concat', 'Unsqueeze', 'ConstantOfShape', 'Transpose']) expect(kernels).not.toContain(op);
        // the zero initial states became constants (the kernel zero-fills instead of reading them)
        for (const n of g.nodes.filter((m) => /^(LSTM|GRU)$/.test(m.op) || m.op === 'RNN'))
          for (const i of [5, 6]) if (n.inputs[i]) expect(g.tensors[n.inputs[i]!]!.data).toBeDefined();
      });

      it('reference interpreter and host C match onnxruntime within 1e-4', async () => {
        const x = inputFor(file, 11);
        const ref = await ortReference(file, x);
        const g = inferShapes(loadModel(file));
        const ts = interpret(g, { [g.inputs[0]!]: { shape: ref.inputShape, dtype: 'float32', data: x } });
        expect(maxAbsDiff(ts[g.outputs[0]!]!.data, ref.y)).toBeLessThan(TOL);
        const r = await runC(loadModel(file), [x], path.join(work, c.name));
        const err = maxAbsDiff(r.outputs[0]!, ref.y);
        expect(err).toBeLessThan(TOL);
      });
    });
  }

  it('bilstm_small: cortex-m4 and riscv (QEMU) match host within 1e-4', async () => {
    const file = path.join(FIXTURES, 'bilstm_small.onnx');
    const model = compileGraph(loadModel(file));
    const x = inputFor(file, 23);
    const host = await runC(loadModel(file), [x], path.join(work, 'bilstm_host'), 'host', model);
    const ref = await ortReference(file, x);
    expect(maxAbsDiff(host.outputs[0]!, ref.y)).toBeLessThan(TOL);
    for (const target of ['cortex-m4', 'riscv'] as const) {
      const r = await runC(loadModel(file), [x], path.join(work, `bilstm_${target}`), target, model);
      expect(maxAbsDiff(r.outputs[0]!, host.outputs[0]!), target).toBeLessThan(TOL);
    }
  });
});
