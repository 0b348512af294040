// @module-tag c
// Differential test: the TypeScript model (src/ir/quant) against the C runtime header
// (templates/runtime/harc_fixedpoint.h) compiled with the host gcc, on seeded random and
// edge-case inputs. Every result must be identical.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as q from '../../src/ir/quant/index.ts';
import {
  type Driver,
  RUNTIME_DIR,
  buildDriver,
  doubleBits,
  floatBits,
  hasCompiler,
  log10Uniform,
  randInt,
  randInt32,
  rng,
} from './cdriver.ts';

const haveGcc = hasCompiler('gcc');
let driver: Driver;

beforeAll(() => {
  if (haveGcc) driver = buildDriver();
});
afterAll(() => driver?.dispose());

function compare(lines: string[], expected: string[]): void {
  const got = driver.run(lines);
  const bad: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (got[i] !== expected[i]) bad.push(`${lines[i]!.slice(0, 120)} -> C ${got[i]!.slice(0, 200)} / TS ${expected[i]!.slice(0, 200)}`);
  }
  expect(bad.slice(0, 5)).toEqual([]);
}

describe.skipIf(!haveGcc)('harc_fixedpoint.h vs TypeScript (host gcc)', () => {
  it('SRDHM, RDBPOT, SaturatingRoundingMultiplyByPOT, MBQM on 4000 inputs each', () => {
    const r = rng(1);
    const lines: string[] = [];
    const exp: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const a = randInt32(r);
      const b = randInt32(r);
      lines.push(`srdhm ${a} ${b}`);
      exp.push(String(q.saturatingRoundingDoublingHighMul(a, b)));
      const e = randInt(r, 0, 31);
      lines.push(`rdbpot ${a} ${e}`);
      exp.push(String(q.roundingDivideByPOT(a, e)));
      const e2 = randInt(r, -31, 30);
      lines.push(`srmpot ${b} ${e2}`);
      exp.push(String(q.saturatingRoundingMultiplyByPOT(b, e2)));
      // realistic requantization: multiplier from QuantizeMultiplier of a random real
      const real = log10Uniform(r, 1e-9, 4) * (r() < 0.05 ? -1 : 1);
      const m = q.quantizeMultiplier(real);
      const x = r() < 0.5 ? randInt(r, -(2 ** 24), 2 ** 24) : a;
      const xs = m.shift > 0 ? x >> m.shift : x; // keep x * 2^shift within int32 as valid params do
      lines.push(`mbqm ${xs} ${m.multiplier} ${m.shift}`);
      exp.push(String(q.multiplyByQuantizedMultiplier(xs, m.multiplier, m.shift)));
    }
    compare(lines, exp);
  });

  it('gemmlowp exp / 1/(1+x) / (1-x)/(1+x) / logistic / tanh / GetReciprocal', () => {
    const r = rng(2);
    const lines: string[] = [];
    const exp: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const ib = randInt(r, 0, 12);
      const a = -Math.abs(randInt32(r)) | 0; // <= 0 (INT32_MIN stays)
      lines.push(`exp ${a} ${ib}`);
      exp.push(String(q.expOnNegativeValues(a, ib)));
      const u = randInt(r, 0, 2147483647);
      lines.push(`oneover ${u}`);
      exp.push(String(q.oneOverOnePlusXForXIn01(u)));
      lines.push(`oneminus ${u}`);
      exp.push(String(q.oneMinusXOverOnePlusXForXIn01(u)));
      const x = randInt32(r);
      const ib2 = randInt(r, 0, 10);
      lines.push(`logistic ${x} ${ib2}`);
      exp.push(String(q.logisticFixed(x, ib2)));
      lines.push(`tanh ${x} ${ib2}`);
      exp.push(String(q.tanhFixed(x, ib2)));
      const s = randInt(r, 2 ** 19, 2147483647);
      lines.push(`recip ${s} 12`);
      const rc = q.getReciprocal(s, 12);
      exp.push(`${rc.reciprocal} ${rc.numBitsOverUnit}`);
    }
    compare(lines, exp);
  });

  it('int8 LOGISTIC / TANH for 60 random input quantizations x all 256 inputs', () => {
    const r = rng(3);
    const lines: string[] = [];
    const exp: string[] = [];
    for (let i = 0; i < 60; i++) {
      const scale = Math.fround(log10Uniform(r, 1e-4, 2));
      const zp = randInt(r, -128, 127);
      for (const kind of ['logistic', 'tanh'] as const) {
        const p = kind === 'logistic' ? q.prepareLogisticInt8(scale, zp) : q.prepareTanhInt8(scale, zp);
        lines.push(`${kind}_s8 ${p.inputZeroPoint} ${p.inputRangeRadius} ${p.inputMultiplier} ${p.inputLeftShift}`);
        const f = kind === 'logistic' ? q.logisticInt8 : q.tanhInt8;
        const ys: number[] = [];
        for (let x = -128; x < 128; x++) ys.push(f(x, p));
        exp.push(ys.join(' '));
      }
    }
    compare(lines, exp);
  });

  it('int16 LOGISTIC / TANH (LUT) for POT and non-POT scales x all 65536 inputs', () => {
    const scales = [2 ** -12, 2 ** -11, 2 ** -13, 2 ** -10, 0.0003, 1 / 3000, 0.001, 0.00012];
    const lines: string[] = [];
    const exp: string[] = [];
    for (const s of scales) {
      for (const kind of ['logistic', 'tanh'] as const) {
        const p = kind === 'logistic' ? q.prepareLogisticInt16(s) : q.prepareTanhInt16(s);
        lines.push(`${kind}_s16 ${p.inputMultiplier} ${p.inputLeftShift}`);
        const f = kind === 'logistic' ? q.logisticInt16 : q.tanhInt16;
        const ys: number[] = [];
        for (let x = -32768; x < 32768; x++) ys.push(f(x, p));
        exp.push(ys.join(' '));
      }
    }
    compare(lines, exp);
  });

  it('int8 SOFTMAX (int8 and int16 output) on 400 random rows', () => {
    const r = rng(4);
    const lines: string[] = [];
    const exp: string[] = [];
    for (let i = 0; i < 400; i++) {
      const scale = Math.fround(log10Uniform(r, 1e-3, 2));
      const beta = r() < 0.8 ? 1 : Math.fround(log10Uniform(r, 0.1, 4));
      const p = q.prepareSoftmaxInt8(scale, beta);
      const depth = randInt(r, 1, 80);
      const spread = randInt(r, 0, 255);
      const base = randInt(r, -128, 127 - Math.min(spread, 255));
      const xs: number[] = [];
      for (let c = 0; c < depth; c++) xs.push(Math.min(127, base + randInt(r, 0, spread)));
      const outBits = r() < 0.75 ? 8 : 16;
      lines.push(`softmax ${depth} ${p.inputMultiplier} ${p.inputLeftShift} ${p.diffMin} ${outBits} ${xs.join(' ')}`);
      exp.push(Array.from(q.softmaxInt8(xs, depth, p, outBits)).join(' '));
    }
    compare(lines, exp);
  });

  it('HARD_SWISH int8 for 80 random quantizations x all 256 inputs', () => {
    const r = rng(5);
    const lines: string[] = [];
    const exp: string[] = [];
    let n = 0;
    while (n < 80) {
      const sIn = Math.fround(log10Uniform(r, 1e-3, 1));
      const sOut = Math.fround(sIn * log10Uniform(r, 0.05, 4));
      let p: q.HardSwishParams;
      try {
        p = q.prepareHardSwish(sIn, randInt(r, -128, 127), sOut, randInt(r, -128, 127));
      } catch {
        continue; // output multiplier > 1: rejected by Prepare, as TFLite
      }
      n++;
      lines.push(
        `hardswish ${p.inputZeroPoint} ${p.outputZeroPoint} ${p.reluishMultiplierExponent} ${p.reluishMultiplierFixedpointInt16} ${p.outputMultiplierExponent} ${p.outputMultiplierFixedpointInt16}`,
      );
      const ys: number[] = [];
      for (let x = -128; x < 128; x++) ys.push(q.hardSwish(x, p));
      exp.push(ys.join(' '));
    }
    compare(lines, exp);
  });

  it('ADD / MUL int8 for 40 random quantizations each', () => {
    const r = rng(6);
    const lines: string[] = [];
    const exp: string[] = [];
    const acts: q.FusedActivation[] = ['none', 'relu', 'relu6', 'relu_n1_to_1'];
    const grid = (f: (x: number, y: number) => number): string => {
      const ys: number[] = [];
      for (let x = -128; x < 128; x++) {
        for (let y = -128; y < 128; y++) {
          if (((x + 128) * 256 + (y + 128)) % 7 === 0 || x === y) ys.push(f(x, y));
        }
      }
      return ys.join(' ');
    };
    for (let i = 0; i < 40; i++) {
      const t = (): q.TensorQuant => ({ scale: Math.fround(log10Uniform(r, 1e-3, 1)), zeroPoint: randInt(r, -128, 127), bits: 8 });
      const a = t();
      const b = t();
      const o = t();
      const act = acts[randInt(r, 0, 3)]!;
      const pa = q.prepareAdd(a, b, o, act);
      lines.push(
        `add ${pa.input1Offset} ${pa.input2Offset} ${pa.outputOffset} ${pa.leftShift} ${pa.input1Multiplier} ${pa.input1Shift} ${pa.input2Multiplier} ${pa.input2Shift} ${pa.outputMultiplier} ${pa.outputShift} ${pa.activationMin} ${pa.activationMax}`,
      );
      exp.push(grid((x, y) => q.addQuantized(x, y, pa)));
      const pm = q.prepareMul(a, b, o, act);
      lines.push(
        `mul ${pm.input1Offset} ${pm.input2Offset} ${pm.outputOffset} ${pm.outputMultiplier} ${pm.outputShift} ${pm.activationMin} ${pm.activationMax}`,
      );
      exp.push(grid((x, y) => q.mulQuantized(x, y, pm)));
    }
    compare(lines, exp);
  });

  it('QuantizeMultiplier and AffineQuantize vs C frexp/round/float division (host oracle)', () => {
    const r = rng(7);
    const lines: string[] = [];
    const exp: string[] = [];
    const edge = [0, 0.5, 0.25, 1, 2, 1 - 2 ** -33, 1 - 2 ** -32, 1 - 2 ** -31, 2 ** -32, 2 ** -33, 1e-10, 0.999999999, -0.5, 5e-324];
    for (let i = 0; i < 3000; i++) {
      const d = i < edge.length ? edge[i]! : log10Uniform(r, 1e-12, 1e3) * (r() < 0.1 ? -1 : 1);
      lines.push(`qmult ${doubleBits(d)}`);
      const m = q.quantizeMultiplier(d);
      exp.push(`${m.multiplier} ${m.shift}`);
      const scale = Math.fround(log10Uniform(r, 1e-4, 10));
      const x = Math.fround((r() - 0.5) * 400 * scale);
      const zp = randInt(r, -128, 127);
      const bits = [8, 16, 4, 2][randInt(r, 0, 3)]!;
      lines.push(`quantize ${floatBits(x)} ${floatBits(scale)} ${zp} ${bits}`);
      exp.push(String(q.quantize(x, scale, zp, bits)));
    }
    // exact ties of x / scale: (k + 0.5) * scale
    for (let k = -20; k < 20; k++) {
      const scale = 0.5;
      const x = Math.fround((k + 0.5) * scale);
      lines.push(`quantize ${floatBits(x)} ${floatBits(scale)} 0 8`);
      exp.push(String(q.quantize(x, scale, 0, 8)));
    }
    compare(lines, exp);
  });
});

