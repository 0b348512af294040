import { inputError } from '../errors.ts';
import { attrFloat, attrInt, registerOp } from '../registry.ts';
import type { Node, Value } from '../types.ts';

// TFLite UNIDIRECTIONAL_SEQUENCE_LSTM as TFLM runs it (no CIFG, peepholes, projection or layer
// norm): gate order i, f, c, o with one weight matrix per gate, a single bias per gate, the
// variable state tensors as outputs 1 (hidden) and 2 (cell) holding their value after the run.
// Inputs: x, W_i, W_f, W_c, W_o ([H, I]), R_i, R_f, R_c, R_o ([H, H]), b_i, b_f, b_c, b_o ([H]).
// Outputs: Y ([B, T, H], or [T, B, H] when time_major), h ([B, H]), c ([B, H]). The state starts
// at zero on every run (TFLM after Reset()). The integer form is src/ir/int8/tflite-lstm.ts.

export const TFLITE_LSTM = 'TFLiteLSTM';

export interface TfliteLstmDims {
  batch: number;
  steps: number;
  input: number;
  hidden: number;
  timeMajor: boolean;
  /** element offset of x[b, t, 0] (and of Y[b, t, 0] with `hidden` for `input`) */
  xAt: (b: number, t: number) => number;
  yAt: (b: number, t: number) => number;
}

export function tfliteLstmDims(node: Node, xShape: number[], wShape: number[]): TfliteLstmDims {
  if (xShape.length !== 3) throw inputError(`node '${node.name}' (${TFLITE_LSTM}): input must be 3-D, got [${xShape}]`);
  const timeMajor = attrInt(node, 'time_major', 0) === 1;
  const [steps, batch] = timeMajor ? [xShape[0]!, xShape[1]!] : [xShape[1]!, xShape[0]!];
  const input = xShape[2]!;
  const hidden = wShape[0]!;
  if (wShape[1] !== input) throw inputError(`node '${node.name}' (${TFLITE_LSTM}): input weights [${wShape}] do not match input [${xShape}]`);
  const at = (width: number) => (b: number, t: number): number => (timeMajor ? (t * batch + b) * width : (b * steps + t) * width);
  return { batch, steps, input, hidden, timeMajor, xAt: at(input), yAt: at(hidden) };
}

/** TFLite reference_ops::Logistic (float): saturating cut-offs, then 1 / (1 + e^-x). */
function sigmoid(v: number): number {
  if (v > 16.619047164916992) return 1;
  if (v < -9) return Math.fround(Math.exp(v));
  return Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-v))));
}

registerOp({
  op: TFLITE_LSTM,
  attrs: { time_major: 0, cell_clip: 0 },
  arity: [13, 13],
  traits: { quant: { kind: 'imported' }, int8: 'kernel' },
  infer(node, [x, w]) {
    const d = tfliteLstmDims(node, x!.shape, w!.shape);
    const y = d.timeMajor ? [d.steps, d.batch, d.hidden] : [d.batch, d.steps, d.hidden];
    return [
      { shape: y, dtype: x!.dtype },
      { shape: [d.batch, d.hidden], dtype: x!.dtype },
      { shape: [d.batch, d.hidden], dtype: x!.dtype === 'float32' ? 'float32' : 'int16' },
    ];
  },
  evaluate(node, ins) {
    const [x, ...rest] = ins as Value[];
    const d = tfliteLstmDims(node, x!.shape, rest[0]!.shape);
    const { hidden: H, input: I } = d;
    const W = rest.slice(0, 4).map((v) => v.data);
    const R = rest.slice(4, 8).map((v) => v.data);
    const B = rest.slice(8, 12).map((v) => v.data);
    const clip = attrFloat(node, 'cell_clip', 0);
    const y = new Float32Array(d.batch * d.steps * H);
    const h = new Float32Array(d.batch * H);
    const c = new Float32Array(d.batch * H);
    const gate = new Float32Array(4 * H);
    for (let t = 0; t < d.steps; t++)
      for (let b = 0; b < d.batch; b++) {
        const xo = d.xAt(b, t);
        for (let g = 0; g < 4; g++)
          for (let j = 0; j < H; j++) {
            let ax = 0;
            for (let k = 0; k < I; k++) ax = Math.fround(ax + Math.fround(x!.data[xo + k]! * W[g]![j * I + k]!));
            ax = Math.fround(ax + B[g]![j]!);
            let ar = 0;
            for (let k = 0; k < H; k++) ar = Math.fround(ar + Math.fround(h[b * H + k]! * R[g]![j * H + k]!));
            const v = Math.fround(ax + ar);
            gate[g * H + j] = g === 2 ? Math.fround(Math.tanh(v)) : sigmoid(v);
          }
        for (let j = 0; j < H; j++) {
          let cv = Math.fround(Math.fround(gate[H + j]! * c[b * H + j]!) + Math.fround(gate[j]! * gate[2 * H + j]!));
          if (clip > 0) cv = Math.min(Math.max(cv, -clip), clip);
          c[b * H + j] = cv;
          h[b * H + j] = Math.fround(gate[3 * H + j]! * Math.fround(Math.tanh(cv)));
          y[d.yAt(b, t) + j] = h[b * H + j]!;
        }
      }
    return [
      { shape: d.timeMajor ? [d.steps, d.batch, H] : [d.batch, d.steps, H], dtype: 'float32', data: y },
      { shape: [d.batch, H], dtype: 'float32', data: h },
      { shape: [d.batch, H], dtype: 'float32', data: c },
    ];
  },
  macs(node, [x, w]) {
    const d = tfliteLstmDims(node, x!.shape, w!.shape);
    return d.batch * d.steps * 4 * d.hidden * (d.input + d.hidden);
  },
});
