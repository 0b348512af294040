// @module-tag qemu
// The `harc` kernel set's recurrent path (src/backends/c/lower/int8-recurrent-fast.ts: the input
// projection of a chunk of steps first, one packed product per step, rows packed by hidden unit) on
// odd shapes: hidden and input sizes that are not multiples of 4, one step and odd step counts, both
// directions, batch 2, layout 1, GRU linear_before_reset 0 and 1, chunked projections, stacked layers.
// Every build gives the TypeScript integer reference bytes:
//   host -DHARC_INT8_OPT   the plain-C branch (the RISC-V path) on the host
//   cortex-m4              the SMLAD branch
//   riscv                  the plain-C branch, rv32imc
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { chunkSteps } from '../../src/backends/c/lower/int8-recurrent-fast.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { recurrentGeometry } from '../../src/ir/ops/recurrent-common.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph } from '../../src/ir/types.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { firstRows, G, quantizeForTest, quantizeInput, randomInputs, referenceBytes, splitRows } from '../int8/helpers.ts';
import { recurrentGraph, referenceRaw, type RecurrentCase } from './helpers.ts';

const CASES: RecurrentCase[] = [
  { name: 'LSTM bidirectional, input 13, hidden 10', op: 'LSTM', seq: 5, input: 13, hidden: 10, attrs: { direction: 'bidirectional' }, outputs: ['h', 'c'] },
  { name: 'LSTM one step, input 3, hidden 5', op: 'LSTM', seq: 1, input: 3, hidden: 5 },
  { name: 'LSTM reverse, batch 2, layout 1, no bias', op: 'LSTM', seq: 3, batch: 2, input: 6, hidden: 7, layout: 1, bias: false, attrs: { direction: 'reverse' } },
  // 9 steps of 4·40 gate rows: the projection runs in chunks of 2 steps (XG_BUDGET), the last one a single step
  { name: 'LSTM forward, hidden 40, 9 steps in two chunks', op: 'LSTM', seq: 9, input: 9, hidden: 40 },
  { name: 'GRU linear_before_reset 0, input 11, hidden 9', op: 'GRU', seq: 5, input: 11, hidden: 9, outputs: ['h'] },
  { name: 'GRU linear_before_reset 0, bidirectional, batch 2', op: 'GRU', seq: 3, batch: 2, input: 4, hidden: 6, attrs: { direction: 'bidirectional' } },
  { name: 'GRU linear_before_reset 1, bidirectional, hidden 17', op: 'GRU', seq: 4, input: 8, hidden: 17, attrs: { linear_before_reset: 1, direction: 'bidirectional' }, outputs: ['h'] },
  // hidden 8: two 4-k chunks per row, the hand-scheduled SMLAD loop on Cortex-M4 (hidden 5 and 40 for LSTM quads)
  { name: 'GRU linear_before_reset 1, reverse, hidden 8', op: 'GRU', seq: 3, input: 5, hidden: 8, attrs: { linear_before_reset: 1, direction: 'reverse' } },
  { name: 'GRU linear_before_reset 1, one step, hidden 3', op: 'GRU', seq: 1, input: 5, hidden: 3, attrs: { linear_before_reset: 1 } },
  { name: 'RNN bidirectional, input 7, hidden 6', op: 'RNN', seq: 5, input: 7, hidden: 6, attrs: { direction: 'bidirectional' }, outputs: ['h'] },
  { name: 'RNN reverse, hidden 9', op: 'RNN', seq: 3, input: 4, hidden: 9, attrs: { direction: 'reverse' } },
];

const BUILDS: [TargetName, Record<string, boolean> | undefined, string][] = [
  ['host', { HARC_INT8_OPT: true }, 'host -DHARC_INT8_OPT'],
  ['cortex-m4', undefined, 'cortex-m4'],
  ['riscv', undefined, 'riscv'],
];

