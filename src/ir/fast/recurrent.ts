import { recurrentGeometry, recurrentOutputShapes } from '../ops/recurrent-common.ts';
import type { Node, Tensor, Value } from '../types.ts';
import type { FastKernel } from './kernel.ts';
import type { PreparedRows, RowDots } from './row-dots.ts';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** LSTM / GRU / RNN as evaluateRecurrent (src/ir/ops/recurrent-common.ts) computes them: the same
 * double sums in the same order, float32 states, the same gate expressions; only the W·x and R·h
 * products run as row dots (WebAssembly SIMD, src/ir/fast/row-dots.ts) over buffers allocated once. */
export function fastRecurrent(node: Node, inputs: (Tensor | undefined)[], outputs: (Tensor | undefined)[], dots: RowDots): FastKernel | undefined {
  if ([0, 1, 2, 3, 5, 6, 7].some((i) => inputs[i] && inputs[i]!.dtype !== 'float32')) return undefined;
  const g = recurrentGeometry(node, inputs);
  const { seq, batch, input: I, hidden: H, dirs, gates: G, strides: s } = g;
  const shapes = recurrentOutputShapes(g);
  if (outputs.some((o, i) => o && o.shape.join() !== shapes[i]!.join())) return undefined;
  const Y = new Float32Array(seq * dirs * batch * H);
  const Yh = new Float32Array(dirs * batch * H);
  const Yc = new Float32Array(dirs * batch * H);
  const out: Value[] = [
    { shape: shapes[0]!, dtype: 'float32', data: Y },
    { shape: shapes[1]!, dtype: 'float32', data: Yh },
  ];
  if (g.kind === 'LSTM') out.push({ shape: shapes[2]!, dtype: 'float32', data: Yc });
  const h = new Float32Array(H);
  const c = new Float32Array(H);
  const wx = new Float64Array(G * H);
  const rh = new Float64Array(G * H);
  const hNew = new Float64Array(H);
  const z = new Float64Array(H);
  const r = new Float64Array(H);
  const clip = (v: number): number => (g.clip === undefined ? v : Math.min(Math.max(v, -g.clip), g.clip));
  // each direction's W and R rows, prepared for the row dots once per weight array
  let prepared: { W: ArrayLike<number>; R: ArrayLike<number>; w: PreparedRows[]; r: PreparedRows[] } | undefined;
  const weights = (W: ArrayLike<number>, R: ArrayLike<number>) => {
    if (prepared?.W !== W || prepared.R !== R) {
      const dirsOf = (M: ArrayLike<number>, cols: number) => Array.from({ length: dirs }, (_, d) => dots.rowsOf(M, d * G * H * cols, G * H, cols));
      prepared = { W, R, w: dirsOf(W, I), r: dirsOf(R, H) };
    }
    return prepared;
  };
  return (values) => {
    const X = values[0]!.data as Float32Array;
    const R = values[2]!.data as Float32Array;
    const { w: wRows, r: rRows } = weights(values[1]!.data, R);
    const B = values[3]?.data as Float32Array | undefined;
    const h0 = values[5]?.data;
    const c0 = g.kind === 'LSTM' ? values[6]?.data : undefined;
    const P = g.kind === 'LSTM' ? values[7]?.data : undefined;
    for (let d = 0; d < dirs; d++) {
      const reverse = g.direction === 'reverse' || (g.direction === 'bidirectional' && d === 1);
      const rOff = d * G * H * H;
      const bOff = d * 2 * G * H;
      for (let n = 0; n < batch; n++) {
        const so = d * s.sd + n * s.sn;
        for (let j = 0; j < H; j++) {
          h[j] = h0 ? h0[so + j]! : 0;
          c[j] = c0 ? c0[so + j]! : 0;
        }
        for (let step = 0; step < seq; step++) {
          const t = reverse ? seq - 1 - step : step;
          const xo = t * s.xt + n * s.xn;
          for (let j = 0; j < G * H; j++) {
            wx[j] = B ? B[bOff + j]! : 0;
            rh[j] = B ? B[bOff + G * H + j]! : 0;
          }
          dots.accumulate(wRows[d]!, wx, X, xo);
          dots.accumulate(rRows[d]!, rh, h, 0);
          if (g.kind === 'LSTM') {
            const pOff = d * 3 * H;
            for (let j = 0; j < H; j++) {
              const it = sigmoid(clip(wx[j]! + rh[j]! + (P ? P[pOff + j]! * c[j]! : 0)));
              const ft = sigmoid(clip(wx[2 * H + j]! + rh[2 * H + j]! + (P ? P[pOff + 2 * H + j]! * c[j]! : 0)));
              const ct = Math.tanh(clip(wx[3 * H + j]! + rh[3 * H + j]!));
              const cNew = ft * c[j]! + it * ct;
              const ot = sigmoid(clip(wx[H + j]! + rh[H + j]! + (P ? P[pOff + H + j]! * cNew : 0)));
              c[j] = cNew;
              hNew[j] = ot * Math.tanh(cNew);
            }
          } else if (g.kind === 'GRU') {
            for (let j = 0; j < H; j++) {
              z[j] = sigmoid(clip(wx[j]! + rh[j]!));
              r[j] = sigmoid(clip(wx[H + j]! + rh[H + j]!));
            }
            for (let j = 0; j < H; j++) {
              let pre: number;
              if (g.linearBeforeReset) pre = wx[2 * H + j]! + r[j]! * rh[2 * H + j]!;
              else {
                let q = B ? B[bOff + G * H + 2 * H + j]! : 0;
                for (let k = 0; k < H; k++) q += R[rOff + (2 * H + j) * H + k]! * r[k]! * h[k]!;
                pre = wx[2 * H + j]! + q;
              }
              const nt = Math.tanh(clip(pre));
              hNew[j] = (1 - z[j]!) * nt + z[j]! * h[j]!;
            }
          } else {
            for (let j = 0; j < H; j++) hNew[j] = Math.tanh(clip(wx[j]! + rh[j]!));
          }
          h.set(hNew);
          const yo = t * s.yt + d * s.yd + n * s.yn;
          for (let j = 0; j < H; j++) Y[yo + j] = h[j]!;
        }
        for (let j = 0; j < H; j++) {
          Yh[so + j] = h[j]!;
          Yc[so + j] = c[j]!;
        }
      }
    }
    return out;
  };
}
