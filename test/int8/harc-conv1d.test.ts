// @module-tag qemu
// The `harc` set's 1-D Conv (templates/runtime/harc_int8_conv1d.h + the per-layer SMLAD loop of
// src/backends/c/lower/int8-conv1d.ts: input widened to int16 once, 4 channels x 2 positions per
// pass, sentinel-ended) on odd shapes, against the TypeScript integer reference bytes on cortex-m4
// (the kernel), and the same model through `harc` on riscv and the host (their paths are
// unchanged). Shapes: cin odd (extra zero channel) and even, cout not a multiple of 4 (the C rest
// loop), cout < 4 (declined), odd position counts (dummy partner), kernels 2/3/5/7, stride 2 and 3,
// symmetric / asymmetric / no padding, batch 2, a clamp, per-channel input zero points, unrolls 1-8.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { CONV1D_SENTINEL, conv1dChunk, conv1dPlan, conv1dUnroll, packConv1dConsts, packConv1dQuads, packConv1dSub, requantWords, unpackConv1dSub } from '../../src/backends/c/lower/int8-conv1d.ts';
import { multiplyByQuantizedMultiplier } from '../../src/ir/quant/fixedpoint.ts';
import { expectHarcBytes } from './harc-cases.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { G, firstRows, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from './helpers.ts';

const conv = (b: G, cin: number, cout: number, w: number, k: number, attrs: Record<string, number[] | number> = {}, batch = 1): string =>
  b.op('Conv', [b.input([batch, cin, w]), b.const([cout, cin, k]), b.const([cout])], attrs);

const CASES: { name: string; build: (b: G) => string | string[]; declined?: boolean; clamp?: string }[] = [
  { name: 'k5 pad 2, 9 -> 24 channels, 20 long (har-cnn layer 0 shape, odd cin)', build: (b) => conv(b, 9, 24, 20, 5, { pads: [2, 2] }) },
  { name: 'k5 pad 2, 24 -> 20 channels, 13 long + Relu (odd positions)', build: (b) => b.op('Relu', [conv(b, 24, 20, 13, 5, { pads: [2, 2] })]) },
  { name: 'k3 stride 2 pad 1, 5 -> 7 channels, 16 long (3 rest channels)', build: (b) => conv(b, 5, 7, 16, 3, { pads: [1, 1], strides: [2] }) },
  { name: 'k7 stride 3 no pad, 6 -> 10 channels, 29 long', build: (b) => conv(b, 6, 10, 29, 7, { strides: [3] }) },
  { name: 'k4 asymmetric pad (1, 2), 3 -> 9 channels, 11 long', build: (b) => conv(b, 3, 9, 11, 4, { pads: [1, 2] }) },
  { name: 'k2 no pad, 1 -> 4 channels, 2 long (one pair)', build: (b) => conv(b, 1, 4, 3, 2) },
  { name: 'k5 pad 2 on 3 samples, 8 -> 5 channels (input shorter than the kernel)', build: (b) => conv(b, 8, 5, 3, 5, { pads: [2, 2] }) },
  { name: 'batch 2, k3 pad 1, 11 -> 13 channels, 9 long + Clip', build: (b) => b.op('Clip', [conv(b, 11, 13, 9, 3, { pads: [1, 1] }, 2), b.scalar(-0.4), b.scalar(0.5)]) },
  { name: 'k3 pad 1, 7 -> 8 channels, 10 long + Clip(0.05, 0.3) (act_min above -128: the epilogue clamps)', clamp: 'movlt', build: (b) => b.op('Clip', [conv(b, 7, 8, 10, 3, { pads: [1, 1] }), b.scalar(0.05), b.scalar(0.3)]) },
  { name: 'k3 pad 1, 7 -> 8 channels, 10 long + Clip(-0.3, -0.05) (act_max below 127)', clamp: 'movgt', build: (b) => b.op('Clip', [conv(b, 7, 8, 10, 3, { pads: [1, 1] }), b.scalar(-0.3), b.scalar(-0.05)]) },
  { name: 'k5 pad 2, 48 -> 64 channels, 8 long (har-cnn layer 4 channels)', build: (b) => conv(b, 48, 64, 8, 5, { pads: [2, 2] }) },
  { name: 'k3 pad 1, 4 -> 22 channels, 11 long (5 quads, 2 rest channels, odd positions)', build: (b) => conv(b, 4, 22, 11, 3, { pads: [1, 1] }) },
  { name: 'k3 pad 1, 6 -> 3 channels (cout < 4: declined)', declined: true, build: (b) => conv(b, 6, 3, 10, 3, { pads: [1, 1] }) },
  { name: 'k3 dilation 2, 4 -> 6 channels (declined)', declined: true, build: (b) => conv(b, 4, 6, 12, 3, { pads: [2, 2], dilations: [2] }) },
];

