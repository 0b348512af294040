// Integer LSTM / GRU / RNN (TFLite / TFLM integer LSTM scheme, "8x8_16"): int8 input and hidden
// state (asymmetric, calibrated), int8 symmetric weights per gate row, int32 biases, gate
// pre-activations in int16 Q3.12 (scale 2^-12), int16 LUT sigmoid / tanh (Q3.12 -> Q0.15), LSTM
// cell state int16 with a power-of-two scale 2^cellLog2 chosen from calibration. The prepare step
// (every multiplier / shift / table parameter) is shared by the TypeScript reference below and the
// C lowering (src/backends/c/lower/int8-recurrent.ts): both must agree bit for bit.

import { inputError } from '../errors.ts';
import { attrInt } from '../registry.ts';
import { recurrentGeometry, type RecurrentGeometry } from '../ops/recurrent-common.ts';
import type { Graph, Node, Value } from '../types.ts';
import {
  type LogisticTanhInt16Params,
  clamp,
  f32,
  logisticInt16,
  multiplyByQuantizedMultiplier,
  prepareLogisticInt16,
  prepareTanhInt16,
  quantizeMultiplier,
  roundingDivideByPOT,
  tanhInt16,
} from '../quant/index.ts';
import { tq } from './prepare.ts';

/** Gate pre-activations are int16 at this fixed scale (Q3.12, TFLite's integer LSTM). */
export const GATE_SCALE_LOG2 = -12;
/** The node attribute carrying the LSTM cell state's scale exponent (scale = 2^q_cell_log2). */
export const CELL_LOG2_ATTR = 'q_cell_log2';

export interface RecurrentQParams {
  geo: RecurrentGeometry;
  xZp: number;
  /** Per-feature input zero points (a per-channel quantized input), else xZp. */
  xZps?: number[];
  hZp: number;
  /** Per gate row (direction-major, D·G·H): input side x·W and recurrent side h·R → Q3.12. */
  wMult: number[];
  wShift: number[];
  rMult: number[];
  rShift: number[];
  sigmoid: LogisticTanhInt16Params;
  tanhGate: LogisticTanhInt16Params;
  /** LSTM: tanh of the cell state (input scale 2^cellLog2). */
  tanhCell?: LogisticTanhInt16Params;
  cellLog2: number;
  /** Right shift of i·g (Q0.30) into the cell scale: 30 + cellLog2. */
  igShift: number;
  /** Output requantization: LSTM o·tanh(c) (Q0.30) → h; GRU state (Q0.15) and RNN tanh (Q0.15) → h. */
  hMult: number;
  hShift: number;
}

const realMult = (a: number, b: number, c: number): { multiplier: number; shift: number } => quantizeMultiplier((f32(a) * f32(b)) / f32(c));

