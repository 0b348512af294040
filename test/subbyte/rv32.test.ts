// @module-tag qemu
// int4 and int2 weights on the RISC-V register-blocked path (issue 12): harc_s{4,2}_mat{1,2} under
// HARC_INT8_OPT (two channels per 32-bit multiply, templates/runtime/harc_int8_kernels.h) in the
// `harc` set on odd shapes (odd K, K past one run of 31 / 126, channels not a multiple of 8, odd
// rows, stride 2, padding, groups; depthwise declines to the reference), bytes equal to the
// TypeScript reference on QEMU RISC-V (`harc` and `portable`) and on the host with -DHARC_INT8_OPT; the run bounds at
// their extremes (every product at its largest magnitude) against a plain C sum; har-cnn at 4 bits.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { packS2OptWeights, packS4OptWeights } from '../../src/backends/c/lower/subbyte-opt.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { applyPrecision } from '../../src/backends/precision.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph } from '../../src/ir/types.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import { firstRows, G, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from '../int8/helpers.ts';

const conv = (b: G, x: string, cin: number, cout: number, k: number[], attrs: Record<string, number[] | number> = {}, group = 1): string =>
  b.op('Conv', [x, b.const([cout, cin / group, ...k]), b.const([cout])], { ...attrs, ...(group > 1 ? { group } : {}) });

const CASES: [string, (b: G) => string][] = [
  [
    '1-D: k5 pad 2 (5 -> 9, K 25), depthwise k3 stride 2, 3 groups k3 stride 2 (9 -> 9), k7 pad 3 (9 -> 20, K 63: runs of 31), pointwise 20 -> 11, Gemm transB 1 (odd N)',
    (b) => {
      let x = b.op('Relu', [conv(b, b.input([1, 5, 13]), 5, 9, [5], { pads: [2, 2] })]);
      x = conv(b, x, 9, 9, [3], { pads: [1, 1], strides: [2] }, 9);
      x = conv(b, x, 9, 9, [3], { pads: [0, 1], strides: [2] }, 3);
      x = b.op('Relu', [conv(b, x, 9, 20, [7], { pads: [3, 3] })]);
      x = conv(b, x, 20, 11, [1]);
      return b.op('Gemm', [b.op('Flatten', [x]), b.const([7, 33]), b.const([7])], { transB: 1 });
    },
  ],
  ['2-D: 3x3 stride 2 pad 1 (3 -> 5, K 27), 1x1 stride 2 (5 -> 13)', (b) => conv(b, b.op('Relu', [conv(b, b.input([1, 3, 7, 6]), 3, 5, [3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] })]), 5, 13, [1, 1], { strides: [2, 2] })],
  ['Gemm transB 0 on 3 rows (K 131: runs of 31 and 126, N 17), then MatMul (K 17, N 5)', (b) => b.op('MatMul', [b.op('Relu', [b.op('Gemm', [b.input([3, 131]), b.const([131, 17]), b.const([17])])]), b.const([17, 5])])],
];

function quantizeBits(graph: Graph, seed: number, bits: 4 | 2): Graph {
  const float = optimize(graph);
  const table = calibrate(float, splitRows(randomInputs(float, 16, seed), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
  return quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: bits }) });
}

