import { consumerMap } from '../ir/graph.ts';
import { lookupOp, traitsOf } from '../ir/registry.ts';
import type { Graph, Node } from '../ir/types.ts';
import { perChannelConstant } from './channel-constants.ts';
import { addConstant, bypassNode, rewriteToFixpoint } from './rewrite.ts';

// (x − m)/s (or x·k + d) per feature on the input of LSTM / GRU / RNN layers folds into their input
// weights: W' = W·diag(k), Wb' = Wb + W·d (the R side is untouched). The sequence models normalise
// raw sensor channels this way; folding makes the graph input feed the recurrent layer through
// views only, so int8 can quantize it per channel (src/passes/quantize.ts) like a Conv input.

const isRecurrent = (op: string): boolean => !!traitsOf(op)?.recurrent;

/** A view that keeps the last axis (feature index = flat index mod C) and the rank. */
export function keepsLastAxis(g: Graph, n: Node): boolean {
  if (!lookupOp(n.op)?.isView && n.op !== 'Reshape' && n.op !== 'Transpose') return false;
  const x = g.tensors[n.inputs[0]!];
  const y = g.tensors[n.outputs[0]!];
  if (!x || !y || x.shape.length !== y.shape.length || x.shape.at(-1) !== y.shape.at(-1)) return false;
  if (n.op === 'Transpose') {
    const perm = n.attrs['perm'] as number[] | undefined;
    return !!perm && perm.at(-1) === perm.length - 1;
  }
  return n.op !== 'Transpose';
}

/** The recurrent nodes reached from `tensor` through last-axis-keeping views only (each reading it
 * as X), or undefined when any other reader (or a graph output) is in the way. */
export function recurrentReaders(g: Graph, tensor: string, cons = consumerMap(g)): Node[] | undefined {
  if (g.outputs.includes(tensor)) return undefined;
  const readers = cons.get(tensor) ?? [];
  if (readers.length === 0) return undefined;
  const out: Node[] = [];
  for (const r of readers) {
    if (isRecurrent(r.op) && r.inputs[0] === tensor && !r.inputs.slice(1).includes(tensor)) out.push(r);
    else if (keepsLastAxis(g, r) && r.inputs[0] === tensor) {
      const more = recurrentReaders(g, r.outputs[0]!, cons);
      if (!more) return undefined;
      out.push(...more);
    } else return undefined;
  }
  return out;
}

function foldOne(g: Graph, node: Node): boolean {
  if (!traitsOf(node.op)?.affine) return false;
  const [a, b] = node.inputs as [string, string];
  const cName = g.tensors[b]?.data && !g.tensors[a]?.data ? b : (node.op === 'Add' || node.op === 'Mul') && g.tensors[a]?.data && !g.tensors[b]?.data ? a : undefined;
  if (!cName) return false;
  const x = cName === b ? a : b;
  const xt = g.tensors[x];
  const yt = g.tensors[node.outputs[0]!];
  if (!xt || !yt || xt.shape.join() !== yt.shape.join() || xt.dtype !== 'float32') return false;
  const C = xt.shape.at(-1)!;
  const c = perChannelConstant(g.tensors[cName], xt.shape.length, xt.shape.length - 1, C);
  if (!c) return false;
  const targets = recurrentReaders(g, node.outputs[0]!);
  if (!targets || targets.length === 0) return false;
  // x' = k·x + d
  const k = node.op === 'Mul' ? c : node.op === 'Div' ? c.map((v) => 1 / v) : c.map(() => 1);
  const d = node.op === 'Add' ? c : node.op === 'Sub' ? c.map((v) => -v) : c.map(() => 0);
  if (k.some((v) => !Number.isFinite(v))) return false;
  for (const r of targets) {
    const w = g.tensors[r.inputs[1]!];
    const rr = g.tensors[r.inputs[2]!];
    if (!w?.data || !rr || w.shape[2] !== C) return false;
    if (r.inputs[3] && !g.tensors[r.inputs[3]]?.data) return false;
  }
  for (const r of targets) {
    const w = g.tensors[r.inputs[1]!]!;
    const [D, GH] = [w.shape[0]!, w.shape[1]!];
    const wd = w.data!;
    const nw = new Float32Array(wd.length);
    const bias = new Float32Array(D * 2 * GH);
    if (r.inputs[3]) bias.set(g.tensors[r.inputs[3]]!.data as Float32Array);
    for (let dd = 0; dd < D; dd++)
      for (let j = 0; j < GH; j++) {
        let acc = 0;
        for (let i = 0; i < C; i++) {
          const v = wd[(dd * GH + j) * C + i]!;
          nw[(dd * GH + j) * C + i] = v * k[i]!;
          acc += v * d[i]!;
        }
        bias[dd * 2 * GH + j] = bias[dd * 2 * GH + j]! + acc;
      }
    r.inputs[1] = addConstant(g, `${w.name}__affine`, { shape: w.shape, dtype: 'float32', data: nw });
    while (r.inputs.length < 4) r.inputs.push('');
    r.inputs[3] = addConstant(g, `${r.name}__B_affine`, { shape: [D, 2 * GH], dtype: 'float32', data: bias });
  }
  node.inputs = [x];
  bypassNode(g, node);
  return true;
}

export const foldAffineIntoRecurrent = (graph: Graph): Graph => rewriteToFixpoint(graph, foldOne);