export function prepareRecurrentQ(g: Graph, node: Node): RecurrentQParams {
  const ins = node.inputs.map((n) => (n ? g.tensors[n] : undefined));
  const geo = recurrentGeometry(node, ins);
  const [x, w, r] = ins;
  const yName = node.outputs.find(Boolean)!;
  // a per-channel input (scales folded into W): scale 1, a zero point per feature
  const perChannel = !!x!.quant && x!.quant.scale.length > 1;
  const qx = perChannel ? { scale: 1, zeroPoint: 0, bits: x!.quant!.bits } : tq(x!, node);
  const qh = tq(g.tensors[yName]!, node);
  if (qx.bits !== 8 || qh.bits !== 8) throw inputError(`node '${node.name}' (${node.op}): integer ${node.op} needs 8-bit input and hidden state`);
  if (geo.clip !== undefined) throw inputError(`node '${node.name}' (${node.op}): clip is not supported in int8`);
  if (geo.peepholes) throw inputError(`node '${node.name}' (${node.op}): peepholes are not supported in int8`);
  if (node.inputs[5] || node.inputs[6]) throw inputError(`node '${node.name}' (${node.op}): integer ${node.op} supports zero initial states only`);
  if (!w!.quant || !r!.quant) throw inputError(`node '${node.name}' (${node.op}): weights are not quantized`);
  const rows = geo.dirs * geo.gates * geo.hidden;
  const gate = 2 ** GATE_SCALE_LOG2;
  const wMult: number[] = [];
  const wShift: number[] = [];
  const rMult: number[] = [];
  const rShift: number[] = [];
  for (let j = 0; j < rows; j++) {
    const mw = realMult(qx.scale, w!.quant.scale[j]!, gate);
    const mr = realMult(qh.scale, r!.quant.scale[j]!, gate);
    wMult.push(mw.multiplier);
    wShift.push(mw.shift);
    rMult.push(mr.multiplier);
    rShift.push(mr.shift);
  }
  const cellLog2 = geo.kind === 'LSTM' ? attrInt(node, CELL_LOG2_ATTR) : 0;
  const outReal = geo.kind === 'LSTM' ? 2 ** -30 / qh.scale : 2 ** -15 / qh.scale;
  const hm = quantizeMultiplier(outReal);
  return {
    geo,
    xZp: qx.zeroPoint,
    ...(perChannel ? { xZps: x!.quant!.zeroPoint } : {}),
    hZp: qh.zeroPoint,
    wMult,
    wShift,
    rMult,
    rShift,
    sigmoid: prepareLogisticInt16(gate),
    tanhGate: prepareTanhInt16(gate),
    ...(geo.kind === 'LSTM' ? { tanhCell: prepareTanhInt16(2 ** cellLog2) } : {}),
    cellLog2,
    igShift: 30 + cellLog2,
    hMult: hm.multiplier,
    hShift: hm.shift,
  };
}

const sat16 = (v: number): number => clamp(v, -32768, 32767);
/** A gate partial sum (Q3.12 in int32) is kept to ±2^24 so the two sides add without overflow. */
export const PARTIAL_LIMIT = 1 << 24;
/** The linear_before_reset recurrent term, multiplied by r (Q0.15) in int32, is kept to ±(2^16 − 1). */
export const LBR_LIMIT = 65535;
const sat8 = (v: number): number => clamp(v, -128, 127);

