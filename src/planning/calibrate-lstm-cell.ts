import { RowDots } from '../ir/fast/row-dots.ts';
import { recurrentGeometry, type RecurrentGeometry } from '../ir/ops/recurrent-common.ts';
import type { Graph, Node, Value } from '../ir/types.ts';
import type { CalibrationTable } from './calibrate.ts';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

const asVector = (d: ArrayLike<number>): Float32Array | Float64Array => (d instanceof Float32Array || d instanceof Float64Array ? d : Float64Array.from(d));

/** The LSTM cell-state observer of src/passes/quantize-recurrent.ts (`recurrentObserver`) with
 * its products as row dots (src/ir/fast/row-dots.ts): the same double replay (states in double, bias pair
 * summed first, then W·x, then R·h, each in index order), so the same max |c| bit for bit. */
export function fastRecurrentObserver(graph: Graph): { onValue(name: string, v: Value): void; finish(table: CalibrationTable): void } | undefined {
  const lstms = graph.nodes.filter((n) => n.op === 'LSTM');
  if (lstms.length === 0) return undefined;
  const xs = new Set(lstms.map((n) => n.inputs[0]!));
  const seen = new Map<string, Value>();
  const cmax = new Map<string, number>();
  const at = (name: string | undefined): ArrayLike<number> | undefined => (name ? (graph.tensors[name]?.data ?? seen.get(name)?.data) : undefined);
  const geometry = new Map<Node, RecurrentGeometry>();
  const dots = new RowDots();
  return {
    onValue(name, v) {
      if (xs.has(name)) seen.set(name, v);
      for (const node of lstms) {
        if (name !== node.outputs.find(Boolean)) continue;
        let geo = geometry.get(node);
        if (!geo) geometry.set(node, (geo = recurrentGeometry(node, node.inputs.map((n) => (n ? graph.tensors[n] : undefined)))));
        const { seq, batch, input: I, hidden: H, dirs, strides: s } = geo;
        const [X, W, R, B, , h0, c0] = node.inputs.map((n) => at(n));
        if (!X || !W || !R) continue;
        const x = asVector(X);
        let m = cmax.get(node.name) ?? 0;
        const G = 4;
        const pre = new Float64Array(G * H);
        for (let d = 0; d < dirs; d++) {
          const reverse = geo.direction === 'reverse' || (geo.direction === 'bidirectional' && d === 1);
          const wRows = dots.rowsOf(W, d * G * H * I, G * H, I);
          const rRows = dots.rowsOf(R, d * G * H * H, G * H, H);
          for (let n = 0; n < batch; n++) {
            const so = d * s.sd + n * s.sn;
            const hh = Float64Array.from({ length: H }, (_, j) => (h0 ? h0[so + j]! : 0));
            const cc = Float64Array.from({ length: H }, (_, j) => (c0 ? c0[so + j]! : 0));
            for (let step = 0; step < seq; step++) {
              const t = reverse ? seq - 1 - step : step;
              const xo = t * s.xt + n * s.xn;
              for (let j = 0; j < G * H; j++) pre[j] = B ? B[d * 2 * G * H + j]! + B[d * 2 * G * H + G * H + j]! : 0;
              dots.accumulate(wRows, pre, x, xo);
              dots.accumulate(rRows, pre, hh, 0);
              for (let j = 0; j < H; j++) {
                const c = sigmoid(pre[2 * H + j]!) * cc[j]! + sigmoid(pre[j]!) * Math.tanh(pre[3 * H + j]!);
                cc[j] = c;
                hh[j] = sigmoid(pre[H + j]!) * Math.tanh(c);
                if (Math.abs(c) > m) m = Math.abs(c);
              }
            }
          }
        }
        cmax.set(node.name, m);
      }
    },
    finish(table) {
      for (const [name, m] of cmax) table[`${name}::cell`] = { min: -m, max: m };
    },
  };
}
