// Independent oracle: TFLite Micro's own int8 SOFTMAX / LOGISTIC results from
// /work/shared/models/reference-outputs (reference kernels, 8 samples per model). The softmax /
// logistic input tensor and its scale / zero point come from intermediates.json; we recompute the
// output from that input with the TS kernels and require TFLM's bytes exactly.
// Softmax beta is not in the json; all these Keras-converted models use beta = 1.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as q from '../../src/ir/quant/index.ts';
import { readNpz } from './npz.ts';

const ROOT = '/work/shared/models/reference-outputs';

interface TensorMeta {
  key: string;
  type: string;
  shape: number[];
  scale: number;
  zero_point: number;
}

function load(model: string): { meta: Map<string, TensorMeta>; npz: ReturnType<typeof readNpz> } {
  const metaList = JSON.parse(readFileSync(join(ROOT, model, 'intermediates.json'), 'utf8')) as TensorMeta[];
  return { meta: new Map(metaList.map((m) => [m.key, m])), npz: readNpz(join(ROOT, model, 'intermediates.npz')) };
}

// [model, input tensor, output tensor] of the final SOFTMAX of each int8 classifier
const SOFTMAX_CASES: Array<[string, string, string]> = [
  ['kws_ref_model', 't033', 't034'],
  ['micro_speech_quantized', 't006', 't009'],
  ['micro_speech_lstm', 't025', 't026'],
  ['pretrainedResnet_quant', 't036', 't037'],
  ['str_ww_ref_model', 't029', 't030'],
  ['trained_lstm_int8', 't025', 't026'],
  ['vww_96_int8', 't087', 't088'],
];

describe.skipIf(!existsSync(ROOT))('TFLM reference outputs (independent oracle)', () => {
  for (const [model, inKey, outKey] of SOFTMAX_CASES) {
    it(`SOFTMAX int8 of ${model} (${inKey} -> ${outKey}) matches TFLM bit for bit`, () => {
      const { meta, npz } = load(model);
      const mi = meta.get(inKey)!;
      const mo = meta.get(outKey)!;
      expect(mi.type).toBe('INT8');
      expect(Math.fround(mo.scale)).toBe(1 / 256);
      expect(mo.zero_point).toBe(-128);
      const x = npz.get(inKey)!;
      const y = npz.get(outKey)!;
      const depth = mi.shape[mi.shape.length - 1]!;
      const p = q.prepareSoftmaxInt8(Math.fround(mi.scale), 1.0);
      const got = q.softmaxInt8(x.data, depth, p, 8);
      expect(Array.from(got)).toEqual(Array.from(y.data));
      // the rows must not all be saturated one-hot vectors for the check to mean much
      expect(new Set(Array.from(y.data)).size).toBeGreaterThan(1);
    });
  }

  it('LOGISTIC int8 of dtln_noise_suppression (t043 -> t044, 8 x 257 values) matches TFLM bit for bit', () => {
    const { meta, npz } = load('dtln_noise_suppression');
    const mi = meta.get('t043')!;
    const mo = meta.get('t044')!;
    const p = q.prepareLogisticInt8(Math.fround(mi.scale), mi.zero_point, { scale: mo.scale, zeroPoint: mo.zero_point });
    const x = npz.get('t043')!.data;
    const y = npz.get('t044')!.data;
    expect(x.length).toBe(8 * 257);
    const got = Array.from(x, (v) => q.logisticInt8(v, p));
    expect(got).toEqual(Array.from(y));
    expect(new Set(got).size).toBeGreaterThan(20); // many distinct outputs, not only saturation
  });
});
