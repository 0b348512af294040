// @module-tag c
// The scratch harc plans for each CMSIS-NN call (src/backends/c/kernels/cmsis-nn-scratch.ts) equals
// what the library's own *_get_buffer_size functions return: their `_dsp` variants (the Cortex-M4
// path) and the plain build (the host / RISC-V path), compiled on the host from
// ../shared/third_party/CMSIS-NN and called with the same dimensions.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { cmsisNnScratchBytes, isDepthwise } from '../../src/backends/c/kernels/cmsis-nn-scratch.ts';
import { runsInCmsisNn } from '../../src/backends/c/kernels/cmsis-nn.ts';
import { prepareConvQ, preparePoolQ } from '../../src/ir/int8/prepare.ts';
import type { Graph } from '../../src/ir/types.ts';
import { G, quantizeForTest, randomInputs } from './helpers.ts';

const repo = join(import.meta.dirname, '..', '..');
const CMSIS_NN = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')].find(
  (d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')),
);

const conv = (b: G, cin: number, cout: number, w: number[], k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [b.input([1, cin, ...w]), b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

const CASES: ((b: G) => string)[] = [
  (b) => conv(b, 5, 7, [13], [5], { pads: [2, 2] }),
  (b) => conv(b, 9, 5, [6], [1], { strides: [2] }),
  (b) => conv(b, 8, 5, [6], [1]),
  (b) => conv(b, 4, 6, [17], [3], { pads: [2, 2], dilations: [2] }),
  (b) => conv(b, 3, 5, [7, 6], [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] }),
  (b) => conv(b, 6, 6, [14], [5], { pads: [2, 2] }, 6),
  (b) => conv(b, 3, 6, [12], [3], { pads: [1, 1] }, 3),
  (b) => conv(b, 5, 5, [6, 5], [3, 3], { pads: [1, 1, 1, 1] }, 5),
  (b) => conv(b, 7, 7, [6, 5], [3, 3], { pads: [2, 2, 2, 2] }, 7),
  (b) => b.op('AveragePool', [b.input([1, 7, 15])], { kernel_shape: [2], strides: [2] }),
];

/** The prepared (NHWC) graph of one case, and its nodes that run in CMSIS-NN. */
function prepared(build: (b: G) => string): Graph {
  const b = new G();
  const g = b.graph(build(b));
  const { quant } = quantizeForTest(g, randomInputs(g, 8, 3));
  return emitModel(quant, { prefix: 's', memory: { kernels: 'cmsis-nn', target: 'cortex-m4', alignment: 4 } }).graph;
}

describe.skipIf(!CMSIS_NN)('CMSIS-NN scratch sizes (needs ../shared/third_party/CMSIS-NN)', () => {
  it("equal the library's *_get_buffer_size on the DSP and the plain C paths", () => {
    const calls: string[] = [];
    const expected: number[] = [];
    for (const build of CASES) {
      const g = prepared(build);
      for (const n of g.nodes.filter((n) => runsInCmsisNn(g, n) && (n.op === 'Conv' || n.op === 'AveragePool'))) {
        if (n.op === 'AveragePool') {
          const p = preparePoolQ(g, n);
          calls.push(`arm_avgpool_s8_get_buffer_size_dsp(${p.outW}, ${p.channels})`, `arm_avgpool_s8_get_buffer_size(${p.outW}, ${p.channels})`);
        } else {
          const p = prepareConvQ(g, n);
          const dims = `cmsis_nn_dims i = { ${p.batch}, ${p.inH}, ${p.inW}, ${p.channels} }, o = { ${p.batch}, ${p.outH}, ${p.outW}, ${p.cout} }`;
          const tiles = `{ ${p.strideW}, ${p.strideH} }, { ${p.padLeft}, ${p.padTop} }, { ${p.dilW}, ${p.dilH} }, { -128, 127 }`;
          const call = isDepthwise(p)
            ? `({ ${dims}, f = { 1, ${p.kH}, ${p.kW}, ${p.cout} }; cmsis_nn_dw_conv_params c = { 0, 0, ${p.cout / p.channels}, ${tiles} }; FN(arm_depthwise_conv_wrapper_s8_get_buffer_size)(&c, &i, &f, &o); })`
            : `({ ${dims}, f = { ${p.cout}, ${p.kH}, ${p.kW}, ${p.channels} }; cmsis_nn_conv_params c = { 0, 0, ${tiles} }; FN(arm_convolve_wrapper_s8_get_buffer_size)(&c, &i, &f, &o); })`;
          calls.push(call.replace(/FN\((\w+)\)/, '$1_dsp'), call.replace(/FN\((\w+)\)/, '$1'));
        }
        expected.push(cmsisNnScratchBytes('cortex-m4', g, n), cmsisNnScratchBytes('host', g, n));
      }
    }
    expect(expected.length).toBeGreaterThanOrEqual(2 * CASES.length);
    const dir = mkdtempSync(join(tmpdir(), 'harc-cmsis-scratch-'));
    try {
      const src = ['#include <stdio.h>', '#include "arm_nnfunctions.h"', 'int main(void) {', ...calls.map((c) => `  printf("%d\\n", (int)${c});`), '  return 0;', '}'].join('\n');
      writeFileSync(join(dir, 'main.c'), src);
      const sources = ['ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c', 'ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c', 'PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c'].map((s) => join(CMSIS_NN!, 'Source', s));
      execFileSync('gcc', ['-std=gnu99', '-O1', `-I${join(CMSIS_NN!, 'Include')}`, join(dir, 'main.c'), ...sources, '-o', join(dir, 'sizes')]);
      const got = execFileSync(join(dir, 'sizes'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(expected).toEqual(got);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
