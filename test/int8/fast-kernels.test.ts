// @module-tag qemu
// The optimized int8 Conv / Gemm / MatMul kernels (templates/runtime/harc_int8_kernels.h, selected in C
// by the compiler target) on odd shapes: channels not a multiple of 4 or 8, odd pixel counts, kernel 1,
// 3 and 5, stride 2, dilation, padding, depthwise, groups, per-channel input zero points (pad_value).
// Every build must produce the TypeScript integer reference bytes:
//   host            reference kernels
//   host -DHARC_INT8_OPT        portable optimized kernels (the RISC-V path) on the host
//   cortex-m4       DSP path (SXTB16 / SMLAD / SMLABB)
//   riscv           portable optimized kernels, rv32imc
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { packS8Weights } from '../../src/backends/c/lower/int8-fast.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import type { Graph } from '../../src/ir/types.ts';
import { G, quantizeForTest, quantizeInput, randomInputs, referenceBytes } from './helpers.ts';

interface Case {
  name: string;
  build: (b: G) => string;
  /** text the optimized path must contain (which kernel was chosen) */
  kernel: 'harc_s8_mat2' | 'harc_s8_mat1' | 'harc_s8_dw_pixel';
}

const conv = (b: G, cin: number, cout: number, w: number[], k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [b.input([1, cin, ...w]), b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

const conv1x1 = (b: G, x: string, cin: number, cout: number): string => b.op('Conv', [x, b.const([cout, cin, 1]), b.const([cout])]);

const CASES: Case[] = [
  { name: 'Conv1d k5 pad 2, 5 -> 7 channels, 13 pixels', kernel: 'harc_s8_mat2', build: (b) => conv(b, 5, 7, [13], [5], { pads: [2, 2] }) },
  { name: 'Conv1d k5 pad 2, 24 -> 20 channels + Relu', kernel: 'harc_s8_mat2', build: (b) => b.op('Relu', [conv(b, 24, 20, [33], [5], { pads: [2, 2] })]) },
  { name: 'pointwise Conv1d 6 -> 9, 11 pixels (no patch copy)', kernel: 'harc_s8_mat2', build: (b) => conv(b, 6, 9, [11], [1]) },
  { name: 'pointwise Conv1d 16 -> 13, stride 2', kernel: 'harc_s8_mat2', build: (b) => conv(b, 16, 13, [15], [1], { strides: [2] }) },
  { name: 'Conv1d k3 stride 2 pad 1, 3 -> 10', kernel: 'harc_s8_mat2', build: (b) => conv(b, 3, 10, [16], [3], { pads: [1, 1], strides: [2] }) },
  { name: 'Conv1d k3 dilation 2 pad 2, 4 -> 6', kernel: 'harc_s8_mat2', build: (b) => conv(b, 4, 6, [17], [3], { pads: [2, 2], dilations: [2] }) },
  { name: 'Conv1d asymmetric pad (0, 3), k4, 7 -> 12', kernel: 'harc_s8_mat2', build: (b) => conv(b, 7, 12, [9], [4], { pads: [0, 3] }) },
  { name: 'depthwise Conv1d k5 pad 2, 6 channels', kernel: 'harc_s8_dw_pixel', build: (b) => conv(b, 6, 6, [14], [5], { pads: [2, 2] }, 6) },
  { name: 'depthwise Conv1d k3 stride 2 pad 1, 9 channels + Clip', kernel: 'harc_s8_dw_pixel', build: (b) => b.op('Clip', [conv(b, 9, 9, [17], [3], { pads: [1, 1], strides: [2] }, 9), b.scalar(0), b.scalar(0.6)]) },
  { name: 'depthwise Conv1d k3 no pad, 8 channels', kernel: 'harc_s8_dw_pixel', build: (b) => conv(b, 8, 8, [10], [3], {}, 8) },
  { name: 'depthwise multiplier 2 (3 -> 6, grouped path)', kernel: 'harc_s8_mat2', build: (b) => conv(b, 3, 6, [12], [3], { pads: [1, 1] }, 3) },
  { name: 'grouped Conv1d, 2 groups, 6 -> 10', kernel: 'harc_s8_mat2', build: (b) => conv(b, 6, 10, [11], [3], { pads: [1, 1] }, 2) },
  { name: 'Conv2d 3x3 stride 2 pad 1, 3 -> 5', kernel: 'harc_s8_mat2', build: (b) => conv(b, 3, 5, [7, 6], [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] }) },
  { name: 'Conv2d 1x1 stride 2, 5 -> 11', kernel: 'harc_s8_mat2', build: (b) => conv(b, 5, 11, [5, 7], [1, 1], { strides: [2, 2] }) },
  { name: 'depthwise Conv2d 3x3 pad 1, 5 channels', kernel: 'harc_s8_dw_pixel', build: (b) => conv(b, 5, 5, [6, 5], [3, 3], { pads: [1, 1, 1, 1] }, 5) },
  {
    name: 'input normalisation folded into Conv (pad_value, per-channel zero points)',
    kernel: 'harc_s8_mat2',
    build: (b) => {
      const n = b.op('Div', [b.op('Sub', [b.input([1, 12, 3]), b.const([3], 0.5, 0.8)]), b.const([3], 0.2, 0.7)]);
      return b.op('Conv', [b.op('Transpose', [n], { perm: [0, 2, 1] }), b.const([9, 3, 5]), b.const([9])], { pads: [2, 2] });
    },
  },
  {
    name: 'batch 2: Conv1d k3 pad 1, 4 -> 6, then depthwise k3',
    kernel: 'harc_s8_dw_pixel',
    build: (b) => {
      const x = b.op('Conv', [b.input([2, 4, 9]), b.const([6, 4, 3]), b.const([6])], { pads: [1, 1] });
      return b.op('Conv', [x, b.const([6, 1, 3], 2), b.const([6])], { pads: [1, 1], group: 6 });
    },
  },
  { name: 'Gemm transB=1, K 13, N 7', kernel: 'harc_s8_mat1', build: (b) => b.op('Gemm', [b.input([1, 13]), b.const([7, 13]), b.const([7])], { transB: 1 }) },
  { name: 'Gemm transB=0, K 10, N 9', kernel: 'harc_s8_mat1', build: (b) => b.op('Gemm', [b.input([1, 10]), b.const([10, 9]), b.const([9])]) },
  { name: 'MatMul 3 rows, K 33, N 17', kernel: 'harc_s8_mat2', build: (b) => b.op('MatMul', [b.input([1, 3, 33]), b.const([33, 17])]) },
  // matrix-vector (harc_s8_mat1): one row / pixel, channel counts covering every block (4 + 2 + 1 on
  // the DSP path, 8 + 4 + 1 on the unrolled path), K not a multiple of 4
  { name: 'Gemm one row, K 37, N 23 (mat-vec)', kernel: 'harc_s8_mat1', build: (b) => b.op('Gemm', [b.input([1, 37]), b.const([23, 37]), b.const([23])], { transB: 1 }) },
  { name: 'Gemm one row, K 8, N 6 (mat-vec)', kernel: 'harc_s8_mat1', build: (b) => b.op('Gemm', [b.input([1, 8]), b.const([8, 6]), b.const([6])]) },
  {
    name: 'single-pixel 1x1 Conv after GlobalAveragePool, 11 -> 5 (SE squeeze)',
    kernel: 'harc_s8_mat1',
    build: (b) => conv1x1(b, b.op('GlobalAveragePool', [b.input([1, 11, 9])]), 11, 5),
  },
  {
    name: 'single-pixel 1x1 Conv chain 6 -> 3 -> 13',
    kernel: 'harc_s8_mat1',
    build: (b) => conv1x1(b, b.op('Relu', [conv1x1(b, b.op('GlobalAveragePool', [b.input([1, 6, 4])]), 6, 3)]), 3, 13),
  },
  { name: 'Conv1d k3 on 3 pixels, 7 -> 9 (pair + odd last pixel)', kernel: 'harc_s8_mat1', build: (b) => conv(b, 7, 9, [5], [3]) },
];

// Random accumulators (full range, small, edge values and exact rounding ties) against harc_mbqm.
const REQUANT_CHECK = String.raw`#include <stdio.h>
#include "harc_int8_kernels.h"
static uint32_t s = 12345u;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s; }
int main(void)
{
    long checked = 0, bad = 0, i;
    static const int32_t edge[] = { HARC_INT32_MIN, HARC_INT32_MIN + 1, -65536, -2, -1, 0, 1, 2, 65535, HARC_INT32_MAX - 1, HARC_INT32_MAX };
    for (i = 0; i < 3000000; ++i) {
        const uint32_t kind = rnd() % 4;
        int32_t x = (int32_t)rnd();
        int32_t m = (int32_t)(rnd() & 0x7fffffffu);
        int32_t sh = (int32_t)(rnd() % 62) - 31; /* [-31, 30] */
        int32_t shf = -2 - (int32_t)(rnd() % 30); /* [-31, -2] */
        int32_t mf = (int32_t)(0x40000001u + rnd() % 0x3fffffffu); /* (2^30, 2^31) */
        if (kind == 1) x = (int32_t)(rnd() % 200001) - 100000;
        if (kind == 2) x = edge[rnd() % (sizeof edge / sizeof edge[0])];
        if (kind == 3) { /* accumulators whose product lands on a rounding tie */
            const int e = (int)-shf;
            x = (int32_t)(((int64_t)((int32_t)(rnd() % 4001) - 2000) << (e > 12 ? 12 : e)) + (int32_t)(rnd() % 3) - 1);
            mf = 0x40000000 + (int32_t)(1u << (rnd() % 30));
        }
        if (sh > 0 && kind != 1) x = (int32_t)(rnd() % 2001) - 1000; /* valid left shifts do not wrap */
        if (harc_s8_requant(x, m, sh) != harc_mbqm(x, m, sh)) ++bad;
        if (harc_s8_requant_fast(x, mf, shf) != harc_mbqm(x, mf, shf)) ++bad;
        checked += 2;
    }
    printf("%ld checked, %ld mismatches\n", checked, bad);
    return 0;
}
`;

async function runBuild(q: Graph, m: EmittedModel, xq: Int8Array, target: TargetName, defines?: Record<string, boolean>): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'harc-int8-fast-'));
  try {
    await writeModelDir(m, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    const run = await runFirmware({ target, elf, input: new Uint8Array(xq.buffer, xq.byteOffset, xq.byteLength), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
    void q;
    return Array.from(new Int8Array(run.output.buffer.slice(run.output.byteOffset, run.output.byteOffset + run.output.length)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('optimized int8 kernels == TS reference on host (reference and -DHARC_INT8_OPT), cortex-m4, riscv', () => {
  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const b = new G(100 + i);
      const g = b.graph(c.build(b));
      const { quant } = quantizeForTest(g, randomInputs(g, 16, 200 + i));
      const xq = quantizeInput(quant, randomInputs(g, 3, 300 + i, -3, 3));
      const ref = Array.from(referenceBytes(quant, xq));
      const m = emitModel(quant, { prefix: 'fk' });
      expect(m.files['model.c']).toContain(c.kernel);
      const runs = await Promise.all([
        runBuild(quant, m, xq, 'host'),
        runBuild(quant, m, xq, 'host', { HARC_INT8_OPT: true }),
        runBuild(quant, m, xq, 'cortex-m4'),
        runBuild(quant, m, xq, 'riscv'),
        runBuild(quant, m, xq, 'cortex-m4', { HARC_INT8_REFERENCE: true }),
      ]);
      const names = ['host', 'host -DHARC_INT8_OPT', 'cortex-m4', 'riscv', 'cortex-m4 -DHARC_INT8_REFERENCE'];
      runs.forEach((got, k) => expect(got, `${names[k]} bytes`).toEqual(ref));
    }, 120_000);
  }

  it('harc_s8_requant and harc_s8_requant_fast equal harc_mbqm (TFLite MultiplyByQuantizedMultiplier)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harc-int8-rq-'));
    try {
      writeFileSync(join(dir, 'rq.c'), REQUANT_CHECK);
      execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', '-DHARC_INT8_OPT', `-I${join('templates', 'runtime')}`, join(dir, 'rq.c'), '-o', join(dir, 'rq')], { stdio: 'pipe' });
      const out = execFileSync(join(dir, 'rq')).toString().trim();
      expect(out).toBe('6000000 checked, 0 mismatches');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('packs weights for both paths as harc_s8_mat2 reads them', () => {
    const w = (oc: number, k: number): number => oc * 100 + k;
    // DSP: channel pairs, 4 k of a then 4 k of b, K padded to a multiple of 4 with zeros, odd last channel as a row
    expect(packS8Weights(w, 3, 5, 'dsp')).toEqual([0, 1, 2, 3, 100, 101, 102, 103, 4, 0, 0, 0, 104, 0, 0, 0, 200, 201, 202, 203, 204, 0, 0, 0]);
    // OPT: octets / a quad of channels interleaved per k, then rows
    const opt = packS8Weights(w, 13, 2, 'opt');
    expect(opt.slice(0, 16)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 1, 101, 201, 301, 401, 501, 601, 701]);
    expect(opt.slice(16, 24)).toEqual([800, 900, 1000, 1100, 801, 901, 1001, 1101]);
    expect(opt.slice(24)).toEqual([1200, 1201]);
  });
});
