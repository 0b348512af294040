// @module-tag qemu
// --kernels cmsis-nn with int4 weights (issue 12): Conv, depthwise and per-tensor fully connected
// layers go to CMSIS-NN's s4 functions (arm_convolve_wrapper_s4, arm_depthwise_conv_wrapper_s4,
// arm_fully_connected_s4 of ../shared/third_party/CMSIS-NN, built from source), their weights packed
// two per byte low nibble first; what CMSIS-NN lacks (int2, per-channel int4 fully connected) runs
// harc's packed kernels. Odd shapes; bytes equal to the TypeScript reference (harc's reference
// kernels') on the host (CMSIS-NN's plain C) and QEMU Cortex-M4 (its DSP path), and to harc's set.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { cmsisNnScratchBytes, isDepthwise } from '../../src/backends/c/kernels/cmsis-nn-scratch.ts';
import { runsInCmsisNn } from '../../src/backends/c/kernels/cmsis-nn.ts';
import { prepareConvQ } from '../../src/ir/int8/prepare.ts';
import type { Graph } from '../../src/ir/types.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { G, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from '../int8/helpers.ts';

const repo = join(import.meta.dirname, '..', '..');
const CMSIS_NN = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')]
  .find((d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')));
if (CMSIS_NN) process.env['CMSIS_NN_PATH'] = CMSIS_NN;

const conv = (b: G, x: string, cin: number, cout: number, k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [x, b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

/** A [rows, cols] weight whose rows are rotations of one vector: one scale for every output channel,
 * so the layer's requantization is per-tensor (what arm_fully_connected_s4 takes). */
function rotatedRows(b: G, rows: number, cols: number): string {
  const name = b.const([rows, cols]);
  const base = Array.from(b.tensors[name]!.data as Float32Array).slice(0, cols);
  b.tensors[name]!.data = Float32Array.from({ length: rows * cols }, (_, i) => base[(i + Math.floor(i / cols)) % cols]!);
  return name;
}

interface Case {
  name: string;
  build: (b: G) => string;
  /** CMSIS-NN s4 calls model.c must make, and calls it must not */
  calls: string[];
  not?: string[];
  bits?: 4 | 2;
  /** how many layers call CMSIS-NN, when not all the weighted ones */
  count?: number;
}

const CASES: Case[] = [
  {
    name: 'Conv1d k5 pad 2 (5 -> 7, K 25), k3 stride 2 pad 1 (7 -> 10), k3 dilation 2 pad 2 (10 -> 6)',
    build: (b) => conv(b, b.op('Relu', [conv(b, b.op('Relu', [conv(b, b.input([1, 5, 13]), 5, 7, [5], { pads: [2, 2] })]), 7, 10, [3], { pads: [1, 1], strides: [2] })]), 10, 6, [3], { pads: [2, 2], dilations: [2] }),
    calls: ['arm_convolve_wrapper_s4'],
  },
  {
    name: 'pointwise 9 -> 7 (1x1 fast), 1x1 stride 2 (7 -> 5), 2-D 3x3 stride 2 pad 1 (5 -> 3)',
    build: (b) => {
      const x = conv(b, conv(b, b.input([1, 9, 6, 7]), 9, 7, [1, 1]), 7, 5, [1, 1], { strides: [2, 2] });
      return conv(b, x, 5, 3, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] });
    },
    calls: ['arm_convolve_wrapper_s4'],
  },
  {
    name: 'depthwise k5 pad 2 (7 channels: _opt), multiplier 2 (7 -> 14: odd input channels, harc), k3 dilation 2 (14)',
    build: (b) => {
      const x = conv(b, conv(b, b.input([1, 7, 14]), 7, 7, [5], { pads: [2, 2] }, 7), 7, 14, [3], { pads: [1, 1] }, 7);
      return conv(b, b.op('Relu', [x]), 14, 14, [3], { pads: [2, 2], dilations: [2] }, 14);
    },
    calls: ['arm_depthwise_conv_wrapper_s4'],
    count: 2,
  },
  {
    name: 'depthwise multiplier 3 (4 -> 12) pad 1 stride 2, multiplier 2 (12 -> 24) k5 pad 2',
    build: (b) => conv(b, conv(b, b.input([1, 4, 15]), 4, 12, [3], { pads: [1, 1], strides: [2] }, 4), 12, 24, [5], { pads: [2, 2] }, 12),
    calls: ['arm_depthwise_conv_wrapper_s4'],
    count: 2,
  },
  {
    name: 'depthwise 3x3 pad 1 (5 channels), 2-D',
    build: (b) => conv(b, b.input([1, 5, 6, 5]), 5, 5, [3, 3], { pads: [1, 1, 1, 1] }, 5),
    calls: ['arm_depthwise_conv_wrapper_s4'],
  },
  {
    name: 'Gemm transB 1 per-tensor (K 9: rows end mid-byte, N 5) on 3 rows, Gemm transB 0 per-tensor (K 5, N 7)',
    build: (b) => {
      const y = b.op('Relu', [b.op('Gemm', [b.input([3, 9]), rotatedRows(b, 5, 9), b.const([5])], { transB: 1 })]);
      const wt = rotatedRows(b, 7, 5); // [N, K], transposed to the [K, N] input of transB 0
      const t = b.tensors[wt]!;
      const d = t.data as Float32Array;
      b.tensors[wt] = { ...t, shape: [5, 7], data: Float32Array.from({ length: 35 }, (_, i) => d[(i % 7) * 5 + Math.floor(i / 7)]!) };
      return b.op('Gemm', [y, wt, b.const([7])]);
    },
    calls: ['arm_fully_connected_s4'],
  },
  {
    name: 'Gemm per-channel (K 11, N 6): harc kernels, not CMSIS-NN',
    build: (b) => b.op('Gemm', [b.input([1, 11]), b.const([6, 11]), b.const([6])], { transB: 1 }),
    calls: [],
    not: ['arm_fully_connected'],
  },
  {
    name: 'int2 Conv1d k3 pad 1 (5 -> 7) and depthwise: harc kernels, not CMSIS-NN',
    build: (b) => conv(b, conv(b, b.input([1, 5, 9]), 5, 7, [3], { pads: [1, 1] }), 7, 7, [3], { pads: [1, 1] }, 7),
    calls: [],
    not: ['arm_convolve', 'arm_depthwise'],
    bits: 2,
  },
];

function quantizeBits(graph: Graph, seed: number, bits: 4 | 2): Graph {
  const float = optimize(graph);
  const table = calibrate(float, splitRows(randomInputs(float, 16, seed), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
  return quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: bits }) });
}

