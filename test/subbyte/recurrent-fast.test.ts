// @module-tag qemu
// 4- and 2-bit W and R in the `harc` recurrent fast path (src/backends/c/lower/subbyte-recurrent-fast.ts
// through int8-recurrent-fast.ts): odd input and hidden sizes, both directions, batch 2, GRU
// linear_before_reset 0 and 1, RNN, a stacked pair. Every build gives the TypeScript integer
// reference bytes:
//   host -DHARC_INT8_OPT   the plain-C pair-word branch (the RISC-V path) on the host
//   cortex-m4              the SMLAD branch (fields unpacked per loaded word)
//   riscv                  the plain-C branch, rv32imc
// The packings are checked against the IR weights field by field (unit, no C).
import { describe, expect, it } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { packDspWords, packOptWords } from '../../src/backends/c/lower/subbyte-recurrent-fast.ts';
import type { Segment } from '../../src/backends/c/lower/int8-recurrent-fast.ts';
import type { Graph } from '../../src/ir/types.ts';
import { applyPrecision } from '../../src/backends/precision.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import type { TargetName } from '../../src/targets/index.ts';
import { firstRows, G, quantizeInput, randomInputs, referenceBytes, rng, runC, splitRows } from '../int8/helpers.ts';
import { recurrentGraph, referenceRaw, type RecurrentCase } from '../int8-recurrent/helpers.ts';

type Bits = 4 | 2;
const CASES: (RecurrentCase & { bits: Bits })[] = [
  { name: 'LSTM bidirectional, input 13, hidden 10, int4', op: 'LSTM', seq: 5, input: 13, hidden: 10, attrs: { direction: 'bidirectional' }, outputs: ['h', 'c'], bits: 4 },
  { name: 'LSTM reverse, batch 2, layout 1, input 5, hidden 7, int2', op: 'LSTM', seq: 3, batch: 2, input: 5, hidden: 7, layout: 1, attrs: { direction: 'reverse' }, bits: 2 },
  // 40 hidden: two plain-C runs per row at int4 (runs of 36 k), 9 steps: chunked projection
  { name: 'LSTM forward, input 9, hidden 40, 9 steps, int4', op: 'LSTM', seq: 9, input: 9, hidden: 40, bits: 4 },
  { name: 'GRU linear_before_reset 0, bidirectional, input 11, hidden 9, int4', op: 'GRU', seq: 4, input: 11, hidden: 9, attrs: { direction: 'bidirectional' }, outputs: ['h'], bits: 4 },
  { name: 'GRU linear_before_reset 0, reverse, batch 2, hidden 6, int2', op: 'GRU', seq: 3, batch: 2, input: 4, hidden: 6, attrs: { direction: 'reverse' }, bits: 2 },
  { name: 'GRU linear_before_reset 1, bidirectional, hidden 17, int2', op: 'GRU', seq: 4, input: 8, hidden: 17, attrs: { linear_before_reset: 1, direction: 'bidirectional' }, outputs: ['h'], bits: 2 },
  { name: 'GRU linear_before_reset 1, one step, hidden 3, int4', op: 'GRU', seq: 1, input: 5, hidden: 3, attrs: { linear_before_reset: 1 }, bits: 4 },
  { name: 'RNN bidirectional, input 7, hidden 6, int4', op: 'RNN', seq: 5, input: 7, hidden: 6, attrs: { direction: 'bidirectional' }, outputs: ['h'], bits: 4 },
  { name: 'RNN reverse, input 3, hidden 9, int2', op: 'RNN', seq: 3, input: 3, hidden: 9, attrs: { direction: 'reverse' }, bits: 2 },
];

const BUILDS: [TargetName, Record<string, boolean> | undefined, string][] = [
  ['host', { HARC_INT8_OPT: true }, 'host -DHARC_INT8_OPT'],
  ['cortex-m4', undefined, 'cortex-m4'],
  ['riscv', undefined, 'riscv'],
];

/** Output bytes of the model built for `target`. */
const runBuild = async (m: EmittedModel, quant: Graph, xq: Int8Array, target: TargetName, defines?: Record<string, boolean>): Promise<number[]> =>
  Array.from(new Uint8Array((await runC(quant, xq, target, m, defines)).buffer));

function quantizeAt(g: Graph, bits: Bits, seed: number): { quant: Graph; float: Graph } {
  const float = optimize(g);
  const calib = randomInputs(float, 16, seed, -1.5, 1.5);
  const table = calibrate(float, splitRows(calib, float.tensors[float.inputs[0]!]!.shape));
  return { float, quant: quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: bits }) }) };
}

