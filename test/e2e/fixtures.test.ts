// @module-tag qemu
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph, writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware } from '../../src/targets/index.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { fixture, maxAbsDiff, onnxRuntime, sineInput, tmp } from '../helpers.ts';

// PyTorch-exported fixtures (test/fixtures/make_fixtures.py): harc's host C against onnxruntime.
const FLOAT_FIXTURES = ['conv1d_bn_relu', 'har_input_norm_cnn', 'har_ncw_norm_cnn', 'depthwise_separable', 'se_block', 'conv2d_small', 'mlp', 'concat_branches', 'pad_slice'];

async function hostRun(model: string, x: Float32Array, target: 'host' | 'cortex-m4' | 'riscv' = 'host'): Promise<Float32Array> {
  const m = compileGraph(loadModel(model));
  const dir = tmp();
  await writeModelDir(m, join(dir, 'src'));
  const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build') });
  const r = await runFirmware({ target, elf, input: new Uint8Array(x.buffer), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
  return new Float32Array(r.output.slice().buffer);
}

describe('PyTorch fixtures: host C matches onnxruntime within 1e-4', () => {
  for (const name of FLOAT_FIXTURES) {
    it(name, async () => {
      const g = inferShapes(loadModel(fixture(name)));
      const input = g.tensors[g.inputs[0]!]!;
      const n = input.shape.reduce((a, b) => a * b, 1);
      for (const phase of [0, 1.3]) {
        const x = sineInput(n, phase);
        const ref = await onnxRuntime(fixture(name), { [input.name]: { data: x, shape: input.shape } });
        const got = await hostRun(fixture(name), x);
        expect(maxAbsDiff(got, ref[g.outputs[0]!]!)).toBeLessThan(1e-4);
        // the optimized graph, interpreted, is the oracle of the C; it must agree with ORT too
        const opt = optimize(loadModel(fixture(name)));
        const interp = interpret(opt, { [input.name]: { shape: input.shape, dtype: 'float32', data: x } });
        expect(maxAbsDiff(interp[opt.outputs[0]!]!.data, ref[g.outputs[0]!]!)).toBeLessThan(1e-4);
      }
    });
  }
});

describe('float outputs agree across targets', () => {
  // har_ncw_norm_cnn: its first Conv reads the channels-first input in place (conv-cf kernel)
  for (const [name, phase] of [['se_block', 0.5], ['har_ncw_norm_cnn', 0.7]] as const) {
    it(`${name} on cortex-m4 and riscv within 1e-5 of host`, async () => {
      const g = inferShapes(loadModel(fixture(name)));
      const n = g.tensors[g.inputs[0]!]!.shape.reduce((a, b) => a * b, 1);
      const x = sineInput(n, phase);
      const host = await hostRun(fixture(name), x);
      for (const target of ['cortex-m4', 'riscv'] as const) {
        const got = await hostRun(fixture(name), x, target);
        expect(maxAbsDiff(got, host)).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});
