// @module-tag qemu
// 4- and 2-bit recurrent weight matrices (issue 12): LSTM / GRU / RNN, both directions. The TypeScript
// integer reference, host C and QEMU Cortex-M4 and RISC-V give the same bytes; W and R are stored
// packed (no int8 copy in weights.c).
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { quantizeInput, randomInputs, runC, splitRows } from '../int8/helpers.ts';
import { recurrentGraph, referenceRaw, type RecurrentCase } from '../int8-recurrent/helpers.ts';

const CASES: (RecurrentCase & { bits: 4 | 2 })[] = [
  { name: 'LSTM bidirectional, input 13, hidden 10, int4', op: 'LSTM', seq: 4, input: 13, hidden: 10, attrs: { direction: 'bidirectional' }, outputs: ['h', 'c'], bits: 4 },
  { name: 'LSTM reverse, batch 2, int2', op: 'LSTM', seq: 5, batch: 2, input: 5, hidden: 7, attrs: { direction: 'reverse' }, bits: 2 },
  { name: 'GRU linear_before_reset 0, bidirectional, int4', op: 'GRU', seq: 4, input: 11, hidden: 9, attrs: { direction: 'bidirectional' }, bits: 4 },
  { name: 'GRU linear_before_reset 1, int2', op: 'GRU', seq: 4, input: 8, hidden: 17, attrs: { linear_before_reset: 1 }, bits: 2 },
  { name: 'RNN bidirectional, int4', op: 'RNN', seq: 5, input: 4, hidden: 6, attrs: { direction: 'bidirectional' }, outputs: ['h'], bits: 4 },
  { name: 'RNN forward, int2', op: 'RNN', seq: 6, input: 9, hidden: 5, bits: 2 },
];

describe('4- and 2-bit recurrent weights: TS reference == host == cortex-m4 == riscv', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const float = optimize(recurrentGraph(c, 40 + i));
      const calib = randomInputs(float, 24, 140 + i, -1.5, 1.5);
      const table = calibrate(float, splitRows(calib, float.tensors[float.inputs[0]!]!.shape));
      const quant = quantizeGraph(float, table, { bits: 8, layerWeightBits: resolveWeightBits(float, { default: c.bits }) });
      const node = quant.nodes.find((n) => n.op === c.op)!;
      for (const k of [1, 2]) expect(quant.tensors[node.inputs[k]!]!.quant!.bits).toBe(c.bits);
      const xq = quantizeInput(quant, { ...calib, shape: [3, ...calib.shape.slice(1)], data: (calib.data as Float32Array).slice(0, (3 * calib.data.length) / 24) });
      const ref = Array.from(referenceRaw(quant, xq));
      const model = emitModel(quant, { prefix: 'qr' });
      expect(model.files['weights.c']).toMatch(new RegExp(`const uint8_t qr_L\\d+_w${c.bits}\\[`));
      expect(model.files['weights.c']).toMatch(new RegExp(`const uint8_t qr_L\\d+_r${c.bits}\\[`));
      expect(model.files['weights.c']).not.toMatch(/const int8_t qr_w/);
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
        const got = Array.from(new Uint8Array((await runC(quant, xq, target, model)).buffer));
        expect(got, `${target} bytes`).toEqual(ref);
      }
    }, 240_000);
  });
});
