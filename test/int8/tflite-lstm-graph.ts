// A synthetic int8 TFLiteLSTM graph (as src/frontends/tflite/ops.ts imports one: W, R per gate
// [H, I] / [H, H] int8, int32 biases, h and c as variable state outputs), with pseudo-random
// weights of a chosen range, for tests of the CMSIS-NN LSTM lowering that must not need ../shared.
import '../../src/ir/ops/index.ts';
import { prepareTfliteLstmQ } from '../../src/ir/int8/tflite-lstm.ts';
import { multiplyByQuantizedMultiplier } from '../../src/ir/quant/index.ts';
import type { Graph, Node, Tensor } from '../../src/ir/types.ts';
import { rng } from './helpers.ts';

export interface LstmGraphOptions {
  batch?: number;
  steps?: number;
  input?: number;
  hidden?: number;
  timeMajor?: boolean;
  /** largest |R| code (default 127) and R's scale (the recurrent multiplier's size) */
  rMax?: number;
  rScale?: number;
  /** log2 of the cell scale (default −11) */
  cellLog2?: number;
  cellClip?: number;
  /** h and c as variable state outputs (default) or plain outputs */
  state?: 'variable' | 'plain';
  seed?: number;
}

export function tfliteLstmGraph(o: LstmGraphOptions = {}): Graph {
  const [B, T, I, H] = [o.batch ?? 1, o.steps ?? 5, o.input ?? 7, o.hidden ?? 6];
  const rand = rng(o.seed ?? 1);
  const int = (lo: number, hi: number): number => Math.floor(rand(lo, hi + 1));
  const q = (scale: number, zp: number, bits = 8) => ({ bits, signed: true, scale: [scale], zeroPoint: [zp] });
  const tensors: Record<string, Tensor> = {};
  const add = (t: Tensor): string => ((tensors[t.name] = t), t.name);
  const x = add({ name: 'x', shape: o.timeMajor ? [T, B, I] : [B, T, I], dtype: 'int8', quant: q(0.05, 3) });
  const gates = ['i', 'f', 'c', 'o'];
  const W = gates.map((g) => add({ name: `w_${g}`, shape: [H, I], dtype: 'int8', quant: q(0.004 + 0.001 * gates.indexOf(g), 0), data: Int8Array.from({ length: H * I }, () => int(-127, 127)) }));
  const rMax = o.rMax ?? 127;
  const R = gates.map((g) => add({ name: `r_${g}`, shape: [H, H], dtype: 'int8', quant: q(o.rScale ?? 0.006, 0), data: Int8Array.from({ length: H * H }, () => int(-rMax, rMax)) }));
  const b = gates.map((g) => add({ name: `b_${g}`, shape: [H], dtype: 'int32', quant: q(0.0002, 0, 32), data: Int32Array.from({ length: H }, () => int(-3000, 3000)) }));
  const y = add({ name: 'y', shape: o.timeMajor ? [T, B, H] : [B, T, H], dtype: 'int8', quant: q(1 / 128, -2) });
  const state = o.state ?? 'variable';
  const h = add({ name: 'h', shape: [B, H], dtype: 'int8', quant: q(1 / 128, -2), variable: state === 'variable' });
  const c = add({ name: 'c', shape: [B, H], dtype: 'int16', quant: q(2 ** (o.cellLog2 ?? -11), 0, 16), variable: state === 'variable' });
  return {
    name: 'lstm',
    inputs: [x],
    outputs: [y],
    tensors,
    nodes: [{ name: 'lstm', op: 'TFLiteLSTM', inputs: [x, ...W, ...R, ...b], outputs: [y, h, c], attrs: { time_major: o.timeMajor ? 1 : 0, cell_clip: o.cellClip ?? 0 } }],
  };
}

/** n pseudo-random int8 inputs for the graph, concatenated. */
export function lstmInputs(g: Graph, n: number, seed = 7): Int8Array {
  const rand = rng(seed);
  const per = g.tensors[g.inputs[0]!]!.shape.reduce((a, v) => a * v, 1);
  return Int8Array.from({ length: n * per }, () => Math.floor(rand(-128, 128)));
}

/** Of `samples` runs with outputs `y` (the LSTM's Y, from harc's reference), the steps in which
 * every recurrent product requantizes into int16 (the cmsis-nn set runs those in CMSIS-NN when it
 * checks steps), and all steps. */
export function stepsThatFit(g: Graph, node: Node, y: ArrayLike<number>, samples: number): { fit: number; total: number } {
  const p = prepareTfliteLstmQ(g, node);
  const H = p.hidden;
  const R = p.slots.map((slot) => g.tensors[node.inputs[5 + slot]!]!.data!);
  const per = p.steps * p.batch * H;
  let fit = 0;
  let total = 0;
  for (let s = 0; s < samples; s++)
    for (let t = 0; t < p.steps; t++) {
      let fits = true;
      for (let b = 0; b < p.batch; b++)
        for (let gi = 0; gi < R.length; gi++)
          for (let j = 0; j < H; j++) {
            let acc = 0;
            for (let k = 0; k < H; k++) acc += ((t === 0 ? p.hZp : y[s * per + p.yAt(b, t - 1) + k]!) - p.hZp) * Number(R[gi]![j * H + k]!);
            const r = multiplyByQuantizedMultiplier(acc, p.rMult[gi]!, p.rShift[gi]!);
            if (r < -32768 || r > 32767) fits = false;
          }
      total++;
      if (fits) fit++;
    }
  return { fit, total };
}
