import { producerMap } from '../ir/graph.ts';
import { transposeData, transposePerm } from '../ir/ops/transpose.ts';
import { allocData } from '../ir/dtype.ts';
import type { Graph, Node } from '../ir/types.ts';
import { addConstant, cloneGraph, freshName, singleConsumer } from './rewrite.ts';

// A channels-first model that normalises its input, (x − mean) / std, before a Conv leaves, after
// the layout pass, Sub → Div → Transpose → Conv(NHWC): the transpose stands between the affine ops
// and the Conv, so fold-affine-consumers cannot fold them. An elementwise op with a constant commutes
// with a transpose (the constant is transposed with it), so this pass moves the transpose above the
// affine ops when that puts them right before a Conv/Gemm they fold into.

const AFFINE = new Set(['Add', 'Sub', 'Mul', 'Div']);

/** Position of the constant operand of an affine op whose other operand is computed, if any. */
function constantSlot(g: Graph, n: Node): 0 | 1 | undefined {
  if (!AFFINE.has(n.op) || n.inputs.length !== 2) return undefined;
  const [a, b] = n.inputs.map((i) => g.tensors[i]!);
  if (b?.data && !a?.data) return 1;
  if (a?.data && !b?.data) return 0;
  return undefined;
}

/** Whether `tensor` feeds, through a chain of single-consumer affine ops with constants, the data
 * input of a Conv (channels-last, one group) or Gemm that fold-affine-consumers absorbs. */
function reachesFoldingConsumer(g: Graph, tensor: string): boolean {
  for (let t = tensor, guard = 0; guard < g.nodes.length; guard++) {
    const c = singleConsumer(g, t);
    if (!c || c.inputs[0] !== t) return false;
    if (c.op === 'Conv') return c.attrs['layout'] === 'NHWC' && Number(c.attrs['group'] ?? 1) === 1 && !!g.tensors[c.inputs[1]!]?.data;
    if (c.op === 'Gemm') return !c.attrs['transA'] && !!g.tensors[c.inputs[1]!]?.data;
    if (constantSlot(g, c) !== 1) return false;
    t = c.outputs[0]!;
  }
  return false;
}

/** Affine(x, c) → Transpose becomes Transpose(x) → Affine(·, cᵀ) when the affine output feeds only
 * the transpose and its shape is x's (the constant does not broadcast x). */
function hoistOne(g: Graph, t: Node): boolean {
  const a = t.inputs[0]!;
  const p = producerMap(g).get(a);
  if (!p || singleConsumer(g, a) !== t) return false;
  const slot = constantSlot(g, p);
  if (slot === undefined) return false;
  const x = p.inputs[1 - slot]!;
  const xs = g.tensors[x]!.shape;
  if (g.tensors[a]!.shape.join() !== xs.join()) return false;
  if (!reachesFoldingConsumer(g, t.outputs[0]!)) return false;
  const perm = transposePerm(t, xs.length);
  const c = g.tensors[p.inputs[slot]!]!;
  if (c.shape.length > xs.length) return false;
  const cShape = [...new Array(xs.length - c.shape.length).fill(1), ...c.shape];
  const cData = allocData(c.dtype, c.data!.length);
  transposeData(c.data!, cShape, perm, cData);
  const cT = addConstant(g, `${c.name}__t`, { shape: perm.map((i) => cShape[i]!), dtype: c.dtype, data: cData });
  const xT = freshName(g, `${x}__t`);
  g.tensors[xT] = { name: xT, dtype: g.tensors[x]!.dtype, shape: perm.map((i) => xs[i]!) };
  // the transpose now reads x; the affine op reads its output and writes what the transpose wrote
  const y = t.outputs[0]!;
  t.inputs = [x];
  t.outputs = [xT];
  p.inputs = slot === 1 ? [xT, cT] : [cT, xT];
  p.outputs = [y];
  delete g.tensors[a];
  // keep a valid topological order: the transpose goes where the affine op was
  const nodes = g.nodes.filter((n) => n !== t);
  nodes.splice(nodes.indexOf(p), 0, t);
  g.nodes = nodes;
  return true;
}

export function hoistAffineAboveTranspose(graph: Graph): Graph {
  const g = cloneGraph(graph);
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of [...g.nodes]) if (n.op === 'Transpose' && hoistOne(g, n)) changed = true;
  }
  return g;
}
