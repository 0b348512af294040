// Which TFLiteLSTM nodes the cmsis-nn set runs in arm_lstm_unidirectional_s8, and the step guard's
// bound (src/backends/c/kernels/cmsis-nn-lstm.ts): unit checks, no C is built.
import { describe, expect, it } from 'vitest';
import { cmsisNnKernelLabel } from '../../src/backends/c/kernels/cmsis-nn.ts';
import { lstmDeclineReason, lstmStepGuard } from '../../src/backends/c/kernels/cmsis-nn-lstm.ts';
import { prepareTfliteLstmQ } from '../../src/ir/int8/tflite-lstm.ts';
import { multiplyByQuantizedMultiplier } from '../../src/ir/quant/index.ts';
import { rng } from './helpers.ts';
import { tfliteLstmGraph } from './tflite-lstm-graph.ts';

const node = (g: ReturnType<typeof tfliteLstmGraph>) => g.nodes[0]!;

describe('TFLiteLSTM under --kernels cmsis-nn', () => {
  it('small recurrent weights: one call for the whole sequence, no check per step', () => {
    const g = tfliteLstmGraph({ rMax: 3, rScale: 0.001 });
    expect(lstmDeclineReason(g, node(g))).toBeUndefined();
    expect(lstmStepGuard(g, node(g)).guarded).toBe(false);
    expect(cmsisNnKernelLabel(g, node(g))).toBe('cmsis-nn');
  });

  it('large recurrent weights: accepted with a per-step bound; every h within it keeps each recurrent product in int16', () => {
    const g = tfliteLstmGraph({ hidden: 9, rScale: 0.05 });
    const n = node(g);
    expect(lstmDeclineReason(g, n)).toBeUndefined();
    const { guarded, sMax } = lstmStepGuard(g, n);
    expect(guarded).toBe(true);
    expect(sMax).toBeGreaterThan(0);
    const p = prepareTfliteLstmQ(g, n);
    const rand = rng(3);
    let tight = 0;
    const outside: string[] = [];
    for (let trial = 0; trial < 1000; trial++) {
      // h drawn, then scaled so that Σ(h − z_h)² is at most sMax (often close to it)
      const d = Array.from({ length: p.hidden }, () => rand(-1, 1));
      const norm = Math.sqrt(d.reduce((s, v) => s + v * v, 0));
      const scale = Math.sqrt(sMax) / norm;
      const h = d.map((v) => Math.max(-128, Math.min(127, Math.trunc(v * scale) + p.hZp)));
      const s = h.reduce((a, v) => a + (v - p.hZp) ** 2, 0);
      if (s > sMax) outside.push(`h ${h} beyond the bound`);
      if (s > 0.9 * sMax) tight++;
      p.slots.forEach((slot, gi) => {
        const R = g.tensors[n.inputs[5 + slot]!]!.data!;
        for (let j = 0; j < p.hidden; j++) {
          let acc = 0;
          for (let k = 0; k < p.hidden; k++) acc += (h[k]! - p.hZp) * Number(R[j * p.hidden + k]!);
          const r = multiplyByQuantizedMultiplier(acc, p.rMult[gi]!, p.rShift[gi]!);
          if (r < -32768 || r > 32767) outside.push(`gate ${gi} row ${j}: ${r}`);
        }
      });
    }
    expect(outside).toEqual([]);
    expect(tight).toBeGreaterThan(250);
  });

  it('declines a cell scale below 2^-15 (the i·c̃ term can leave int16), with the reason in inspect', () => {
    const g = tfliteLstmGraph({ cellLog2: -16 });
    expect(lstmDeclineReason(g, node(g))).toMatch(/i·c̃ can leave int16/);
    expect(cmsisNnKernelLabel(g, node(g))).toMatch(/^harc \(the input-gate term/);
    expect(lstmDeclineReason(tfliteLstmGraph({ cellLog2: -15 }), node(tfliteLstmGraph({ cellLog2: -15 })))).toBeUndefined();
  });

  it('declines batch-major batch > 1 only when steps must be checked', () => {
    const checked = tfliteLstmGraph({ batch: 2, rScale: 0.05 });
    expect(lstmDeclineReason(checked, node(checked))).toMatch(/batch-major/);
    const timeMajor = tfliteLstmGraph({ batch: 2, rScale: 0.05, timeMajor: true });
    expect(lstmDeclineReason(timeMajor, node(timeMajor))).toBeUndefined();
    const small = tfliteLstmGraph({ batch: 2, rMax: 3, rScale: 0.001 });
    expect(lstmDeclineReason(small, node(small))).toBeUndefined();
  });

  it('declines weights that are not constants', () => {
    const g = tfliteLstmGraph();
    delete g.tensors['r_f']!.data;
    expect(lstmDeclineReason(g, node(g))).toMatch(/input 6 is not a constant/);
  });
});
