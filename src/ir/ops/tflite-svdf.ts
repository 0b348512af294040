import { inputError } from '../errors.ts';
import { attrInt, registerOp } from '../registry.ts';
import type { Node, Value } from '../types.ts';
import { clampValue, fusedClamp } from './activation.ts';

// TFLite SVDF as TFLM runs it: a rank-r singular-value-decomposition filter over a memory of the
// last M feature vectors. Inputs: x [B, I], weights_feature [F, I], weights_time [F, M], bias [F/r]
// (optional). Outputs: y [B, F/r], and the state [B, F·M] (the TFLite variable tensor, its value
// after the run). Per run: the state shifts left by one, column M−1 of each filter gets
// W_feature·x, then y_u = bias_u + Σ_{rank} Σ_m state·weights_time. The integer form is
// src/ir/int8/tflite-svdf.ts.

export const TFLITE_SVDF = 'TFLiteSVDF';

export interface SvdfDims {
  batch: number;
  input: number;
  filters: number;
  memory: number;
  rank: number;
  units: number;
}

export function svdfDims(node: Node, x: number[], wf: number[], wt: number[]): SvdfDims {
  const rank = attrInt(node, 'rank', 1);
  if (x.length !== 2 || wf.length !== 2 || wt.length !== 2) throw inputError(`node '${node.name}' (${TFLITE_SVDF}): input [${x}], weights_feature [${wf}] and weights_time [${wt}] must be 2-D`);
  const [batch, input] = x as [number, number];
  const [filters, memory] = wt as [number, number];
  if (wf[0] !== filters || wf[1] !== input || rank < 1 || filters % rank !== 0)
    throw inputError(`node '${node.name}' (${TFLITE_SVDF}): weights_feature [${wf}] / weights_time [${wt}] / rank ${rank} do not fit input [${x}]`);
  return { batch, input, filters, memory, rank, units: filters / rank };
}

registerOp({
  op: TFLITE_SVDF,
  attrs: { rank: 1, act_min: undefined, act_max: undefined },
  arity: [3, 4],
  traits: { quant: { kind: 'imported' }, int8: 'kernel' },
  infer(node, [x, wf, wt]) {
    const d = svdfDims(node, x!.shape, wf!.shape, wt!.shape);
    return [
      { shape: [d.batch, d.units], dtype: x!.dtype },
      { shape: [d.batch, d.filters * d.memory], dtype: x!.dtype === 'float32' ? 'float32' : 'int16' },
    ];
  },
  evaluate(node, [x, wf, wt, b]) {
    const d = svdfDims(node, x!.shape, wf!.shape, wt!.shape);
    const { batch, input: I, filters: F, memory: M, rank, units } = d;
    const state = new Float32Array(batch * F * M); // from zero: one run
    const y = new Float32Array(batch * units);
    const clamp = fusedClamp(node);
    for (let n = 0; n < batch; n++) {
      for (let f = 0; f < F; f++) {
        let acc = 0;
        for (let k = 0; k < I; k++) acc += x!.data[n * I + k]! * wf!.data[f * I + k]!;
        state[(n * F + f) * M + M - 1] = acc;
      }
      for (let u = 0; u < units; u++) {
        let acc = b ? b.data[u]! : 0;
        for (let r = 0; r < rank; r++) {
          const f = u * rank + r;
          for (let m = 0; m < M; m++) acc += state[(n * F + f) * M + m]! * wt!.data[f * M + m]!;
        }
        y[n * units + u] = clampValue(acc, clamp);
      }
    }
    return [
      { shape: [batch, units], dtype: 'float32', data: y } satisfies Value,
      { shape: [batch, F * M], dtype: 'float32', data: state } satisfies Value,
    ];
  },
  macs(node, [x, wf, wt]) {
    const d = svdfDims(node, x!.shape, wf!.shape, wt!.shape);
    return d.batch * d.filters * (d.input + d.memory);
  },
});