describe('harc 1-D Conv (harc_s8_conv1d) == TS reference on cortex-m4; riscv and host unchanged', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, () =>
      expectHarcBytes(1100 + i, c.build, (m4) => {
        if (c.declined) expect(m4.files['model.c']).not.toContain('harc_s8_conv1d_widen(');
        else expect(m4.files['model.c']).toContain('harc_s8_conv1d_widen(');
        if (c.clamp) expect(m4.files['model.c']).toContain(c.clamp);
      }), 180_000);

  // sub-byte weights: nibble / crumb fields unpacked to the same doubled int16 pairs (harc_s8_conv1d_unpack4/2)
  const SUB: { name: string; bits: 4 | 2; build: (b: G) => string }[] = [
    { name: '4-bit weights, k5 pad 2, 9 -> 24 channels, 20 long (odd cin, 6 quads in chunks of 2)', bits: 4, build: (b) => conv(b, 9, 24, 20, 5, { pads: [2, 2] }) },
    { name: '4-bit weights, k3 pad 1, 4 -> 22 channels, 11 long + Relu (chunks of 3 and 2, 2 rest channels, odd positions)', bits: 4, build: (b) => b.op('Relu', [conv(b, 4, 22, 11, 3, { pads: [1, 1] })]) },
    { name: '4-bit weights, k5 pad 2, 48 -> 20 channels, 8 long (chunks of 1)', bits: 4, build: (b) => conv(b, 48, 20, 8, 5, { pads: [2, 2] }) },
    { name: '2-bit weights, k3 stride 2 pad 1, 5 -> 7 channels, 16 long (odd words: a half-used last word)', bits: 2, build: (b) => conv(b, 5, 7, 16, 3, { pads: [1, 1], strides: [2] }) },
    { name: '2-bit weights, k4 asymmetric pad (1, 2), 6 -> 20 channels, 11 long', bits: 2, build: (b) => conv(b, 6, 20, 11, 4, { pads: [1, 2] }) },
  ];
  for (const [i, c] of SUB.entries())
    it(c.name, async () => {
      const seed = 1300 + i;
      const b = new G(seed);
      const float = optimize(b.graph(c.build(b)));
      const table = calibrate(float, splitRows(randomInputs(float, 16, seed + 1000), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
      const quant = quantizeGraph(float, table, { weightBits: c.bits });
      const xq = quantizeInput(quant, randomInputs(float, 3, seed + 2000, -3, 3));
      const ref = Array.from(referenceBytes(quant, xq));
      for (const target of ['cortex-m4', 'riscv', 'host'] as const) {
        const m = emitModel(quant, { prefix: 'hs', memory: { kernels: 'harc', target, alignment: 4 } });
        if (target === 'cortex-m4') expect(m.files['model.c']).toContain(`harc_s8_conv1d_unpack${c.bits}(`);
        expect(Array.from(await runC(quant, xq, target, m)), `${target} bytes`).toEqual(ref);
      }
    }, 300_000);

  // the zoo models whose Convs this kernel takes: har-cnn 3 (layer 0 reads the per-channel input),
  // microbi-convlstm 2, deepconvlstm 4
  for (const [model, convs] of [['har-cnn', 3], ['microbi-convlstm', 2], ['deepconvlstm', 4]] as const)
    it(`${model}: ${convs} Convs on this kernel, the reference bytes on cortex-m4`, async () => {
      const g = loadForCli(`zoo/models/${model}.onnx`);
      const per = numel(g.tensors[g.inputs[0]!]!.shape);
      const { quant } = quantizeForTest(g, firstRows(readNpy('zoo/data/calib_X.npy'), 32, per));
      const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 2, per));
      const m = emitModel(quant, { prefix: 'hc', memory: { kernels: 'harc', target: 'cortex-m4', alignment: 4 } });
      expect(m.files['model.c']!.match(/harc_s8_conv1d_widen\(/g)).toHaveLength(convs);
      expect(Array.from(await runC(quant, xq, 'cortex-m4', m))).toEqual(Array.from(referenceBytes(quant, xq)));
    }, 300_000);

  it('packs per quad the 4 biases, 4 pairs per step (zero past the patch), the sentinel, then 3 requantization words per channel', () => {
    const w = (oc: number, s: number): number => 100 * oc + s;
    const rq = (oc: number): number[] => [oc, -oc, 5];
    expect(packConv1dQuads(w, [7, 8, 9, 10, 11], rq, 1, 2, 3)).toEqual([
      7, 8, 9, 10, 0, 100, 200, 300, 1, 101, 201, 301, 0, 0, 0, 0, CONV1D_SENTINEL, 0, -0, 5, 1, -1, 5, 2, -2, 5, 3, -3, 5,
    ]);
  });

  for (const bits of [4, 2] as const)
    it(`the ${bits}-bit words in flash unpack to the doubled int16 stream of packConv1dQuads (extreme values, odd words)`, () => {
      const lo = -(2 ** (bits - 1));
      const we = (oc: number, e: number): number => lo + ((oc * 5 + e * 3) % 2 ** bits);
      const bias = [5, -6, 7, -8, 9, -10, 11, -12];
      const rq = (oc: number): number[] => [oc, -oc, 5];
      for (const [words, padded] of [[3, 4], [4, 4], [5, 10]] as const) {
        const packed = packConv1dSub(we, 2, words, bits);
        const consts = packConv1dConsts(bias, rq, 2);
        const pair2 = (oc: number, s: number): number => ((2 * we(oc, 2 * s)) & 0xffff) | ((2 * we(oc, 2 * s + 1)) << 16);
        const whole = packConv1dQuads(pair2, bias, rq, 2, words, padded);
        expect(unpackConv1dSub(packed, consts, 0, 2, words, padded, bits)).toEqual(whole);
        expect(unpackConv1dSub(packed, consts, 1, 1, words, padded, bits)).toEqual(whole.slice(whole.length / 2));
        expect(packed.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
      }
    });

  it('chunks: at most 4 quads and 1 KB of unpacked stream, evened over the chunks', () => {
    const plan = (quads: number, paddedWords: number) => ({ quads, paddedWords }) as Parameters<typeof conv1dChunk>[0];
    expect(conv1dChunk(plan(5, 6))).toBe(3);
    expect(conv1dChunk(plan(16, 6))).toBe(4);
    expect(conv1dChunk(plan(6, 60))).toBe(1);
    expect(conv1dChunk(plan(0, 6))).toBe(0);
  });

  it('the epilogue arithmetic (SMMLAR of the doubled sum, SUB of its sign, ASR) is MultiplyByQuantizedMultiplier + zp, on edge and random sums', () => {
    // SMMLAR t, a, m, T: the high word of T·2^32 + a·m + 2^31; then t - [a < 0], then asr e
    const epilogue = (acc: number, m: number, shift: number, zp: number): number => {
      const [, T, e] = requantWords(m, shift, zp);
      const a = BigInt(2 * acc);
      const t = (BigInt(T) * 2n ** 32n + a * BigInt(m) + 2n ** 31n) >> 32n;
      return Number((t - (a < 0n ? 1n : 0n)) >> BigInt(e));
    };
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 4000; i++) {
      const m = 2 ** 30 + 1 + Math.floor(rand() * (2 ** 30 - 2));
      const shift = -2 - Math.floor(rand() * 14);
      const zp = Math.floor(rand() * 256) - 128;
      const e = -shift;
      // ties: sums whose product lands on a rounding boundary; plus random and extreme sums
      const edges = [0, 1, -1, 2 ** 29, -(2 ** 29), 2 ** (e + 1), -(2 ** (e + 1)), Math.floor((rand() - 0.5) * 2 ** 21), Math.floor((rand() - 0.5) * 2 ** 30)];
      for (const acc of edges) expect(epilogue(acc, m, shift, zp), `acc ${acc} m ${m} shift ${shift}`).toBe(multiplyByQuantizedMultiplier(acc, m, shift) + zp);
    }
  });

  it('requantization words: the multiplier, 2^(e-1) + zp·2^e (the output zero point folded into the rounding), e', () => {
    expect(requantWords((1 << 30) | 5, -9, -128)).toEqual([(1 << 30) | 5, 2 ** 8 - 128 * 2 ** 9, 9]);
  });

  it('unrolls to a divisor of the patch when one is near, and plans rows for an even position count', () => {
    expect(conv1dUnroll(60)).toBe(12);
    expect(conv1dUnroll(72)).toBe(12);
    expect(conv1dUnroll(25)).toBe(5);
    const plan = conv1dPlan({ channels: 9, kW: 5, strideW: 1, outW: 13, cout: 6 } as Parameters<typeof conv1dPlan>[0]);
    expect(plan).toMatchObject({ cinp: 10, words: 25, rows: 18, pairOffset: 20, quads: 1 });
  });
});