// harc_s8_requant_rshift (multiplier > 2^30, shift <= -1), harc_s8_requant_x2 (bounded x, any shift),
// harc_rdbpot_small (bounded x), harc_sat16 and harc_sat8 against harc_rdbpot and the reference's
// harc_mbqm and clamp on random, edge and rounding-tie inputs
const REQUANT_CHECK = String.raw`#include <stdio.h>
#include "harc_int8_kernels.h"
static uint32_t s = 4242u;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s; }
int main(void)
{
    long checked = 0, bad = 0, i;
    static const int32_t edge[] = { HARC_INT32_MIN, HARC_INT32_MIN + 1, -65536, -32769, -32768, -2, -1, 0, 1, 2, 32767, 32768, 65535, HARC_INT32_MAX - 1, HARC_INT32_MAX };
    for (i = 0; i < 2000000; ++i) {
        const uint32_t kind = rnd() % 4;
        int32_t x = (int32_t)rnd();
        int32_t sh = -1 - (int32_t)(rnd() % 31); /* [-31, -1] */
        int32_t m = (int32_t)(0x40000001u + rnd() % 0x3fffffffu); /* (2^30, 2^31) */
        if (kind == 1) x = (int32_t)(rnd() % 200001) - 100000;
        if (kind == 2) x = edge[rnd() % (sizeof edge / sizeof edge[0])];
        if (kind == 3) { /* products that land on a rounding tie */
            const int e = (int)-sh;
            x = (int32_t)(((int64_t)((int32_t)(rnd() % 4001) - 2000) << (e > 12 ? 12 : e)) + (int32_t)(rnd() % 3) - 1);
            m = 0x40000000 + (int32_t)(1u << (rnd() % 30));
        }
        if (harc_s8_requant_rshift(x, m, sh) != harc_mbqm(x, m, sh)) ++bad;
        if (harc_sat16(x) != harc_clamp32(x, -32768, 32767) || harc_sat8(x) != harc_clamp32(x, -128, 127)) ++bad;
        { /* harc_s8_requant_x2 on its domain, |x| * 2^pre < 2^31 (its ends included), right and left shifts */
            const int32_t s2 = (rnd() & 3) == 0 ? (int32_t)(rnd() % 8) : sh; /* [0, 7] or [-31, -1] */
            const int32_t pre = 1 + (s2 > 0 ? s2 : 0), e = s2 < 0 ? -s2 : 0;
            const int32_t lim = (int32_t)(0x7fffffffu >> pre);
            const int32_t xb = kind == 2 && (rnd() & 1) ? ((rnd() & 1) ? lim : -lim) : harc_asr32(x, kind == 0 || kind == 2 ? pre + 1 : 0);
            const int32_t m2 = e == 0 && (rnd() & 1) ? (int32_t)(rnd() % 0x40000001u) : m; /* e = 0: any multiplier >= 0 */
            if (harc_s8_requant_x2(xb, m2, pre, e ? (int32_t)(1u << (e - 1)) : 0, e ? -1 : 0, e) != harc_mbqm(xb, m2, s2)) ++bad;
        }
        { /* harc_rdbpot_small: 1 <= n <= 30, x <= 2^31 - 1 - 2^(n-1) (its ends included) */
            const int n = 1 + (int)(rnd() % (kind == 3 ? 20 : 30)); /* ties: up to 1000 * 2^19 */
            const int32_t xr = kind == 2 ? ((rnd() & 1) ? (int32_t)(0x7fffffffu - (1u << (n - 1))) : HARC_INT32_MIN + (int32_t)(rnd() % 3)) : kind == 3 ? (int32_t)(((int32_t)(rnd() % 2001) - 1000) * (1 << (n - 1))) : harc_asr32(x, 1);
            if (harc_rdbpot_small(xr, n) != harc_rdbpot(xr, n)) ++bad;
        }
        checked += 4;
    }
    printf("%ld checked, %ld mismatches\n", checked, bad);
    return 0;
}
`;

// harc_rnn_logistic / harc_rnn_tanh (one SMLAD interpolation on DSP) against harc_logistic_s16 /
// harc_tanh_s16 on every int16 input, for the power-of-two input scale and the cell tanh's
// multipliers; built as a one-file "model" for the target harness, the mismatch count its output
const LUT_CHECK_H = String.raw`#ifndef HARC_LUT_CHECK_H
#define HARC_LUT_CHECK_H
#include <stdint.h>
int lut_check(const uint8_t *in, uint8_t *out);
#ifdef HARC_HARNESS
#define HARC_MODEL_INPUT_BYTES 4
#define HARC_MODEL_OUTPUT_BYTES 8
#define HARC_MODEL_INVOKE(in, out) lut_check((in), (out))
#endif
#endif
`;
const LUT_CHECK_C = String.raw`#include <string.h>
#include "model.h"
#include "harc_int8_kernels.h"
int lut_check(const uint8_t *in, uint8_t *out)
{
    static const int32_t mult[] = { 0, 24576, 24576, 24576, 16384, 30001, 3 };
    static const int shift[] = { 0, 11, 9, 13, 10, 12, 0 };
    uint32_t checked = 0, bad = 0;
    unsigned c;
    int32_t x;
    (void)in;
    for (c = 0; c < sizeof mult / sizeof mult[0]; ++c)
        for (x = -32768; x <= 32767; ++x) {
            bad += harc_rnn_logistic((int16_t)x, mult[c], shift[c]) != harc_logistic_s16((int16_t)x, mult[c], shift[c]);
            bad += harc_rnn_tanh((int16_t)x, mult[c], shift[c]) != harc_tanh_s16((int16_t)x, mult[c], shift[c]);
            checked += 2;
        }
    memcpy(out, &checked, 4);
    memcpy(out + 4, &bad, 4);
    return 0;
}
`;

