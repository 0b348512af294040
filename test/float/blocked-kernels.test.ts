// @module-tag qemu
// The register-blocked float kernels of `--kernels harc` (src/backends/c/lower/float-blocked.ts) on odd
// shapes: channel counts that are not a multiple of the block, odd and even K, stride 2, dilation,
// asymmetric padding, per-channel pad values, 2-D, batch 2, one-row and several-row Gemm / MatMul.
// The float contract (docs/float-kernels.md):
//   - host C with the blocked kernels agrees with the float reference (TS interpreter) and with the
//     portable reference C within 1e-5 relative to the output's magnitude (another summation order);
//   - the same model.c gives the same bits on the host, QEMU Cortex-M4F and QEMU RISC-V (no fused
//     multiply-add, no reassociation), so the cross-target comparison is exact. (`--kernels harc`
//     emits them for cortex-m4 only; the test builds that model.c for all three.)
// onnxruntime is the independent oracle for the PyTorch fixtures at the end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmittedModel } from '../../src/backends/c/emit-model.ts';
import { chooseBlocking, packBlockedWeights, type BlockedConvShape } from '../../src/backends/c/lower/float-blocked.ts';
import { compileGraph, writeModelDir } from '../../src/backends/compile.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import type { Graph } from '../../src/ir/types.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import { fixture, maxAbsDiff, onnxRuntime, sineInput } from '../helpers.ts';
import { G, randomInputs } from '../int8/helpers.ts';

interface Case {
  name: string;
  build: (b: G) => string;
  /** comment the blocked kernel writes into model.c ('' = the node is declined, reference kernel) */
  kernel: string;
  /** the conv reads per-channel pad values (folded input normalisation) */
  padv?: boolean;
}

const conv = (b: G, cin: number, cout: number, w: number[], k: number[], attrs: Record<string, number[] | number> = {}): string =>
  b.op('Conv', [b.input([1, cin, ...w]), b.const([cout, cin, ...k]), b.const([cout])], attrs);

/** A conv whose input is channels-last in memory (a transposed graph input, as after a previous layer). */
const convNwc = (b: G, cin: number, cout: number, w: number[], k: number[], attrs: Record<string, number[] | number> = {}): string => {
  const perm = w.length === 1 ? [0, 2, 1] : [0, 3, 1, 2];
  const x = b.op('Transpose', [b.input([1, ...w, cin])], { perm });
  return b.op('Conv', [x, b.const([cout, cin, ...k]), b.const([cout])], attrs);
};