async function run(m: EmittedModel, xq: Int8Array, target: TargetName, defines?: Record<string, boolean>): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'harc-sb-rv32-'));
  try {
    await writeModelDir(m, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    const r = await runFirmware({ target, elf, input: new Uint8Array(xq.buffer, xq.byteOffset, xq.byteLength), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
    return Array.from(new Int8Array(r.output.buffer.slice(r.output.byteOffset, r.output.byteOffset + r.output.length)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('RISC-V sub-byte packing', () => {
  it('int4: one word per channel octet and k, nibble j = channel j + 8; zero channels past cout', () => {
    const w = (oc: number, k: number): number => ((oc * 3 + k * 5) % 15) - 7;
    const words = packS4OptWeights(w, 11, 3);
    expect(words.length).toBe(2 * 3);
    for (let o = 0; o < 2; o++)
      for (let k = 0; k < 3; k++)
        for (let j = 0; j < 8; j++) {
          const oc = 8 * o + j;
          expect((words[o * 3 + k]! >>> (4 * j)) & 15, `oc ${oc} k ${k}`).toBe((oc < 11 ? w(oc, k) : 0) + 8);
        }
  });

  it('int2: one word per octet and 2 k, crumbs (k, 0-3), (k+1, 0-3), (k, 4-7), (k+1, 4-7), offset 2; zeros past K', () => {
    const w = (oc: number, k: number): number => ((oc + 2 * k) % 3) - 1;
    const words = packS2OptWeights(w, 9, 5);
    expect(words.length).toBe(2 * 3);
    for (let o = 0; o < 2; o++)
      for (let k = 0; k < 6; k++)
        for (let j = 0; j < 8; j++) {
          const oc = 8 * o + j;
          const crumb = (j < 4 ? j : 4 + j) + 4 * (k % 2);
          expect((words[o * 3 + (k >> 1)]! >>> (2 * crumb)) & 3, `oc ${oc} k ${k}`).toBe((oc < 9 && k < 5 ? w(oc, k) : 0) + 2);
        }
  });
});

/** A host program: harc_s{4,2}_mat{1,2} (HARC_INT8_OPT) against a plain C sum through the same
 * output stage, on weights and patches at the extremes of the run bounds and at random. */
function extremesProgram(): string {
  const cases: string[] = [];
  const decls: string[] = [];
  const shapes: [number, number][] = [[9, 300], [16, 31], [8, 127], [3, 1], [17, 62]];
  let n = 0;
  for (const bits of [4, 2] as const)
    for (const [cout, K] of shapes)
      for (const fill of ['min', 'alt', 'rand'] as const) {
        const qmax = bits === 4 ? 7 : 1;
        const qmin = bits === 4 ? -8 : -2;
        let seed = 7 + n;
        const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8);
        const W = Array.from({ length: cout * K }, (_, i) => (fill === 'min' ? qmin : fill === 'alt' ? (Math.floor(i / K) % 2 ? qmin : qmax) : qmin + (rnd() % (qmax - qmin + 1))));
        const X = Array.from({ length: 2 * K }, (_, i) => (fill === 'rand' ? (rnd() % 256) - 128 : fill === 'alt' && i % 3 === 0 ? 127 : -128));
        const packed = (bits === 4 ? packS4OptWeights : packS2OptWeights)((oc, k) => W[oc * K + k]!, cout, K);
        decls.push(`static const int32_t w${n}[] = { ${packed.join(', ')} };`, `static const int8_t wr${n}[] = { ${W.join(', ')} };`, `static const int8_t x${n}[] = { ${X.join(', ')} };`);
        cases.push(`  bad += check(${bits}, w${n}, wr${n}, x${n}, ${cout}, ${K});`);
        n++;
      }
  return `#include <stdio.h>
#include "harc_int8_kernels.h"
${decls.join('\n')}
static const int32_t bias[17] = { 3, -5, 7, 0, 11, -13, 2, 1, -1, 4, 9, -9, 6, 5, -2, 8, 10 };
static int32_t mult[17], shift[17];
static int check(int bits, const int32_t *w, const int8_t *wr, const int8_t *x, int32_t cout, int32_t K)
{
    int8_t y0[17], y1[17], z0[17], e0[17], e1[17];
    int32_t oc, k, bad = 0;
    for (oc = 0; oc < cout; ++oc) {
        int32_t a0 = bias[oc], a1 = bias[oc];
        for (k = 0; k < K; ++k) {
            a0 += x[k] * wr[oc * K + k];
            a1 += x[K + k] * wr[oc * K + k];
        }
        e0[oc] = harc_s8_out(a0, mult[oc], shift[oc], 3, -128, 127, 0);
        e1[oc] = harc_s8_out(a1, mult[oc], shift[oc], 3, -128, 127, 0);
    }
    if (bits == 4) {
        harc_s4_mat2(w, bias, mult, shift, cout, K, x, x + K, y0, y1, 3, -128, 127, 0, 0);
        harc_s4_mat1(w, bias, mult, shift, cout, K, x, z0, 3, -128, 127, 0, 0);
    } else {
        harc_s2_mat2(w, bias, mult, shift, cout, K, x, x + K, y0, y1, 3, -128, 127, 0, 0);
        harc_s2_mat1(w, bias, mult, shift, cout, K, x, z0, 3, -128, 127, 0, 0);
    }
    for (oc = 0; oc < cout; ++oc) bad += (y0[oc] != e0[oc]) + (y1[oc] != e1[oc]) + (z0[oc] != e0[oc]);
    return (int)bad;
}
int main(void)
{
    int bad = 0, i;
    /* one output step per 2^13 of the accumulator: a split off by 2^16 shows */
    for (i = 0; i < 17; ++i) {
        mult[i] = 0x40000000 + i * 1000;
        shift[i] = -12;
    }
${cases.join('\n')}
    printf("%d cases, %d mismatches\\n", ${n}, bad);
    return 0;
}
`;
}

describe('int4 / int2 weights on the RISC-V path: TS reference == riscv (harc) == host -DHARC_INT8_OPT', () => {
  it('run bounds: every product at its largest magnitude, and random, equal a plain C sum', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harc-sb-runs-'));
    try {
      writeFileSync(join(dir, 't.c'), extremesProgram());
      execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', '-DHARC_INT8_OPT', `-I${join('templates', 'runtime')}`, join(dir, 't.c'), '-o', join(dir, 't')], { stdio: 'pipe' });
      expect(execFileSync(join(dir, 't')).toString().trim()).toBe('30 cases, 0 mismatches');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [i, [name, build]] of CASES.entries())
    for (const bits of [4, 2] as const) {
      it(`int${bits}: ${name}`, async () => {
        const b = new G(700 + i);
        const g = b.graph(build(b));
        const quant = quantizeBits(g, 710 + i, bits);
        const xq = quantizeInput(quant, randomInputs(g, 3, 720 + i, -3, 3));
        const ref = referenceBytes(quant, xq);
        const m = emitModel(quant, { prefix: 'rs', memory: { kernels: 'harc', target: 'riscv' } });
        expect(m.files['model.c']).toMatch(new RegExp(`harc_s${bits}_mat[12]\\(`));
        expect(m.files['weights.c'] ?? m.files['model.c']).toContain(`w${bits}opt`);
        // portable: the same kernels under #if on RISC-V, with both packings in weights.c
        const portable = emitModel(quant, { prefix: 'rs' });
        expect(portable.files['weights.c'] ?? portable.files['model.c']).toContain(`w${bits}opt`);
        const [rv, host, rvp] = await Promise.all([run(m, xq, 'riscv'), run(m, xq, 'host', { HARC_INT8_OPT: true }), run(portable, xq, 'riscv')]);
        expect(rv, 'riscv').toEqual(Array.from(ref));
        expect(rvp, 'riscv portable').toEqual(Array.from(ref));
        expect(host, 'host -DHARC_INT8_OPT').toEqual(Array.from(ref));
      }, 180_000);
    }

  it.runIf(existsSync('zoo/models/har-cnn.onnx'))('har-cnn, every layer at 4 bits, then at 2, --kernels harc on riscv', async () => {
    const float = optimize(loadForCli('zoo/models/har-cnn.onnx'));
    const per = numel(float.tensors[float.inputs[0]!]!.shape);
    for (const bits of [4, 2] as const) {
      const quant = applyPrecision(float, { precision: 'int8', calib: firstRows(readNpy('zoo/data/calib_X.npy'), 32, per), weightBits: { default: bits } }).graph;
      const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 2, per));
      const m = emitModel(quant, { prefix: 'hc', memory: { kernels: 'harc', target: 'riscv' } });
      expect(m.files['model.c']).toMatch(new RegExp(`harc_s${bits}_mat[12]\\(`));
      expect(Array.from(await runC(quant, xq, 'riscv', m)), `int${bits} riscv bytes`).toEqual(Array.from(referenceBytes(quant, xq)));
    }
  }, 300_000);
});
