// TFLM's integer UNIDIRECTIONAL_SEQUENCE_LSTM (int8 activations and weights, int16 cell state, the
// lstm_eval.h of TFLM): prepare-time constants and the integer reference. Per step and batch row:
//   for each gate g (order f, i, c, o as TFLM computes them; the state read is the previous h):
//     gx = sat16(MBQM(b_g + Σ (x − z_x)·W_g, QM(s_x·s_Wg / 2^−12)))      FullyConnected → int16 Q3.12
//     gr = sat16(MBQM(Σ (h − z_h)·R_g, QM(s_h·s_Rg / 2^−12)))            (no recurrent bias)
//     pre = sat16(gx + gr); f, i, o = logistic16(pre), c̃ = tanh16(pre)     (Q0.15)
//   c = sat16(MBQM(f·c, QM(2^−15)));  c = sat16(c + sat16(MBQM(i·c̃, QM(2^−30 / s_c))));  clip
//   h = sat8(MBQM(tanh16_c(c)·o, QM(2^−30 / s_h)) + z_h)
// MulElementWise rounds twice (MBQM), unlike TFLite's CwiseMul single shift: TFLM's, bit for bit.
// The C lowering (src/backends/c/lower/tflite-lstm.ts) reads the same constants.

import { inputError } from '../errors.ts';
import { attrFloat } from '../registry.ts';
import type { Graph, Node } from '../types.ts';
import { tfliteLstmDims, type TfliteLstmDims } from '../ops/tflite-lstm.ts';
import { clamp, f32, logisticInt16, multiplyByQuantizedMultiplier, quantizeMultiplier, tanhInt16, type LogisticTanhInt16Params } from '../quant/index.ts';

/** Gate order of the arrays below (TFLM's computation order). Input slots: W at 1 + k, R at 5 + k, b at 9 + k for k in i, f, c, o. */
export const GATES = ['f', 'i', 'c', 'o'] as const;
const SLOT = { i: 0, f: 1, c: 2, o: 3 } as const;

export interface TfliteLstmQParams extends TfliteLstmDims {
  xZp: number;
  hZp: number;
  /** per gate (order GATES): multipliers / shifts of the input and recurrent FullyConnected */
  wMult: number[];
  wShift: number[];
  rMult: number[];
  rShift: number[];
  /** input slot of each gate's W, R and bias (order GATES) */
  slots: number[];
  forgetMul: { mult: number; shift: number };
  inputMul: { mult: number; shift: number };
  hiddenMul: { mult: number; shift: number };
  /** quantized cell clip (0: none) */
  cellClip: number;
  cellLog2: number;
  tanhCell: LogisticTanhInt16Params;
}

const pot = (x: number, what: string, node: Node): number => {
  const l = Math.round(Math.log2(x));
  if (Math.abs(2 ** l - x) > 1e-12 * x) throw inputError(`node '${node.name}' (TFLiteLSTM): ${what} scale ${x} must be a power of two`);
  return l;
};

export function prepareTfliteLstmQ(g: Graph, node: Node): TfliteLstmQParams {
  const t = (i: number) => g.tensors[node.inputs[i]!]!;
  const x = t(0);
  const h = g.tensors[node.outputs[1]!]!;
  const c = g.tensors[node.outputs[2]!]!;
  const dims = tfliteLstmDims(node, x.shape, t(1).shape);
  const sc = (tt: typeof x): number => {
    if (!tt.quant || tt.quant.scale.length !== 1) throw inputError(`node '${node.name}' (TFLiteLSTM): tensor '${tt.name}' needs per-tensor quantization`);
    return tt.quant.scale[0]!;
  };
  const sx = sc(x);
  const sh = sc(h);
  const scell = sc(c);
  const gateScale = 2 ** -12;
  const wMult: number[] = [];
  const wShift: number[] = [];
  const rMult: number[] = [];
  const rShift: number[] = [];
  const slots: number[] = [];
  for (const gname of GATES) {
    const k = SLOT[gname];
    slots.push(k);
    // TFLM CreateGateParams: input_scale · weight_scale (float product) / nonlinear input scale
    const mw = quantizeMultiplier(f32(f32(sx) * f32(sc(t(1 + k)))) / gateScale);
    const mr = quantizeMultiplier(f32(f32(sh) * f32(sc(t(5 + k)))) / gateScale);
    wMult.push(mw.multiplier);
    wShift.push(mw.shift);
    rMult.push(mr.multiplier);
    rShift.push(mr.shift);
  }
  const cellLog2 = pot(scell, 'cell state', node);
  const q = (v: number) => {
    const m = quantizeMultiplier(v);
    return { mult: m.multiplier, shift: m.shift };
  };
  // TFLM CreateInterGateMulParams: s1 · s2 / s_out in double
  const forgetMul = q((2 ** -15 * f32(scell)) / f32(scell));
  const inputMul = q((2 ** -15 * 2 ** -15) / f32(scell));
  const hiddenMul = q((2 ** -15 * 2 ** -15) / f32(sh));
  const clipF = attrFloat(node, 'cell_clip', 0);
  const cellClip = clipF > 0 ? Math.trunc(Math.min(Math.max(f32(clipF / f32(scell)), -32768), 32767)) : 0;
  // TFLM Tanh(cell_state_scale_power): left shift 15 + k − 3, negative → multiplier 3 and a right shift
  let tanhShift = 15 + cellLog2 - 3;
  let tanhMult = 0;
  if (tanhShift < 0) {
    tanhShift = -tanhShift;
    tanhMult = 3;
  }
  return {
    ...dims,
    xZp: x.quant!.zeroPoint[0]!,
    hZp: h.quant!.zeroPoint[0]!,
    wMult,
    wShift,
    rMult,
    rShift,
    slots,
    forgetMul,
    inputMul,
    hiddenMul,
    cellClip,
    cellLog2,
    tanhCell: { inputMultiplier: tanhMult, inputLeftShift: tanhShift },
  };
}