describe.skipIf(!CMSIS_NN)('--kernels cmsis-nn, int4 weights: CMSIS-NN s4 == TS reference (needs ../shared/third_party/CMSIS-NN)', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, async () => {
      const b = new G(500 + i);
      const g = b.graph(c.build(b));
      const quant = quantizeBits(g, 510 + i, c.bits ?? 4);
      const xq = quantizeInput(quant, randomInputs(g, 2, 520 + i, -3, 3));
      const ref = Array.from(referenceBytes(quant, xq));
      const runs: Promise<Int8Array>[] = [];
      for (const target of ['host', 'cortex-m4'] as const) {
        const m = emitModel(quant, { prefix: 'c4', memory: { kernels: 'cmsis-nn', target, alignment: 4 } });
        const src = m.files['model.c']!;
        for (const call of c.calls) expect(src).toContain(`(void)${call}(`);
        for (const call of c.not ?? []) expect(src).not.toContain(call);
        if (c.count !== undefined) expect(src.match(/\(void\)arm_\w+\(/g)?.length).toBe(c.count);
        // the s4 filters are packed: no int8 copy of a 4-bit weight
        if (c.calls.length) expect(src).not.toMatch(/arm_\w*_s8\(/);
        runs.push(runC(quant, xq, target, m));
      }
      const harc = emitModel(quant, { prefix: 'c4', memory: { kernels: 'harc', target: 'cortex-m4' } });
      runs.push(runC(quant, xq, 'cortex-m4', harc));
      const [host, m4, harcM4] = (await Promise.all(runs)).map((r) => Array.from(r));
      expect(host, 'host (CMSIS-NN plain C)').toEqual(ref);
      expect(m4, 'cortex-m4 (CMSIS-NN DSP)').toEqual(ref);
      expect(harcM4, 'cortex-m4 --kernels harc').toEqual(ref);
    }, 300_000);
});

