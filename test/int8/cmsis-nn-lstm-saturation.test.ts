// @module-tag c
// Where CMSIS-NN's LSTM gate is not TFLM's (docs/int8-kernels.md, src/backends/c/kernels/cmsis-nn-lstm.ts):
// arm_nn_vec_mat_mul_result_acc_s8_s16, which arm_nn_lstm_calculate_gate_s8_s16 uses for the
// recurrent side, adds the requantized product to the int16 input side before saturating, where TFLM
// saturates the product first. Compiled on the host from ../shared/third_party/CMSIS-NN and called
// with a product of 40000 onto −16384: the library gives 23616, TFLM's arithmetic (harc's reference
// formula) 16383; with a product that fits int16 both agree. This is why the cmsis-nn set checks each
// step's recurrent products before calling arm_lstm_unidirectional_s8.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clamp, multiplyByQuantizedMultiplier } from '../../src/ir/quant/index.ts';

const repo = join(import.meta.dirname, '..', '..');
const CMSIS_NN = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')].find(
  (d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')),
);

// one row, one column: sum = lhs·rhs = 100·100 = 10000, multiplier 0.5 (2^30), shift 3 → 40000
const MULT = 2 ** 30;
const SHIFT = 3;
const CASES = [
  { gx: -16384, rhs: 100 },
  { gx: -16384, rhs: 40 },
  { gx: 20000, rhs: 100 },
];

const tflm = (gx: number, sum: number): number => clamp(gx + clamp(multiplyByQuantizedMultiplier(sum, MULT, SHIFT), -32768, 32767), -32768, 32767);

describe.skipIf(!CMSIS_NN)('CMSIS-NN LSTM gate accumulation vs TFLM (needs ../shared/third_party/CMSIS-NN)', () => {
  it('differs exactly when the recurrent product leaves int16 against the input side', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harc-cmsis-lstm-sat-'));
    try {
      const calls = CASES.map(
        (c) =>
          `  { const int8_t lhs[1] = { 100 }, rhs[1] = { ${c.rhs} }; const int32_t bias[1] = { 0 }; int16_t dst[1] = { ${c.gx} };\n` +
          `    arm_nn_vec_mat_mul_result_acc_s8_s16(lhs, rhs, bias, dst, ${MULT}, ${SHIFT}, 1, 1, 1, 1); printf("%d\\n", dst[0]); }`,
      );
      writeFileSync(join(dir, 'main.c'), ['#include <stdio.h>', '#include "arm_nnsupportfunctions.h"', 'int main(void) {', ...calls, '  return 0;', '}', ''].join('\n'));
      execFileSync('gcc', ['-std=gnu99', '-O1', `-I${join(CMSIS_NN!, 'Include')}`, join(dir, 'main.c'), join(CMSIS_NN!, 'Source', 'NNSupportFunctions', 'arm_nn_vec_mat_mul_result_acc_s8_s16.c'), '-o', join(dir, 'acc')]);
      const got = execFileSync(join(dir, 'acc'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      const want = CASES.map((c) => tflm(c.gx, 100 * c.rhs));
      expect(want).toEqual([16383, -384, 32767]);
      expect(got).toEqual([23616, -384, 32767]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