const sat16 = (v: number): number => clamp(v, -32768, 32767);
const GATE_ACT: LogisticTanhInt16Params = { inputMultiplier: 0, inputLeftShift: 0 };

/** The integer reference: [Y (int8), h (int8), c (int16)], from the zero state, or with `state`
 * from the values it holds for the state tensors (then updated to their values after the run: a
 * stream of inputs without TFLM's Reset() in between). */
export function runTfliteLstmQ(g: Graph, node: Node, x: ArrayLike<number>, state?: Map<string, ArrayLike<number>>): [Int8Array, Int8Array, Int16Array] {
  const p = prepareTfliteLstmQ(g, node);
  const { hidden: H, input: I } = p;
  const data = (i: number) => g.tensors[node.inputs[i]!]!.data!;
  const y = new Int8Array(p.batch * p.steps * H);
  const hs = new Int8Array(p.batch * H).fill(p.hZp);
  const cs = new Int16Array(p.batch * H);
  const [hName, cName] = [node.outputs[1]!, node.outputs[2]!];
  if (state?.has(hName)) hs.set(state.get(hName)!);
  if (state?.has(cName)) cs.set(state.get(cName)!);
  const gates = GATES.map(() => new Int16Array(H));
  for (let t = 0; t < p.steps; t++)
    for (let b = 0; b < p.batch; b++) {
      const xo = p.xAt(b, t);
      GATES.forEach((gname, gi) => {
        const k = p.slots[gi]!;
        const W = data(1 + k);
        const R = data(5 + k);
        const B = data(9 + k);
        for (let j = 0; j < H; j++) {
          let ax = B[j]!;
          for (let m = 0; m < I; m++) ax += (x[xo + m]! - p.xZp) * W[j * I + m]!;
          let ar = 0;
          for (let m = 0; m < H; m++) ar += (hs[b * H + m]! - p.hZp) * R[j * H + m]!;
          const gx = sat16(multiplyByQuantizedMultiplier(ax, p.wMult[gi]!, p.wShift[gi]!));
          const gr = sat16(multiplyByQuantizedMultiplier(ar, p.rMult[gi]!, p.rShift[gi]!));
          const pre = sat16(gx + gr);
          gates[gi]![j] = gname === 'c' ? tanhInt16(pre, GATE_ACT) : logisticInt16(pre, GATE_ACT);
        }
      });
      const [fg, ig, cg, og] = gates as [Int16Array, Int16Array, Int16Array, Int16Array];
      for (let j = 0; j < H; j++) {
        const s = b * H + j;
        let cv = sat16(multiplyByQuantizedMultiplier(fg[j]! * cs[s]!, p.forgetMul.mult, p.forgetMul.shift));
        const icg = sat16(multiplyByQuantizedMultiplier(ig[j]! * cg[j]!, p.inputMul.mult, p.inputMul.shift));
        cv = sat16(cv + icg);
        if (p.cellClip > 0) cv = clamp(cv, -p.cellClip, p.cellClip);
        cs[s] = cv;
      }
      for (let j = 0; j < H; j++) {
        const s = b * H + j;
        const tc = tanhInt16(cs[s]!, p.tanhCell);
        hs[s] = clamp(multiplyByQuantizedMultiplier(tc * og[j]!, p.hiddenMul.mult, p.hiddenMul.shift) + p.hZp, -128, 127);
        y[p.yAt(b, t) + j] = hs[s]!;
      }
    }
  state?.set(hName, hs.slice());
  state?.set(cName, cs.slice());
  return [y, hs, cs];
}