describe.skipIf(!CMSIS_NN)('CMSIS-NN s4 scratch sizes', () => {
  it("equal the library's *_s4_get_buffer_size on the DSP and the plain C paths", () => {
    const calls: string[] = [];
    const expected: number[] = [];
    for (const [i, c] of CASES.entries()) {
      if ((c.bits ?? 4) !== 4) continue;
      const b = new G(500 + i);
      const quant = quantizeBits(b.graph(c.build(b)), 510 + i, 4);
      const g = emitModel(quant, { prefix: 's', memory: { kernels: 'cmsis-nn', target: 'cortex-m4', alignment: 4 } }).graph;
      for (const n of g.nodes.filter((n) => n.op === 'Conv' && runsInCmsisNn(g, n))) {
        const p = prepareConvQ(g, n);
        const dims = `cmsis_nn_dims i = { ${p.batch}, ${p.inH}, ${p.inW}, ${p.channels} }, o = { ${p.batch}, ${p.outH}, ${p.outW}, ${p.cout} }`;
        const tiles = `{ ${p.strideW}, ${p.strideH} }, { ${p.padLeft}, ${p.padTop} }, { ${p.dilW}, ${p.dilH} }, { -128, 127 }`;
        const call = isDepthwise(p)
          ? `({ ${dims}, f = { 1, ${p.kH}, ${p.kW}, ${p.cout} }; cmsis_nn_dw_conv_params c = { 0, 0, ${p.cout / p.channels}, ${tiles} }; FN(arm_depthwise_conv_wrapper_s4_get_buffer_size)(&c, &i, &f, &o); })`
          : `({ ${dims}, f = { ${p.cout}, ${p.kH}, ${p.kW}, ${p.channels} }; cmsis_nn_conv_params c = { 0, 0, ${tiles} }; FN(arm_convolve_wrapper_s4_get_buffer_size)(&c, &i, &f, &o); })`;
        calls.push(call.replace(/FN\((\w+)\)/, '$1_dsp'), call.replace(/FN\((\w+)\)/, '$1'));
        expected.push(cmsisNnScratchBytes('cortex-m4', g, n), cmsisNnScratchBytes('host', g, n));
      }
    }
    expect(expected.length).toBeGreaterThanOrEqual(2 * 8);
    expect(expected.some((e) => e > 0)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'harc-cmsis-s4-scratch-'));
    try {
      const src = ['#include <stdio.h>', '#include "arm_nnfunctions.h"', 'int main(void) {', ...calls.map((c) => `  printf("%d\\n", (int)${c});`), '  return 0;', '}'].join('\n');
      writeFileSync(join(dir, 'main.c'), src);
      const sources = ['arm_convolve_get_buffer_sizes_s4.c', 'arm_convolve_get_buffer_sizes_s8.c', 'arm_depthwise_conv_get_buffer_sizes_s4.c', 'arm_depthwise_conv_get_buffer_sizes_s8.c'].map((f) => join(CMSIS_NN!, 'Source', 'ConvolutionFunctions', f));
      execFileSync('gcc', ['-std=gnu99', '-O1', `-I${join(CMSIS_NN!, 'Include')}`, join(dir, 'main.c'), ...sources, '-o', join(dir, 'sizes')]);
      expect(expected).toEqual(execFileSync(join(dir, 'sizes'), { encoding: 'utf8' }).trim().split('\n').map(Number));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