async function runBuild(m: EmittedModel, xq: Int8Array, target: TargetName, defines?: Record<string, boolean>): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'harc-rnn-fast-'));
  try {
    await writeModelDir(m, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    const run = await runFirmware({ target, elf, input: new Uint8Array(xq.buffer, xq.byteOffset, xq.byteLength), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
    return Array.from(run.output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function expectReference(quant: Graph, xq: Int8Array, fastPath = true): Promise<void> {
  const ref = Array.from(referenceRaw(quant, xq));
  for (const [target, defines, label] of BUILDS) {
    const m = emitModel(quant, { prefix: 'rf', memory: { kernels: 'harc', target: target === 'host' ? 'cortex-m4' : target, alignment: 4 } });
    if (fastPath) expect(m.files['model.c'], label).toContain('packed by hidden unit');
    else expect(m.files['model.c'], label).not.toContain('packed by hidden unit');
    expect(await runBuild(m, xq, target, defines), label).toEqual(ref);
  }
}

describe('harc recurrent fast path == TS reference (host -DHARC_INT8_OPT, cortex-m4, riscv)', () => {
  it('the projection chunk: every step when it fits in 2 KiB, else an even number of steps that does (at least 2)', () => {
    const steps = (c: RecurrentCase): number => {
      const g = recurrentGraph(c);
      const node = g.nodes[0]!;
      return chunkSteps(recurrentGeometry(node, node.inputs.map((n) => (n ? g.tensors[n] : undefined))));
    };
    expect(steps(CASES[0]!)).toBe(5);
    expect(steps(CASES[3]!)).toBe(2);
  });

  it('harc_s8_requant_rshift and harc_s8_requant_x2 equal harc_mbqm, harc_rdbpot_small harc_rdbpot, harc_sat16 / harc_sat8 the clamps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harc-rnn-rq-'));
    try {
      writeFileSync(join(dir, 'rq.c'), REQUANT_CHECK);
      execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', '-DHARC_INT8_OPT', `-I${join('templates', 'runtime')}`, join(dir, 'rq.c'), '-o', join(dir, 'rq')], { stdio: 'pipe' });
      expect(execFileSync(join(dir, 'rq')).toString().trim()).toBe('8000000 checked, 0 mismatches');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('harc_rnn_logistic / harc_rnn_tanh equal harc_logistic_s16 / harc_tanh_s16 on every int16 input', async () => {
    for (const [target, defines] of BUILDS) {
      const dir = await mkdtemp(join(tmpdir(), 'harc-rnn-lut-'));
      try {
        const src = join(dir, 'src');
        mkdirSync(src);
        writeFileSync(join(src, 'model.h'), LUT_CHECK_H);
        writeFileSync(join(src, 'model.c'), LUT_CHECK_C);
        for (const h of ['harc_int8_kernels.h', 'harc_fixedpoint.h']) copyFileSync(join('templates', 'runtime', h), join(src, h));
        const { elf } = await buildFirmware({ target, modelDir: src, outDir: join(dir, 'build'), defines });
        const run = await runFirmware({ target, elf, input: new Uint8Array(4), inputBytes: 4, outputBytes: 8 });
        const out = new Uint32Array(new Uint8Array(run.output).buffer);
        expect([out[0], out[1]], target).toEqual([7 * 2 * 65536, 0]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }, 240_000);

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const g = recurrentGraph(c, 40 + i);
      const { quant } = quantizeForTest(g, randomInputs(g, 16, 140 + i, -1.5, 1.5));
      await expectReference(quant, quantizeInput(quant, randomInputs(g, 2, 240 + i, -2, 2)));
    }, 240_000);
  });

  // recurrent biases near 2^30: the accumulator bounds no longer admit harc_s8_requant_x2 nor prove
  // the clamps idle, so those arrays take the run-time-shift requantization and the reference's
  // clamps (±2^24 partial sums; GRU's ±65535 r-term)
  for (const [c, sides] of [
    [{ name: 'LSTM bidirectional, hidden 6', op: 'LSTM', seq: 4, input: 5, hidden: 6, attrs: { direction: 'bidirectional' } }, ['r']],
    [{ name: 'GRU linear_before_reset 1, hidden 5', op: 'GRU', seq: 4, input: 7, hidden: 5, attrs: { linear_before_reset: 1 } }, ['w', 'r']],
  ] as [RecurrentCase, ('w' | 'r')[]][])
    it(`huge biases (${sides.join(', ')} side): ${c.name}, clamps kept`, async () => {
      const g = recurrentGraph(c, 91);
      const { quant } = quantizeForTest(g, randomInputs(g, 16, 191, -1.5, 1.5));
      const node = quant.nodes.find((n) => n.op === c.op)!;
      const bias = quant.tensors[node.inputs[3]!]!.data as Int32Array;
      const GH = bias.length / (2 * (c.attrs?.['direction'] === 'bidirectional' ? 2 : 1));
      for (let i = 0; i < bias.length; i++) if (sides.includes(i % (2 * GH) < GH ? 'w' : 'r')) bias[i] = (i % 2 ? -1 : 1) * 1_200_000_000;
      const m = emitModel(quant, { prefix: 'rf', memory: { kernels: 'harc', target: 'cortex-m4', alignment: 4 } });
      expect(m.files['model.c']).toContain('harc_clamp32(');
      if (!sides.includes('w')) expect(m.files['model.c']).toContain('harc_s8_requant_x2(');
      await expectReference(quant, quantizeInput(quant, randomInputs(g, 2, 291, -2, 2)));
    }, 240_000);

  it('stacked: LSTM (bidirectional) -> GRU, through a Reshape of Y', async () => {
    const b = new G(77);
    const x = b.input([7, 1, 5]);
    const y1 = 'y1';
    b.nodes.push({ name: 'lstm', op: 'LSTM', inputs: [x, b.const([2, 4 * 6, 5], 0.8), b.const([2, 4 * 6, 6], 0.6), b.const([2, 8 * 6], 0.4)], outputs: [y1], attrs: { hidden_size: 6, direction: 'bidirectional' } });
    const flat = b.op('Reshape', [y1, b.constInts([7, 1, 12])]);
    b.nodes.push({ name: 'gru', op: 'GRU', inputs: [flat, b.const([1, 3 * 5, 12], 0.8), b.const([1, 3 * 5, 5], 0.6), b.const([1, 6 * 5], 0.4)], outputs: ['y2'], attrs: { hidden_size: 5 } });
    const g = b.graph(['y2']);
    const { quant } = quantizeForTest(g, randomInputs(g, 16, 9, -1.5, 1.5));
    await expectReference(quant, quantizeInput(quant, randomInputs(g, 2, 19, -2, 2)));
  }, 240_000);

  it('4-bit W and R take the fast path too (packed sub-byte weights, test/subbyte/recurrent-fast.test.ts)', async () => {
    const c: RecurrentCase = { name: 'int4', op: 'LSTM', seq: 3, input: 6, hidden: 5, attrs: { direction: 'bidirectional' } };
    const float = optimize(recurrentGraph(c, 61));
    const calib = randomInputs(float, 16, 161, -1.5, 1.5);
    const table = calibrate(float, splitRows(calib, float.tensors[float.inputs[0]!]!.shape));
    const quant = quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: 4 }) });
    await expectReference(quant, quantizeInput(quant, randomInputs(float, 2, 261, -2, 2)));
  }, 240_000);

  // the zoo's recurrent models, real weights and calibration (32 windows), 2 test windows; the
  // RISC-V model.c (the plain-C path) also on the host with -DHARC_INT8_OPT
  for (const model of ['microbi-convlstm', 'deepconvlstm', 'seq-lstm', 'seq-gru', 'seq-rnn'])
    it(`zoo ${model}: whole model under --kernels harc`, async () => {
      const file = `zoo/models/${model}.onnx`;
      const g = loadForCli(file);
      const per = numel(g.tensors[g.inputs[0]!]!.shape);
      const { quant } = quantizeForTest(g, firstRows(readNpy('zoo/data/calib_X.npy'), 32, per));
      const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 2, per));
      const ref = Array.from(referenceBytes(quant, xq));
      for (const [target, defines, label] of BUILDS) {
        const m = emitModel(quant, { prefix: 'rz', memory: { kernels: 'harc', target: target === 'host' ? 'riscv' : target, alignment: 4 } });
        expect(m.files['model.c'], label).toContain('packed by hidden unit');
        expect((await runBuild(m, xq, target, defines)).map((b) => (b << 24) >> 24), label).toEqual(ref);
      }
    }, 600_000);
});
