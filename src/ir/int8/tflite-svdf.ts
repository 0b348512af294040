// TFLM's integer SVDF (svdf_common.cc EvalIntegerSvdfReference): int8 input and feature weights,
// int16 time weights and state, int32 bias. Per run and batch row:
//   state shifts left by one element (the whole [F·M] buffer, as TFLM does)
//   state[f, M−1] = sat16(MBQM(Σ_k W_f[f,k]·(x[k] − z_x), QM(s_x·s_Wf / s_state)))
//   acc_u = bias_u + Σ_{r<rank} Σ_m state[u·rank + r, m]·W_t[u·rank + r, m]
//   y_u = sat8(MBQM(acc_u, QM(s_state·s_Wt / s_y)) + z_y)
// TFLM applies no activation clamp on this path (the int8 range only). The C lowering
// (src/backends/c/lower/tflite-svdf.ts) reads the same constants.

import { inputError } from '../errors.ts';
import type { Graph, Node } from '../types.ts';
import { svdfDims, type SvdfDims } from '../ops/tflite-svdf.ts';
import { clamp, f32, multiplyByQuantizedMultiplier, quantizeMultiplier } from '../quant/index.ts';

export interface TfliteSvdfQParams extends SvdfDims {
  xZp: number;
  yZp: number;
  mult1: number;
  shift1: number;
  mult2: number;
  shift2: number;
}

export function prepareTfliteSvdfQ(g: Graph, node: Node): TfliteSvdfQParams {
  const t = (name: string) => g.tensors[name]!;
  const [x, wf, wt] = node.inputs.slice(0, 3).map(t) as [ReturnType<typeof t>, ReturnType<typeof t>, ReturnType<typeof t>];
  const y = t(node.outputs[0]!);
  const st = t(node.outputs[1]!);
  const s = (tt: typeof x): number => {
    if (!tt.quant || tt.quant.scale.length !== 1) throw inputError(`node '${node.name}' (TFLiteSVDF): tensor '${tt.name}' needs per-tensor quantization`);
    return f32(tt.quant.scale[0]!);
  };
  if (st.dtype !== 'int16' || wt.dtype !== 'int16' || wf.dtype !== 'int8' || x.dtype !== 'int8' || y.dtype !== 'int8')
    throw inputError(`node '${node.name}' (TFLiteSVDF): integer SVDF needs int8 input / feature weights / output and int16 time weights / state`);
  if (st.quant!.zeroPoint[0] !== 0) throw inputError(`node '${node.name}' (TFLiteSVDF): the state must be symmetric (zero point 0)`);
  const m1 = quantizeMultiplier((s(x) * s(wf)) / s(st));
  const m2 = quantizeMultiplier((s(st) * s(wt)) / s(y));
  return {
    ...svdfDims(node, x.shape, wf.shape, wt.shape),
    xZp: x.quant!.zeroPoint[0]!,
    yZp: y.quant!.zeroPoint[0]!,
    mult1: m1.multiplier,
    shift1: m1.shift,
    mult2: m2.multiplier,
    shift2: m2.shift,
  };
}

/** The integer reference: [y (int8), state (int16)], from the zero state or from `state`'s value
 * for the state tensor (updated afterwards: a stream). */
export function runTfliteSvdfQ(g: Graph, node: Node, x: ArrayLike<number>, state?: Map<string, ArrayLike<number>>): [Int8Array, Int16Array] {
  const p = prepareTfliteSvdfQ(g, node);
  const { batch, input: I, filters: F, memory: M, rank, units } = p;
  const data = (i: number) => g.tensors[node.inputs[i]!]!.data!;
  const wf = data(1);
  const wt = data(2);
  const bias = node.inputs[3] ? data(3) : undefined;
  const sName = node.outputs[1]!;
  const st = new Int16Array(batch * F * M);
  if (state?.has(sName)) st.set(state.get(sName)!);
  st.copyWithin(0, 1); // shift left by one; the last element is overwritten below
  const y = new Int8Array(batch * units);
  for (let n = 0; n < batch; n++) {
    for (let f = 0; f < F; f++) {
      let acc = 0;
      for (let k = 0; k < I; k++) acc += wf[f * I + k]! * (x[n * I + k]! - p.xZp);
      st[(n * F + f) * M + M - 1] = clamp(multiplyByQuantizedMultiplier(acc, p.mult1, p.shift1), -32768, 32767);
    }
    for (let u = 0; u < units; u++) {
      let acc = bias ? bias[u]! : 0;
      for (let r = 0; r < rank; r++) {
        const f = u * rank + r;
        let dot = 0;
        for (let m = 0; m < M; m++) dot += wt[f * M + m]! * st[(n * F + f) * M + m]!;
        acc += dot;
      }
      y[n * units + u] = clamp(multiplyByQuantizedMultiplier(acc, p.mult2, p.shift2) + p.yZp, -128, 127);
    }
  }
  state?.set(sName, st.slice());
  return [y, st];
}