describe('harc_fixedpoint.h compiles warning-free', () => {
  const use = `#include "harc_fixedpoint.h"
int32_t use_all(int32_t a, int32_t b, const int8_t *in, int8_t *out, int16_t *o16);
int32_t use_all(int32_t a, int32_t b, const int8_t *in, int8_t *out, int16_t *o16) {
  harc_hard_swish_params hp = {0, 0, 1, 20000, -3, 15000};
  harc_add_params ap = {1, 2, 3, 20, 1 << 30, -1, 1 << 30, -1, 1 << 30, -10, -128, 127};
  harc_mul_params mp = {1, 2, 3, 1 << 30, -5, -128, 127};
  int32_t r = harc_mbqm(a, b, -3) + harc_logistic_s8((int8_t)a, 0, 100, b, 3) + harc_tanh_s8((int8_t)a, 0, 100, b, 3)
    + harc_logistic_s16((int16_t)a, 0, 0) + harc_tanh_s16((int16_t)a, 0, 1) + harc_hard_swish_s8((int8_t)a, &hp)
    + harc_add_s8((int8_t)a, (int8_t)b, &ap) + harc_mul_s8((int8_t)a, (int8_t)b, &mp);
  harc_softmax_s8_row(in, 10, b, 20, -100, 8, out, o16);
  return r;
}
`;
  const targets: Array<{ name: string; cc: string; flags: string[] }> = [
    { name: 'host gcc', cc: 'gcc', flags: ['-pedantic'] },
    { name: 'Cortex-M4', cc: 'arm-none-eabi-gcc', flags: ['-mcpu=cortex-m4', '-mthumb'] },
    // no libc headers in this toolchain: -ffreestanding uses gcc's own <stdint.h>
    { name: 'RISC-V rv32imc', cc: 'riscv64-unknown-elf-gcc', flags: ['-ffreestanding', '-march=rv32imc', '-mabi=ilp32'] },
  ];
  for (const t of targets) {
    it.skipIf(!hasCompiler(t.cc))(`${t.name}: -std=c99 -Wall -Wextra -Werror -O2, no libcalls`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'harc-quant-cc-'));
      try {
        writeFileSync(join(dir, 'use.c'), use);
        writeFileSync(join(dir, 'empty.c'), '#include "harc_fixedpoint.h"\n');
        for (const src of ['use.c', 'empty.c']) {
          execFileSync(t.cc, ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', ...t.flags, `-I${RUNTIME_DIR}`, '-c', join(dir, src), '-o', join(dir, src + '.o')], { stdio: 'pipe' });
        }
        const nm = t.cc.replace(/gcc$/, 'nm');
        const syms = execFileSync(nm, [join(dir, 'use.c.o')]).toString();
        expect(syms.split('\n').filter((l) => / U /.test(l))).toEqual([]); // no libgcc / libm calls
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
