// @module-tag qemu
// Integer LSTM / GRU / RNN on single-node graphs: the TypeScript integer reference, the host C
// build and the QEMU Cortex-M4 and RISC-V builds must give identical bytes (Y, and Y_h / Y_c when
// they are graph outputs), and the dequantized result must stay close to the float reference.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { quantizeForTest, quantizeInput, randomInputs, runC } from '../int8/helpers.ts';
import { floatError, recurrentGraph, referenceRaw, type RecurrentCase } from './helpers.ts';

const CASES: RecurrentCase[] = [
  { name: 'LSTM forward', op: 'LSTM', seq: 6, input: 5, hidden: 7 },
  { name: 'LSTM reverse, Y_h and Y_c outputs', op: 'LSTM', seq: 5, input: 4, hidden: 6, attrs: { direction: 'reverse' }, outputs: ['h', 'c'] },
  { name: 'LSTM bidirectional, batch 2', op: 'LSTM', seq: 5, batch: 2, input: 3, hidden: 4, attrs: { direction: 'bidirectional' }, outputs: ['h'] },
  { name: 'LSTM layout 1, no bias', op: 'LSTM', seq: 4, batch: 2, input: 3, hidden: 5, layout: 1, bias: false },
  { name: 'GRU linear_before_reset 0', op: 'GRU', seq: 6, input: 5, hidden: 7 },
  { name: 'GRU linear_before_reset 1, bidirectional', op: 'GRU', seq: 5, input: 4, hidden: 6, attrs: { linear_before_reset: 1, direction: 'bidirectional' }, outputs: ['h'] },
  { name: 'GRU linear_before_reset 0, reverse, batch 2', op: 'GRU', seq: 4, batch: 2, input: 3, hidden: 5, attrs: { direction: 'reverse' } },
  { name: 'RNN forward', op: 'RNN', seq: 6, input: 5, hidden: 7, outputs: ['h'] },
  { name: 'RNN bidirectional', op: 'RNN', seq: 5, input: 4, hidden: 6, attrs: { direction: 'bidirectional' } },
  // sizes ≥ 8 and not multiples of 4: the unrolled / Cortex-M4 SMLAD dot products and their tails
  { name: 'LSTM bidirectional, input 13, hidden 10', op: 'LSTM', seq: 4, input: 13, hidden: 10, attrs: { direction: 'bidirectional' } },
  { name: 'GRU linear_before_reset 0, input 11, hidden 9', op: 'GRU', seq: 4, input: 11, hidden: 9 },
  { name: 'GRU linear_before_reset 1, input 8, hidden 17', op: 'GRU', seq: 4, input: 8, hidden: 17, attrs: { linear_before_reset: 1 } },
];

/** Tolerance of the dequantized output against float: 6 output steps. The error sources are the
 * int8 input / weight / hidden-state rounding, the Q3.12 gates (saturating at ±8), the int16 LUT
 * activations (~2^-15 relative) and the int16 cell state, compounded over the time steps (inputs
 * inside the calibrated range). The measured worst case on these graphs is about 2.5 steps. */
const TOL_STEPS = 6;
const CELL_TOL = 0.03;

describe('int8 recurrent ops: TS reference == host == cortex-m4 == riscv, close to float', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const g = recurrentGraph(c, 10 + i);
      const calib = randomInputs(g, 24, 100 + i, -1.5, 1.5);
      // test inputs from the calibration set: no clipping at the calibrated ranges, so the bound is the arithmetic's
      const x = { ...calib, shape: [3, ...calib.shape.slice(1)], data: (calib.data as Float32Array).slice(0, (3 * calib.data.length) / 24) };
      const { float, quant } = quantizeForTest(g, calib);
      const node = quant.nodes.find((n) => n.op === c.op)!;
      expect(quant.tensors[node.outputs[0]!]!.dtype).toBe('int8');
      if (c.op === 'LSTM') expect(quant.tensors['y_c']!.quant!.bits).toBe(16);
      const xq = quantizeInput(quant, x);
      const ref = Array.from(referenceRaw(quant, xq));
      const model = emitModel(quant, { prefix: 'qr' });
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
        const got = Array.from(new Uint8Array((await runC(quant, xq, target, model)).buffer));
        expect(got, `${target} bytes`).toEqual(ref);
      }
      for (const e of floatError(float, quant, x, xq)) {
        // the int16 cell state (Y_c) carries the hidden-state error, not its own 2^-k step
        const tol = quant.tensors[e.output]!.quant!.bits === 16 ? CELL_TOL : TOL_STEPS * e.scale;
        expect(e.maxErr, `${e.output}: max error ${e.maxErr} (scale ${e.scale})`).toBeLessThanOrEqual(tol);
      }
    }, 240_000);
  });
});