const BLOCKED = 'blocked float conv';
const CASES: Case[] = [
  // the graph input is channels-first: these convs read it in place (its transpose absorbed)
  { name: 'Conv1d k5 pad 2, 5 -> 7 channels, 13 columns, + Relu', kernel: BLOCKED, build: (b) => b.op('Relu', [conv(b, 5, 7, [13], [5], { pads: [2, 2] })]) },
  { name: 'Conv1d k5 stride 2 pad 2, 3 -> 11, 19 columns', kernel: BLOCKED, build: (b) => conv(b, 3, 11, [19], [5], { pads: [2, 2], strides: [2] }) },
  { name: 'Conv1d k4 asymmetric pad (0, 3), 7 -> 13', kernel: BLOCKED, build: (b) => conv(b, 7, 13, [9], [4], { pads: [0, 3] }) },
  { name: 'Conv1d k3 dilation 2 pad 2, 4 -> 6, + Clip', kernel: BLOCKED, build: (b) => b.op('Clip', [conv(b, 4, 6, [17], [3], { pads: [2, 2], dilations: [2] }), b.scalar(-0.3), b.scalar(0.6)]) },
  { name: 'Conv1d k3 no pad, 24 -> 20, 4 columns (shorter than a block)', kernel: BLOCKED, build: (b) => conv(b, 24, 20, [6], [3]) },
  { name: 'pointwise Conv1d 6 -> 9, 11 columns', kernel: BLOCKED, build: (b) => conv(b, 6, 9, [11], [1]) },
  { name: 'pointwise Conv1d stride 2, 16 -> 13', kernel: BLOCKED, build: (b) => conv(b, 16, 13, [15], [1], { strides: [2] }) },
  { name: 'Conv2d 3x3 stride 2 pad 1, 3 -> 5', kernel: BLOCKED, build: (b) => conv(b, 3, 5, [7, 6], [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] }) },
  { name: 'Conv2d 2x3 pad (1, 0, 0, 2), 4 -> 7', kernel: BLOCKED, build: (b) => conv(b, 4, 7, [5, 8], [2, 3], { pads: [1, 0, 0, 2] }) },
  // channels-last input
  { name: 'NWC Conv1d k5 pad 2, 9 -> 24, 37 columns, + Relu', kernel: BLOCKED, build: (b) => b.op('Relu', [convNwc(b, 9, 24, [37], [5], { pads: [2, 2] })]) },
  { name: 'NWC Conv1d k3 stride 2 pad 1, 5 -> 7, 16 columns', kernel: BLOCKED, build: (b) => convNwc(b, 5, 7, [16], [3], { pads: [1, 1], strides: [2] }) },
  { name: 'NWC pointwise Conv1d 11 -> 13, 9 columns', kernel: BLOCKED, build: (b) => convNwc(b, 11, 13, [9], [1]) },
  { name: 'NHWC Conv2d 3x3 pad 1, 3 -> 5, [6x7]', kernel: BLOCKED, build: (b) => convNwc(b, 3, 5, [6, 7], [3, 3], { pads: [1, 1, 1, 1] }) },
  {
    name: 'input normalisation folded into Conv1d (per-channel pad values)',
    padv: true,
    kernel: BLOCKED,
    build: (b) => {
      const n = b.op('Div', [b.op('Sub', [b.input([1, 12, 3]), b.const([3], 0.5, 0.8)]), b.const([3], 0.2, 0.7)]);
      return b.op('Conv', [b.op('Transpose', [n], { perm: [0, 2, 1] }), b.const([9, 3, 5]), b.const([9])], { pads: [2, 2] });
    },
  },
  {
    name: 'input normalisation folded into Conv2d 3x3 pad 1 (pad values on the edge rows too)',
    padv: true,
    kernel: BLOCKED,
    build: (b) => {
      const n = b.op('Div', [b.op('Sub', [b.input([1, 5, 6, 3]), b.const([3], 0.5, 0.8)]), b.const([3], 0.2, 0.7)]);
      return b.op('Conv', [b.op('Transpose', [n], { perm: [0, 3, 1, 2] }), b.const([7, 3, 3, 3]), b.const([7])], { pads: [1, 1, 1, 1] });
    },
  },
  {
    // (the normalisation fold does not reach depthwise convs; the attribute is set directly)
    name: 'depthwise Conv1d k5 pad 2 with per-channel pad values, 4 channels',
    padv: true,
    kernel: 'blocked float depthwise conv',
    build: (b) => b.op('Conv', [b.input([1, 4, 13]), b.const([4, 1, 5]), b.const([4])], { pads: [2, 2], group: 4, pad_value: [0.3, -0.2, 0.5, 0.1] }),
  },
  {
    name: 'batch 2: Conv1d k3 pad 1, 4 -> 6, then pointwise 6 -> 5',
    kernel: BLOCKED,
    build: (b) => b.op('Conv', [b.op('Conv', [b.input([2, 4, 9]), b.const([6, 4, 3]), b.const([6])], { pads: [1, 1] }), b.const([5, 6, 1]), b.const([5])]),
  },
  { name: 'depthwise Conv1d k5 pad 2, 6 channels', kernel: 'blocked float depthwise conv', build: (b) => b.op('Conv', [b.input([1, 6, 14]), b.const([6, 1, 5]), b.const([6])], { pads: [2, 2], group: 6 }) },
  {
    name: 'NWC depthwise Conv1d k3 stride 2 pad 1, 9 channels + Clip',
    kernel: 'blocked float depthwise conv',
    build: (b) => {
      const x = b.op('Transpose', [b.input([1, 17, 9])], { perm: [0, 2, 1] });
      return b.op('Clip', [b.op('Conv', [x, b.const([9, 1, 3]), b.const([9])], { pads: [1, 1], strides: [2], group: 9 }), b.scalar(0), b.scalar(0.6)]);
    },
  },
  {
    name: 'NWC depthwise Conv1d k3 no pad, 11 channels, after a pointwise conv',
    kernel: 'blocked float depthwise conv',
    build: (b) => b.op('Conv', [convNwc(b, 4, 11, [10], [1]), b.const([11, 1, 3]), b.const([11])], { group: 11 }),
  },
  { name: 'depthwise Conv2d 3x3 pad 1, 5 channels', kernel: 'blocked float depthwise conv', build: (b) => b.op('Conv', [b.input([1, 5, 6, 5]), b.const([5, 1, 3, 3]), b.const([5])], { pads: [1, 1, 1, 1], group: 5 }) },
  { name: 'depthwise multiplier 2, 3 -> 6 (declined: reference kernel)', kernel: '', build: (b) => b.op('Conv', [b.input([1, 3, 12]), b.const([6, 1, 3]), b.const([6])], { pads: [1, 1], group: 3 }) },
  { name: 'grouped Conv1d, 2 groups (declined: reference kernel)', kernel: '', build: (b) => b.op('Conv', [b.input([1, 6, 11]), b.const([10, 3, 3]), b.const([10])], { pads: [1, 1], group: 2 }) },
  { name: 'Gemm one row transB=1, K 13, N 7', kernel: BLOCKED, build: (b) => b.op('Gemm', [b.input([1, 13]), b.const([7, 13]), b.const([7])], { transB: 1 }) },
  { name: 'Gemm 5 rows transB=0, K 10, N 9, + Relu', kernel: BLOCKED, build: (b) => b.op('Relu', [b.op('Gemm', [b.input([5, 10]), b.const([10, 9]), b.const([9])])]) },
  { name: 'MatMul 3 rows, K 33, N 17', kernel: BLOCKED, build: (b) => b.op('MatMul', [b.input([1, 3, 33]), b.const([33, 17])]) },
];