async function expectReference(quant: Graph, xq: Int8Array, bits: Bits): Promise<void> {
  const ref = Array.from(referenceRaw(quant, xq));
  for (const [target, defines, label] of BUILDS) {
    const m = emitModel(quant, { prefix: 'sf', memory: { kernels: 'harc', target: target === 'host' ? 'cortex-m4' : target, alignment: 4 } });
    expect(m.files['model.c'], label).toContain('packed by hidden unit');
    expect(m.files['weights.c'], label).toMatch(new RegExp(`const int32_t sf_L\\d+_rrnn${bits}dsp\\[`));
    expect(m.files['weights.c'], label).not.toMatch(/const int8_t sf_L\d+_[wr]rnn\[/);
    expect(await runBuild(m, quant, xq, target, defines), label).toEqual(ref);
  }
}

/** Field `f` (bits wide, two's complement or offset binary) of word `v`. */
const field = (v: number, f: number, bits: Bits, offset: number): number => {
  const raw = (v >>> (bits * f)) & ((1 << bits) - 1);
  return offset ? raw - offset : raw >= 1 << (bits - 1) ? raw - (1 << bits) : raw;
};

describe('sub-byte recurrent packings', () => {
  const quad: Segment = { g: 4, n: 2, row: (u, r) => r * 2 + u, rowC: () => '' };
  const triple: Segment = { g: 3, n: 1, row: (_u, r) => r, rowC: () => '' };
  const single: Segment = { g: 1, n: 1, row: () => 0, rowC: () => '' };
  for (const bits of [4, 2] as const)
    for (const [seg, K] of [[quad, 11], [triple, 7], [single, 13]] as const)
      it(`int${bits}, ${seg.g} rows per group, K ${K}: every weight once where the kernels read it, zeros elsewhere`, () => {
        const q = (1 << (bits - 1)) - 1;
        const r = rng(bits * 100 + seg.g);
        const rows = seg.g * seg.n;
        const w = Array.from({ length: rows * K }, () => Math.round(r(-q, q)) || 0);
        const at = (row: number, k: number): number => w[row * K + k]!;
        // DSP: word of (group, block, row word), byte i, field f = (row f % a, chunk f / a)
        const n = 8 / bits;
        const a = Math.min(n, seg.g <= 1 ? 1 : seg.g === 2 ? 2 : 4);
        const b = n / a;
        const chunks = Math.ceil(K / 4);
        const dsp = packDspWords(at, 0, K, [seg], bits);
        const rowWords = Math.ceil(seg.g / a);
        expect(dsp.length).toBe(seg.n * Math.ceil(chunks / b) * rowWords);
        let idx = 0;
        for (let u = 0; u < seg.n; u++)
          for (let c0 = 0; c0 < chunks; c0 += b)
            for (let rw = 0; rw < seg.g; rw += a, idx++)
              for (let i = 0; i < 4; i++)
                for (let f = 0; f < n; f++) {
                  const row = rw + (f % a), k = 4 * (c0 + Math.floor(f / a)) + i;
                  expect(field(dsp[idx]!, i * n + f, bits, 0)).toBe(row < seg.g && k < K ? at(seg.row(u, row), k) : 0);
                }
        // plain C: fields j·P + i (row 2i, k + j) and + half (row 2i + 1), offset binary
        const P = Math.ceil(seg.g / 2);
        const kb = 16 / bits / P;
        const half = 16 / bits;
        const opt = packOptWords(at, 0, K, [seg], bits);
        expect(opt.length).toBe(seg.n * Math.ceil(K / kb));
        idx = 0;
        for (let u = 0; u < seg.n; u++)
          for (let k0 = 0; k0 < K; k0 += kb, idx++)
            for (let j = 0; j < kb; j++)
              for (let i = 0; i < P; i++)
                for (const [row, pos] of [[2 * i, j * P + i], [2 * i + 1, j * P + i + half]] as const) {
                  const k = k0 + j;
                  expect(field(opt[idx]!, pos, bits, 1 << (bits - 1))).toBe(row < seg.g && k < K ? at(seg.row(u, row), k) : 0);
                }
      });
});

describe('harc recurrent fast path, 4- and 2-bit W and R == TS reference (host -DHARC_INT8_OPT, cortex-m4, riscv)', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const { quant, float } = quantizeAt(recurrentGraph(c, 50 + i), c.bits, 150 + i);
      const node = quant.nodes.find((n) => n.op === c.op)!;
      for (const k of [1, 2]) expect(quant.tensors[node.inputs[k]!]!.quant!.bits).toBe(c.bits);
      // inputs beyond the calibrated range: saturated int8 x, the products' largest magnitudes
      await expectReference(quant, quantizeInput(quant, randomInputs(float, 2, 250 + i, -4, 4)), c.bits);
    }, 300_000);
  });

  // The plain-C runs at their bounds: every weight at +7 (per-gate signs), inputs saturated, 40 k
  // (two runs of 36 k on x and h; GRU's r ⊙ (h − z_h) vector, up to 255, runs of 18 k).
  for (const [op, signs] of [['LSTM', [1, 1, 1, 1]], ['GRU', [-1, 1, 1]]] as const)
    it(`${op}${op === 'GRU' ? ' linear_before_reset 0' : ''}, input 40, hidden 40, int4, every product at its largest magnitude`, async () => {
      const H = 40;
      const b = new G(5);
      const x = b.input([6, 1, H]);
      const gateConst = (K: number, mag: number): string => {
        const name = b.const([1, signs.length * H, K], 0);
        b.tensors[name]!.data = Float32Array.from({ length: signs.length * H * K }, (_, i) => mag * signs[Math.floor(i / (H * K))]!);
        return name;
      };
      b.nodes.push({ name: 'rnn', op, inputs: [x, gateConst(H, 0.5), gateConst(H, 0.5)], outputs: ['y'], attrs: { hidden_size: H } });
      const float = optimize(b.graph(['y']));
      const calib = randomInputs(float, 16, 30, 0, 1.5);
      const table = calibrate(float, splitRows(calib, float.tensors[float.inputs[0]!]!.shape));
      const quant = quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: 4 }) });
      const node = quant.nodes.find((n) => n.op === op)!;
      for (const k of [1, 2]) expect(Array.from(quant.tensors[node.inputs[k]!]!.data as ArrayLike<number>).every((v) => Math.abs(v) === 7)).toBe(true);
      const xq = quantizeInput(quant, randomInputs(float, 1, 31, 4, 5));
      expect(Array.from(xq).every((v) => v === 127)).toBe(true);
      const ref = referenceRaw(quant, xq);
      // the hidden state saturates too (int8 h at its extremes)
      expect(Array.from(new Int8Array(ref.buffer)).filter((v) => v >= 120 || v <= -120).length).toBeGreaterThan(ref.length / 2);
      await expectReference(quant, xq, 4);
    }, 300_000);

  // the zoo's 4-bit quantization-aware LSTM model whole (real weights, 32 calibration windows), 2
  // test windows; the RISC-V model.c also on the host with -DHARC_INT8_OPT
  it('zoo microbi-convlstm-w4 at 4 bits, whole model under --kernels harc', async () => {
    const float = optimize(loadForCli('zoo/models/microbi-convlstm-w4.onnx'));
    const per = numel(float.tensors[float.inputs[0]!]!.shape);
    const quant = applyPrecision(float, { precision: 'int8', calib: firstRows(readNpy('zoo/data/calib_X.npy'), 32, per), weightBits: { default: 4 } }).graph;
    const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 2, per));
    const ref = Array.from(referenceBytes(quant, xq));
    for (const [target, defines, label] of BUILDS) {
      const m = emitModel(quant, { prefix: 'sz', memory: { kernels: 'harc', target: target === 'host' ? 'riscv' : target, alignment: 4 } });
      expect(m.files['model.c'], label).toContain('packed by hidden unit');
      expect(Array.from(await runC(quant, xq, target, m, defines)), label).toEqual(ref);
    }
  }, 300_000);

  it('stacked: LSTM (bidirectional, int4) -> GRU (int2), through a Reshape of Y', async () => {
    const b = new G(78);
    const x = b.input([7, 1, 5]);
    b.nodes.push({ name: 'lstm', op: 'LSTM', inputs: [x, b.const([2, 4 * 6, 5], 0.8), b.const([2, 4 * 6, 6], 0.6), b.const([2, 8 * 6], 0.4)], outputs: ['y1'], attrs: { hidden_size: 6, direction: 'bidirectional' } });
    const flat = b.op('Reshape', ['y1', b.constInts([7, 1, 12])]);
    b.nodes.push({ name: 'gru', op: 'GRU', inputs: [flat, b.const([1, 3 * 5, 12], 0.8), b.const([1, 3 * 5, 5], 0.6), b.const([1, 6 * 5], 0.4)], outputs: ['y2'], attrs: { hidden_size: 5 } });
    const float = optimize(b.graph(['y2']));
    const calib = randomInputs(float, 16, 10, -1.5, 1.5);
    const table = calibrate(float, splitRows(calib, float.tensors[float.inputs[0]!]!.shape));
    const quant = quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: 4, rules: [{ pattern: 'gru', bits: 2 }] }) });
    const xq = quantizeInput(quant, randomInputs(float, 2, 20, -2, 2));
    const ref = Array.from(referenceRaw(quant, xq));
    for (const [target, defines, label] of BUILDS) {
      const m = emitModel(quant, { prefix: 'sf', memory: { kernels: 'harc', target: target === 'host' ? 'cortex-m4' : target, alignment: 4 } });
      expect(m.files['weights.c'], label).toMatch(/rrnn4dsp/);
      expect(m.files['weights.c'], label).toMatch(/rrnn2dsp/);
      expect(await runBuild(m, quant, xq, target, defines), label).toEqual(ref);
    }
  }, 300_000);
});
