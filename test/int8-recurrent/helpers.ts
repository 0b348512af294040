import { numel } from '../../src/ir/shape.ts';
import type { AttrValue, Graph, Value } from '../../src/ir/types.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { interpretQuantized } from '../../src/ir/int8/interpret.ts';
import { G, splitRows } from '../int8/helpers.ts';

export const RECURRENT_GATES: Record<string, number> = { LSTM: 4, GRU: 3, RNN: 1 };

export interface RecurrentCase {
  name: string;
  op: 'LSTM' | 'GRU' | 'RNN';
  seq: number;
  batch?: number;
  input: number;
  hidden: number;
  attrs?: Record<string, AttrValue>;
  /** Which outputs are graph outputs: Y always; 'h' adds Y_h, 'c' adds Y_c (LSTM). */
  outputs?: ('h' | 'c')[];
  layout?: 0 | 1;
  bias?: boolean;
}

/** One recurrent node with random weights (ONNX layout), zero-free bias, no initial state. */
export function recurrentGraph(c: RecurrentCase, seed = 3): Graph {
  const b = new G(seed);
  const batch = c.batch ?? 1;
  const dirs = c.attrs?.['direction'] === 'bidirectional' ? 2 : 1;
  const gates = RECURRENT_GATES[c.op]!;
  const x = b.input(c.layout === 1 ? [batch, c.seq, c.input] : [c.seq, batch, c.input]);
  const w = b.const([dirs, gates * c.hidden, c.input], 0.8);
  const r = b.const([dirs, gates * c.hidden, c.hidden], 0.6);
  const bias = c.bias === false ? '' : b.const([dirs, 2 * gates * c.hidden], 0.4);
  const outs = ['y', 'y_h', ...(c.op === 'LSTM' ? ['y_c'] : [])];
  b.nodes.push({ name: `${c.op.toLowerCase()}_node`, op: c.op, inputs: [x, w, r, ...(bias ? [bias] : [])], outputs: outs, attrs: { hidden_size: c.hidden, ...(c.layout ? { layout: c.layout } : {}), ...c.attrs } });
  const wanted = ['y', ...(c.outputs?.includes('h') ? ['y_h'] : []), ...(c.outputs?.includes('c') ? ['y_c'] : [])];
  return b.graph(wanted);
}

/** The integer reference's output bytes (every graph output's raw little-endian bytes, in order). */
export function referenceRaw(q: Graph, xq: Int8Array): Uint8Array {
  const shape = q.tensors[q.inputs[0]!]!.shape;
  const per = numel(shape);
  const parts: number[] = [];
  for (let i = 0; i < xq.length / per; i++) {
    const outs = interpretQuantized(q, { [q.inputs[0]!]: { shape, dtype: 'int8', data: xq.subarray(i * per, (i + 1) * per) } });
    for (const o of q.outputs) {
      const d = outs[o]!.data as Int8Array | Int16Array;
      parts.push(...new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  }
  return Uint8Array.from(parts);
}

/** Max |dequantized int8 reference − float reference| per graph output, and each output's scale. */
export function floatError(float: Graph, q: Graph, x: Value, xq: Int8Array): { output: string; maxErr: number; scale: number; maxAbs: number }[] {
  const shape = q.tensors[q.inputs[0]!]!.shape;
  const per = numel(shape);
  const res = q.outputs.map((o) => ({ output: o, maxErr: 0, scale: q.tensors[o]!.quant!.scale[0]!, maxAbs: 0 }));
  splitRows(x, float.tensors[float.inputs[0]!]!.shape).forEach((row, i) => {
    const f = interpret(float, { [float.inputs[0]!]: row[0]! });
    const qo = interpretQuantized(q, { [q.inputs[0]!]: { shape, dtype: 'int8', data: xq.subarray(i * per, (i + 1) * per) } });
    q.outputs.forEach((o, k) => {
      const tq = q.tensors[o]!.quant!;
      const fd = f[float.outputs[k]!]!.data;
      const qd = qo[o]!.data;
      for (let j = 0; j < fd.length; j++) {
        const e = Math.abs(tq.scale[0]! * (qd[j]! - tq.zeroPoint[0]!) - fd[j]!);
        res[k]!.maxErr = Math.max(res[k]!.maxErr, e);
        res[k]!.maxAbs = Math.max(res[k]!.maxAbs, Math.abs(fd[j]!));
      }
    });
  });
  return res;
}
