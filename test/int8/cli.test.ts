// @module-tag c
// The int8 CLI surface: --precision / --calib on compile, run, inspect; harc eval; the float
// convenience API of the generated C; clear errors.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph, writeModelDir } from '../../src/backends/compile.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { encodeNpy, readNpy } from '../../src/ir/npy.ts';
import { dequantize } from '../../src/ir/quant/index.ts';
import { numel } from '../../src/ir/shape.ts';
import { fixture, harc, repo, tmp } from '../helpers.ts';
import { quantizeInput, referenceBytes } from './helpers.ts';

const HAR = 'zoo/models/har-cnn.onnx';
const CALIB = 'zoo/data/calib_X.npy';

describe('int8 CLI', () => {
  const dir = tmp('harc-int8-cli-');
  const x = readNpy(join(repo, 'zoo/data/test_X.npy'));
  const y = readNpy(join(repo, 'zoo/data/test_y.npy'));
  const per = 128 * 9;
  const x3 = join(dir, 'x3.npy');
  writeFileSync(x3, encodeNpy({ shape: [3, 128, 9], dtype: 'float32', data: (x.data as Float32Array).slice(0, 3 * per) }));

  it('--precision int8 without --calib is a clear usage error', async () => {
    const r = await harc(['compile', HAR, '--precision', 'int8', '-o', join(dir, 'nocalib')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^harc: error: --precision int8 needs calibration data: give --calib/);
    expect(existsSync(join(dir, 'nocalib'))).toBe(false);
  });

  it('recurrent models quantize too (integer LSTM, test/int8-recurrent)', async () => {
    const r = await harc(['inspect', fixture('lstm_small'), '--precision', 'int8', '--calib', writeLstmCalib(dir)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('LSTM');
  });

  it('compile writes int8 C with harc_fixedpoint.h, scale macros and _run_float', async () => {
    const out = join(dir, 'c');
    const r = await harc(['compile', HAR, '--precision', 'int8', '--calib', CALIB, '--calib-samples', '32', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const h = readFileSync(join(out, 'model.h'), 'utf8');
    expect(h).toContain('int har_cnn_run(const int8_t *in0_input, int8_t *out0_logits);');
    expect(h).toContain('int har_cnn_run_float(const float *in0_input, float *out0_logits);');
    // the raw sensor input is quantized per channel (9 scales folded into the first Conv)
    expect(h).toMatch(/#define HAR_CNN_INPUT0_SCALES \{ ([0-9.e-]+f, ){8}[0-9.e-]+f \}/);
    expect(h).toMatch(/#define HAR_CNN_INPUT0_ZERO_POINTS \{ (-?\d+, ){8}-?\d+ \}/);
    expect(h).toContain('#define HAR_CNN_INPUT0_QUANT_AXIS 2');
    expect(h).toMatch(/#define HAR_CNN_OUTPUT0_SCALE [0-9.e-]+f/);
    expect(h).toMatch(/#define HAR_CNN_OUTPUT0_ZERO_POINT -?\d+/);
    expect(existsSync(join(out, 'harc_fixedpoint.h'))).toBe(true);
    expect(readFileSync(join(out, 'model.c'), 'utf8')).toContain('#include "harc_fixedpoint.h"');
  });

  it('_run_float quantizes, runs and dequantizes exactly like the TypeScript reference', async () => {
    const g = loadForCli(join(repo, HAR));
    const model = compileGraph(g, { prefix: 'hq', precision: { precision: 'int8', calib: x, calibSamples: 16 } });
    const src = join(dir, 'api');
    await writeModelDir(model, src);
    const xs = (x.data as Float32Array).slice(0, per);
    writeFileSync(
      join(src, 'main.c'),
      `#include <stdio.h>\n#include "model.h"\nstatic const float input[${per}] = {${Array.from(xs, (v) => `${v.toPrecision(9)}f`).join(',')}};\n` +
        `int main(void) { float out[HQ_OUTPUT0_SIZE]; int i; hq_run_float(input, out); for (i = 0; i < HQ_OUTPUT0_SIZE; ++i) printf("%.9g\\n", out[i]); return 0; }\n`,
    );
    const exe = join(src, 'a.out');
    await execa('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', join(src, 'main.c'), join(src, 'model.c'), join(src, 'weights.c'), '-lm', '-o', exe]);
    const got = (await execa(exe)).stdout.trim().split('\n').map((v) => Math.fround(Number(v)));
    const q = model.graph;
    const ref = referenceBytes(q, quantizeInput(q, { shape: [1, 128, 9], dtype: 'float32', data: xs }));
    const oq = q.tensors[q.outputs[0]!]!.quant!;
    expect(got).toEqual(Array.from(ref, (v) => dequantize(v, oq.scale[0]!, oq.zeroPoint[0]!)));
  });

  it('run --precision int8: float or int8 .npy input, int8 .npy output, dequantized print', async () => {
    const common = [HAR, '--precision', 'int8', '--calib', CALIB, '--calib-samples', '32'];
    const yf = join(dir, 'yf.npy');
    const r1 = await harc(['run', ...common, '-i', x3, '-o', yf]);
    expect(r1.code, r1.stderr).toBe(0);
    const out1 = readNpy(yf);
    expect(out1.dtype).toBe('int8');
    expect(out1.shape).toEqual([3, 6]);
    // the same windows given as int8, quantized with the input parameters from model.h
    const h = readFileSync(join(dir, 'c', 'model.h'), 'utf8');
    const scales = /HAR_CNN_INPUT0_SCALES \{ ([^}]*) \}/.exec(h)![1]!.split(', ').map((v) => Number(v.replace(/f$/, '')));
    const zps = /HAR_CNN_INPUT0_ZERO_POINTS \{ ([^}]*) \}/.exec(h)![1]!.split(', ').map(Number);
    const xi = join(dir, 'xi.npy');
    const { quantize } = await import('../../src/ir/quant/index.ts');
    const xq = Int8Array.from((x.data as Float32Array).slice(0, 3 * per), (v, i) => quantize(v, scales[i % 9]!, zps[i % 9]!, 8));
    writeFileSync(xi, encodeNpy({ shape: [3, 128, 9], dtype: 'int8', data: xq }));
    const yi = join(dir, 'yi.npy');
    const r2 = await harc(['run', ...common, '-i', xi, '-o', yi]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(Array.from(readNpy(yi).data as Int8Array)).toEqual(Array.from(out1.data as Int8Array));
    const r3 = await harc(['run', ...common, '-i', x3]);
    expect(r3.stdout).toContain('logits [3, 6] (int8, dequantized):');
  });

  it('inspect --precision int8 shows integer layers and I/O parameters', async () => {
    const r = await harc(['inspect', HAR, '--precision', 'int8', '--calib', CALIB, '--calib-samples', '16', '--calib-method', 'percentile', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inputs[0].dtype).toBe('int8');
    expect(j.inputs[0].scales).toHaveLength(9); // raw sensor channels, quantized per channel
    expect(typeof j.outputs[0].scale).toBe('number');
    expect(j.layers.every((l: { op: string }) => l.op.endsWith('int8'))).toBe(true);
  });

  it('eval --json: float and int8 accuracy, macro-F1 and confusion on labelled windows', async () => {
    const n = 48;
    const xe = join(dir, 'xe.npy');
    const ye = join(dir, 'ye.npy');
    writeFileSync(xe, encodeNpy({ shape: [n, 128, 9], dtype: 'float32', data: (x.data as Float32Array).slice(0, n * per) }));
    writeFileSync(ye, encodeNpy({ shape: [n], dtype: 'int64', data: Float64Array.from((y.data as Uint8Array).slice(0, n)) }));
    const r = await harc(['eval', HAR, '--data', xe, '--labels', ye, '--calib', CALIB, '--calib-samples', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('int8: running 48 inferences on host');
    const j = JSON.parse(r.stdout);
    for (const k of ['float', 'int8']) {
      expect(j[k].accuracy).toBeGreaterThan(0.8);
      expect(j[k].accuracy).toBeLessThanOrEqual(1);
      expect(j[k].macroF1).toBeGreaterThan(0.7);
      expect(j[k].confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(n);
    }
    const t = await harc(['eval', HAR, '--data', xe, '--labels', ye, '--calib', CALIB, '--calib-samples', '32']);
    expect(t.stdout).toMatch(/accuracy\s+\d+\.\d\d%\s+\d+\.\d\d%/);
    expect(t.stdout).toContain('confusion matrices');
  });
});

function writeLstmCalib(dir: string): string {
  const p = join(dir, 'lstm_calib.npy');
  const n = 4 * numel([1, 16, 9]);
  writeFileSync(p, encodeNpy({ shape: [4, 1, 16, 9], dtype: 'float32', data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.1)) }));
  return p;
}
