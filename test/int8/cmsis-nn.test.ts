// @module-tag qemu
// --kernels cmsis-nn (src/backends/c/kernels/cmsis-nn.ts): layers run in Arm's CMSIS-NN
// (../shared/third_party/CMSIS-NN, built from source with the firmware) and the rest in harc's
// kernels must give the TypeScript integer reference bytes: on the host (CMSIS-NN's plain C path),
// on QEMU Cortex-M4 (its DSP path) and, for the zoo models, on QEMU RISC-V, and for odd shapes.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware } from '../../src/targets/index.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph } from '../../src/ir/types.ts';
import { G, firstRows, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC } from './helpers.ts';

// CMSIS_NN_PATH, else ../shared/third_party/CMSIS-NN beside the repository (or beside a worktree's parent)
const repo = join(import.meta.dirname, '..', '..');
const CMSIS_NN = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')]
  .find((d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')));
const cmsisNnFound = !!CMSIS_NN;
if (CMSIS_NN) process.env['CMSIS_NN_PATH'] = CMSIS_NN;

const emit = (q: Graph, target: string) => emitModel(q, { prefix: 'cm', memory: { kernels: 'cmsis-nn', target, alignment: 4 } });

function zoo(name: string, rows: number): { quant: Graph; xq: Int8Array } {
  const g = loadForCli(`zoo/models/${name}.onnx`);
  const per = numel(g.tensors[g.inputs[0]!]!.shape);
  const { quant } = quantizeForTest(g, readNpy('zoo/data/calib_X.npy'));
  return { quant, xq: quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), rows, per)) };
}

const conv = (b: G, cin: number, cout: number, w: number[], k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [b.input([1, cin, ...w]), b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

const ODD: { name: string; build: (b: G) => string }[] = [
  { name: 'Conv1d k5 pad 2, 5 -> 7, 13 pixels + Relu', build: (b) => b.op('Relu', [conv(b, 5, 7, [13], [5], { pads: [2, 2] })]) },
  { name: 'Conv1d k3 stride 2 pad (1, 0), dilation 1, 3 -> 10', build: (b) => conv(b, 3, 10, [16], [3], { pads: [1, 0], strides: [2] }) },
  { name: 'Conv1d k3 dilation 2 pad 2, 4 -> 6', build: (b) => conv(b, 4, 6, [17], [3], { pads: [2, 2], dilations: [2] }) },
  { name: 'pointwise 9 -> 6 (1x1 fast path), then stride 2 6 -> 5 (1x1 path)', build: (b) => b.op('Conv', [conv(b, 9, 6, [7], [1]), b.const([5, 6, 1]), b.const([5])], { strides: [2] }) },
  { name: 'depthwise k5 pad 2, 6 channels', build: (b) => conv(b, 6, 6, [14], [5], { pads: [2, 2] }, 6) },
  { name: 'depthwise multiplier 2, 3 -> 6', build: (b) => conv(b, 3, 6, [12], [3], { pads: [1, 1] }, 3) },
  { name: 'depthwise 3x3 pad 1, 5 channels', build: (b) => conv(b, 5, 5, [6, 5], [3, 3], { pads: [1, 1, 1, 1] }, 5) },
  { name: 'MaxPool k3 s2 pad 1 and AveragePool k2', build: (b) => b.op('AveragePool', [b.op('MaxPool', [b.input([1, 7, 15])], { kernel_shape: [3], strides: [2], pads: [1, 1] })], { kernel_shape: [2], strides: [2] }) },
  { name: 'Add and Mul of same shape, Gemm, Softmax', build: (b) => {
    const x = b.input([1, 4, 9]);
    const y = b.op('Mul', [b.op('Add', [b.op('Conv', [x, b.const([4, 4, 1]), b.const([4])]), x]), x]);
    return b.op('Softmax', [b.op('Gemm', [b.op('Flatten', [y]), b.const([5, 36]), b.const([5])], { transB: 1 })]);
  } },
];

function odd(build: (b: G) => string): { quant: Graph; xq: Int8Array } {
  const b = new G();
  const g = b.graph(build(b));
  const { quant } = quantizeForTest(g, randomInputs(g, 16, 3));
  return { quant, xq: quantizeInput(quant, randomInputs(g, 2, 9)) };
}

describe.skipIf(!cmsisNnFound)('--kernels cmsis-nn (needs ../shared/third_party/CMSIS-NN)', () => {
  const ZOO_TARGETS = ['host', 'cortex-m4', 'riscv'] as const;
  const ODD_TARGETS = ['host', 'cortex-m4'] as const;
  const models = [
    ['har-cnn', () => zoo('har-cnn', 2), ZOO_TARGETS],
    ['mobilenet-1d', () => zoo('mobilenet-1d', 2), ZOO_TARGETS],
    ['microbi-convlstm', () => zoo('microbi-convlstm', 1), ZOO_TARGETS],
    ...ODD.map((c) => [c.name, () => odd(c.build), ODD_TARGETS] as const),
  ] as const;
  for (const [name, make, targets] of models)
    it(`${name}: the reference bytes on ${targets.join(', ')}; CMSIS-NN runs some layers`, async () => {
      const { quant, xq } = make();
      const ref = Array.from(referenceBytes(quant, xq));
      for (const target of targets) {
        const m = emit(quant, target);
        expect(m.files['model.c']).toMatch(/\(void\)arm_|arm_softmax_s8\(/);
        expect(Array.from(await runC(quant, xq, target, m)), target).toEqual(ref);
      }
    }, 600_000);
});

it('a build of a model that calls CMSIS-NN without the library is a missing tool (exit 3), naming what to give', async () => {
  const { quant } = odd(ODD[0]!.build);
  const dir = await mkdtemp(join(tmpdir(), 'harc-cmsis-'));
  try {
    await writeModelDir(emit(quant, 'host'), join(dir, 'src'));
    const err = await buildFirmware({ target: 'host', modelDir: join(dir, 'src'), outDir: join(dir, 'build'), cmsisNn: join(dir, 'no-cmsis-nn') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'tool', message: expect.stringMatching(/no-cmsis-nn.*Include\/arm_nnfunctions\.h/) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