/** The integer reference: returns [Y, Y_h, (Y_c)] data (Int8 / Int8 / Int16). */
export function runRecurrentQ(g: Graph, node: Node, ins: (Value | undefined)[]): ArrayLike<number>[] {
  const p = prepareRecurrentQ(g, node);
  const { seq, batch, input: I, hidden: H, dirs, gates: G, strides: s, kind } = p.geo;
  const X = ins[0]!.data;
  const W = g.tensors[node.inputs[1]!]!.data!;
  const R = g.tensors[node.inputs[2]!]!.data!;
  const B = node.inputs[3] ? g.tensors[node.inputs[3]]!.data! : undefined;
  const GH = G * H;
  const Y = new Int8Array(seq * dirs * batch * H);
  const hs = new Int8Array(dirs * batch * H).fill(p.hZp);
  const cs = new Int16Array(dirs * batch * H);
  const h16 = new Int16Array(dirs * batch * H);
  const gates = new Int32Array(GH);
  const extra = new Int32Array(H);
  for (let d = 0; d < dirs; d++) {
    const reverse = p.geo.direction === 'reverse' || (p.geo.direction === 'bidirectional' && d === 1);
    const wOff = d * GH * I;
    const rOff = d * GH * H;
    const bOff = d * 2 * GH;
    const mOff = d * GH;
    for (let step = 0; step < seq; step++) {
      const t = reverse ? seq - 1 - step : step;
      for (let n = 0; n < batch; n++) {
        const xo = t * s.xt + n * s.xn;
        const so = d * s.sd + n * s.sn;
        const xSide = (j: number): number => {
          let acc = B ? B[bOff + j]! : 0;
          for (let k = 0; k < I; k++) acc += (X[xo + k]! - (p.xZps ? p.xZps[k]! : p.xZp)) * W[wOff + j * I + k]!;
          return clamp(multiplyByQuantizedMultiplier(acc | 0, p.wMult[mOff + j]!, p.wShift[mOff + j]!), -PARTIAL_LIMIT, PARTIAL_LIMIT);
        };
        const hSide = (j: number, hv: (k: number) => number): number => {
          let acc = B ? B[bOff + GH + j]! : 0;
          for (let k = 0; k < H; k++) acc += hv(k) * R[rOff + j * H + k]!;
          return clamp(multiplyByQuantizedMultiplier(acc | 0, p.rMult[mOff + j]!, p.rShift[mOff + j]!), -PARTIAL_LIMIT, PARTIAL_LIMIT);
        };
        const hPrev = (k: number): number => hs[so + k]! - p.hZp;
        if (kind === 'LSTM') {
          for (let j = 0; j < GH; j++) gates[j] = sat16(xSide(j) + hSide(j, hPrev));
          for (let j = 0; j < H; j++) {
            const ig = logisticInt16(gates[j]!, p.sigmoid);
            const og = logisticInt16(gates[H + j]!, p.sigmoid);
            const fg = logisticInt16(gates[2 * H + j]!, p.sigmoid);
            const cg = tanhInt16(gates[3 * H + j]!, p.tanhGate);
            const fc = sat16(roundingDivideByPOT(fg * cs[so + j]!, 15));
            const icg = sat16(roundingDivideByPOT(ig * cg, p.igShift));
            const c = sat16(fc + icg);
            cs[so + j] = c;
            const tc = tanhInt16(c, p.tanhCell!);
            hs[so + j] = sat8(multiplyByQuantizedMultiplier(og * tc, p.hMult, p.hShift) + p.hZp);
          }
        } else if (kind === 'GRU') {
          for (let j = 0; j < 2 * H; j++) gates[j] = logisticInt16(sat16(xSide(j) + hSide(j, hPrev)), p.sigmoid);
          for (let j = 0; j < H; j++) {
            let pre: number;
            if (p.geo.linearBeforeReset) pre = sat16(xSide(2 * H + j) + roundingDivideByPOT(gates[H + j]! * clamp(hSide(2 * H + j, hPrev), -LBR_LIMIT, LBR_LIMIT), 15));
            else {
              if (j === 0) for (let k = 0; k < H; k++) extra[k] = roundingDivideByPOT(gates[H + k]! * hPrev(k), 15);
              pre = sat16(xSide(2 * H + j) + hSide(2 * H + j, (k) => extra[k]!));
            }
            gates[2 * H + j] = tanhInt16(pre, p.tanhGate);
          }
          // h = (1 − z)·h̃ + z·h in Q0.15 (the int16 state; |h| ≤ 1), then int8 for Y and R·h
          for (let j = 0; j < H; j++) {
            const z = gates[j]!;
            const v = sat16(roundingDivideByPOT((32768 - z) * gates[2 * H + j]! + z * h16[so + j]!, 15));
            h16[so + j] = v;
            hs[so + j] = sat8(multiplyByQuantizedMultiplier(v, p.hMult, p.hShift) + p.hZp);
          }
        } else {
          for (let j = 0; j < H; j++) gates[j] = tanhInt16(sat16(xSide(j) + hSide(j, hPrev)), p.tanhGate);
          for (let j = 0; j < H; j++) hs[so + j] = sat8(multiplyByQuantizedMultiplier(gates[j]!, p.hMult, p.hShift) + p.hZp);
        }
        for (let j = 0; j < H; j++) Y[t * s.yt + d * s.yd + n * s.yn + j] = hs[so + j]!;
      }
    }
  }
  return kind === 'LSTM' ? [Y, hs, cs] : [Y, hs];
}