async function run(m: EmittedModel, x: Float32Array, target: TargetName): Promise<Float32Array> {
  const dir = await mkdtemp(join(tmpdir(), 'harc-float-blk-'));
  try {
    await writeModelDir(m, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build') });
    const r = await runFirmware({ target, elf, input: new Uint8Array(x.buffer, x.byteOffset, x.byteLength), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
    return new Float32Array(r.output.slice().buffer);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const magnitude = (v: ArrayLike<number>): number => Math.max(1, ...Array.from(v, Math.abs));
const harcFor = (g: Graph, target: TargetName) => compileGraph(g, { prefix: 'fb', memory: { kernels: 'harc', target } });

describe('blocked float kernels (--kernels harc): reference within 1e-5 on the host, identical bits on host, cortex-m4, riscv', () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const b = new G(500 + i);
      const g = b.graph(c.build(b));
      const x = randomInputs(g, 1, 600 + i, -3, 3).data as Float32Array;
      const opt = optimize(g);
      const ref = interpret(opt, { [opt.inputs[0]!]: { shape: opt.tensors[opt.inputs[0]!]!.shape, dtype: 'float32', data: x } })[opt.outputs[0]!]!.data;
      const m = harcFor(g, 'cortex-m4');
      if (c.kernel) expect(m.files['model.c']).toContain(c.kernel);
      else expect(m.files['model.c']).not.toContain(BLOCKED);
      if (c.padv) expect(m.files['model.c']).toMatch(/pv\d* = fb_L\d+_padv\[/);
      // the set uses them on cortex-m4 only; the same model.c is built here for all three targets
      expect(harcFor(g, 'riscv').files['model.c']).not.toContain(BLOCKED);
      const portable = compileGraph(g, { prefix: 'fb' });
      const [host, hostPortable, m4, rv] = await Promise.all([run(m, x, 'host'), run(portable, x, 'host'), run(m, x, 'cortex-m4'), run(m, x, 'riscv')]);
      const tol = 1e-5 * magnitude(ref);
      expect(maxAbsDiff(host, ref), 'host vs TS reference').toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(host, hostPortable), 'host vs portable reference C').toBeLessThanOrEqual(tol);
      expect(Array.from(m4), 'cortex-m4 bits').toEqual(Array.from(host));
      expect(Array.from(rv), 'riscv bits').toEqual(Array.from(host));
    }, 180_000);
  }
});

describe('blocked float kernels against onnxruntime (PyTorch fixtures)', () => {
  for (const name of ['conv1d_bn_relu', 'har_input_norm_cnn', 'conv2d_small', 'mlp', 'depthwise_separable']) {
    // (Softmax's expf comes from each target's libm: the models agree within 1e-5, not to the bit)
    it(`${name}: host within 1e-4 of onnxruntime, cortex-m4 within 1e-5 of host`, async () => {
      const g = inferShapes(loadModel(fixture(name)));
      const input = g.tensors[g.inputs[0]!]!;
      const x = sineInput(input.shape.reduce((a, d) => a * d, 1), 0.4);
      const ort = (await onnxRuntime(fixture(name), { [input.name]: { data: x, shape: input.shape } }))[g.outputs[0]!]!;
      const m = harcFor(loadModel(fixture(name)), 'cortex-m4');
      expect(m.files['model.c']).toContain(BLOCKED);
      const [host, m4] = await Promise.all([run(m, x, 'host'), run(m, x, 'cortex-m4')]);
      expect(maxAbsDiff(host, ort)).toBeLessThan(1e-4);
      expect(maxAbsDiff(m4, host)).toBeLessThanOrEqual(1e-5);
    }, 180_000);
  }
});

describe('blocking and packing', () => {
  const shape = (o: Partial<BlockedConvShape>): BlockedConvShape => ({
    batch: 1, inH: 1, inW: 64, cin: 24, cout: 48, kH: 1, kW: 5, strideH: 1, strideW: 1, dilH: 1, dilW: 1, padTop: 0, padLeft: 2, outH: 1, outW: 64, xLayout: 'NHWC', ...o,
  });
  it('keeps r·p accumulators + p columns + r weights + a product within 28 s-registers', () => {
    for (const s of [shape({}), shape({ kW: 3, cin: 48, cout: 64, inW: 32, outW: 32, padLeft: 1 }), shape({ kW: 1, cout: 6, inW: 1, outW: 1, padLeft: 0 }), shape({ cout: 7, outW: 13, inW: 13 })]) {
      const b = chooseBlocking(s);
      expect(b.r * b.p + b.p + b.r + 1).toBeLessThanOrEqual(28);
      expect(b.r).toBeLessThanOrEqual(s.cout);
    }
  });
  it('packs [block][kh][ic][kw][r], the last block with cout mod r channels', () => {
    const s = shape({ cin: 2, cout: 3, kW: 2 });
    const w = (oc: number, kh: number, kw: number, ic: number): number => oc * 100 + kh * 10 + kw * 4 + ic;
    // block 0: channels 0, 1; block 1: channel 2
    expect(packBlockedWeights(s, 2, w)).toEqual([0, 100, 4, 104, 1, 101, 5, 105, 200, 204, 201, 205]);
  });
});
