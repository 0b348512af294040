import { consumerMap, producerMap } from '../ir/graph.ts';
import { inferShapes } from '../ir/infer.ts';
import { transposeData, transposePerm } from '../ir/ops/transpose.ts';
import { allocData } from '../ir/dtype.ts';
import { traitsOf } from '../ir/registry.ts';
import type { Graph, Node } from '../ir/types.ts';
import { eliminateDeadCode } from './dead-code.ts';
import { addConstant, bypassNode, cloneGraph, freshName, freshNodeName } from './rewrite.ts';

// harc's kernels compute channels-last (NWC/NHWC), the layout CMSIS-NN and PULP-NN use, so a dot
// product runs over contiguous input channels. PyTorch exports channels-first. This pass wraps each
// channels-first op in transposes, then pushes transposes through layout-agnostic ops until
// opposite pairs meet and cancel. What is left stays at the model's boundary, so the generated API
// keeps the model's own layouts.

// Which ops have a channels-last form and which are elementwise: OpDef traits (src/ir/traits.ts).

export const toChannelsLast = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
export const invertPerm = (p: number[]): number[] => {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
};
const compose = (first: number[], second: number[]): number[] => second.map((s) => first[s]!);
const isIdentity = (p: number[]): boolean => p.every((v, i) => v === i);
// A Transpose without `perm` reverses the axes.
const permOf = (g: Graph, n: Node): number[] => transposePerm(n, g.tensors[n.inputs[0]!]!.shape.length);

function insertTranspose(g: Graph, input: string, perm: number[], output?: string, base = 'layout'): { node: Node; out: string } {
  const out = output ?? freshName(g, `${input}__${base}`);
  const node: Node = { name: freshNodeName(g, `${base}_transpose`), op: 'Transpose', inputs: [input], outputs: [out], attrs: { perm } };
  if (!g.tensors[out]) {
    const src = g.tensors[input]!;
    g.tensors[out] = { name: out, dtype: src.dtype, shape: perm.map((p) => src.shape[p]!) };
  }
  return { node, out };
}

function transposeConstant(g: Graph, name: string, perm: number[], rank?: number): string {
  const t = g.tensors[name]!;
  const r = rank ?? t.shape.length;
  const shape = [...new Array(r - t.shape.length).fill(1), ...t.shape];
  const data = allocData(t.dtype, t.data!.length);
  transposeData(t.data!, shape, perm, data);
  return addConstant(g, `${name}__cl`, { shape: perm.map((p) => shape[p]!), dtype: t.dtype, data });
}

/** Step 1: every channels-first op becomes its channels-last twin between two transposes. */
function wrapChannelOps(g: Graph): void {
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    const x = g.tensors[n.inputs[0]!];
    const r = x?.shape.length ?? 0;
    if (!traitsOf(n.op)?.channelsLast || n.attrs['layout'] === 'NHWC' || r < 3 || r > 4) {
      nodes.push(n);
      continue;
    }
    if (n.op === 'Conv' && !g.tensors[n.inputs[1]!]?.data) {
      nodes.push(n); // weights computed at run time: keep the reference layout
      continue;
    }
    const p = toChannelsLast(r);
    const inT = insertTranspose(g, n.inputs[0]!, p);
    const inputs = [inT.out, ...n.inputs.slice(1)];
    if (n.op === 'Conv') inputs[1] = transposeConstant(g, n.inputs[1]!, toChannelsLast(g.tensors[n.inputs[1]!]!.shape.length));
    const y = n.outputs[0]!;
    const yCl = freshName(g, `${y}__cl`);
    const yShape = g.tensors[y]!.shape;
    g.tensors[yCl] = { name: yCl, dtype: g.tensors[y]!.dtype, shape: p.map((i) => yShape[i]!) };
    const outT = insertTranspose(g, yCl, invertPerm(p), y);
    nodes.push(inT.node, { ...n, inputs, outputs: [yCl], attrs: { ...n.attrs, layout: 'NHWC' } }, outT.node);
  }
  g.nodes = nodes;
}

/** How a layout-agnostic op is rewritten to run before a transpose instead of after it. Returns the
 * perm of its output, or undefined if the op cannot be moved across. */
function pushThrough(g: Graph, n: Node, p: number[], srcOf: (input: string) => string | undefined): { inputs: string[]; attrs: Node['attrs']; outPerm: number[] } | undefined {
  const r = p.length;
  const mapAxis = (a: number): number => p[a < 0 ? a + r : a]!;
  if (traitsOf(n.op)?.elementwise === 'unary') {
    const src = srcOf(n.inputs[0]!);
    return src ? { inputs: [src, ...n.inputs.slice(1)], attrs: n.attrs, outPerm: p } : undefined;
  }
  if (traitsOf(n.op)?.elementwise === 'binary') {
    const inputs: string[] = [];
    let moved = false;
    for (const i of n.inputs) {
      const src = srcOf(i);
      const t = g.tensors[i]!;
      if (src) {
        inputs.push(src);
        moved = true;
      } else if (t.data && t.shape.length <= r) inputs.push(transposeConstant(g, i, invertPerm(p), r));
      else return undefined;
    }
    const outRank = g.tensors[n.outputs[0]!]!.shape.length;
    return moved && outRank === r ? { inputs, attrs: n.attrs, outPerm: p } : undefined;
  }
  if (n.op === 'Concat') {
    const srcs = n.inputs.map(srcOf);
    if (srcs.some((s) => !s)) return undefined;
    return { inputs: srcs as string[], attrs: { ...n.attrs, axis: mapAxis(n.attrs['axis'] as number) }, outPerm: p };
  }
  if (n.op === 'Softmax' && !n.attrs['coerce_2d']) {
    const src = srcOf(n.inputs[0]!);
    return src ? { inputs: [src], attrs: { ...n.attrs, axis: mapAxis((n.attrs['axis'] as number | undefined) ?? -1) }, outPerm: p } : undefined;
  }
  if (n.op === 'Slice') {
    const src = srcOf(n.inputs[0]!);
    const starts = g.tensors[n.inputs[1]!];
    const axesT = n.inputs[3] ? g.tensors[n.inputs[3]] : undefined;
    if (!src || !starts?.data || (n.inputs[3] && !axesT?.data)) return undefined;
    const axes = axesT?.data ? Array.from(axesT.data) : Array.from(starts.data, (_, i) => i);
    const axesName = addConstant(g, `${n.name}__axes_cl`, { shape: [axes.length], dtype: 'int64', data: Float64Array.from(axes.map(mapAxis)) });
    const inputs = [src, n.inputs[1]!, n.inputs[2]!, axesName, ...(n.inputs[4] ? [n.inputs[4]] : [])];
    return { inputs, attrs: n.attrs, outPerm: p };
  }
  if (n.op === 'Pad') {
    const src = srcOf(n.inputs[0]!);
    const pads = n.inputs[1] ? g.tensors[n.inputs[1]] : undefined;
    if (!src || !pads?.data || pads.data.length !== 2 * r || n.inputs[3]) return undefined;
    const inv = invertPerm(p);
    const moved = [...inv.map((a) => pads.data![a]!), ...inv.map((a) => pads.data![a + r]!)];
    const padsName = addConstant(g, `${n.inputs[1]}__cl`, { shape: [2 * r], dtype: 'int64', data: Float64Array.from(moved) });
    return { inputs: [src, padsName, ...n.inputs.slice(2)], attrs: n.attrs, outPerm: p };
  }
  if (traitsOf(n.op)?.reduction) {
    const src = srcOf(n.inputs[0]!);
    const axesT = n.inputs[1] ? g.tensors[n.inputs[1]] : undefined;
    const axes = axesT?.data ? Array.from(axesT.data) : (n.attrs['axes'] as number[] | undefined);
    if (!src || !axes || axes.length === 0 || (n.inputs[1] && !axesT?.data)) return undefined;
    const newAxes = axes.map(mapAxis);
    const keep = n.attrs['keepdims'] !== 0;
    const norm = axes.map((a) => (a < 0 ? a + r : a));
    const outPerm = keep ? p : renumber(p.filter((_, i) => !norm.includes(i)));
    return { inputs: [src], attrs: { ...n.attrs, axes: newAxes }, outPerm };
  }
  return undefined;
}

const renumber = (p: number[]): number[] => {
  const sorted = [...p].sort((a, b) => a - b);
  return p.map((v) => sorted.indexOf(v));
};

/** Step 2: compose adjacent transposes, drop identities, push transposes towards the outputs. */
function sinkTransposes(graph: Graph): Graph {
  let g = graph;
  for (let iter = 0; iter < 1000; iter++) {
    g = cloneGraph(g);
    const prod = producerMap(g);
    let changed = false;
    for (const n of g.nodes) {
      if (n.op !== 'Transpose') continue;
      const src = prod.get(n.inputs[0]!);
      if (src?.op === 'Transpose') {
        n.attrs = { perm: compose(permOf(g, src), permOf(g, n)) };
        n.inputs = [src.inputs[0]!];
        changed = true;
        break;
      }
      if (isIdentity(permOf(g, n))) {
        const before = g.nodes.length;
        bypassNode(g, n);
        if (g.nodes.length < before) {
          changed = true;
          break;
        }
      }
      // the same transpose of the same tensor twice (two consumers were wrapped): keep one
      const twin = g.nodes.find((m) => m !== n && m.op === 'Transpose' && m.inputs[0] === n.inputs[0] && permOf(g, m).join() === permOf(g, n).join());
      if (twin && g.nodes.indexOf(twin) < g.nodes.indexOf(n) && !g.outputs.includes(n.outputs[0]!)) {
        for (const m of g.nodes) m.inputs = m.inputs.map((i) => (i === n.outputs[0] ? twin.outputs[0]! : i));
        g.nodes = g.nodes.filter((m) => m !== n);
        changed = true;
        break;
      }
    }
    if (!changed) {
      const cons = consumerMap(g);
      for (const n of g.nodes) {
        if (n.op === 'Transpose') continue;
        // all non-constant inputs must come from transposes with one and the same perm
        let perm: number[] | undefined;
        const srcOf = (input: string): string | undefined => {
          const t = prod.get(input);
          if (t?.op !== 'Transpose') return undefined;
          return t.inputs[0]!;
        };
        const perms = n.inputs.filter((i) => i && !g.tensors[i]?.data).map((i) => prod.get(i));
        if (perms.length === 0 || perms.some((t) => t?.op !== 'Transpose')) continue;
        perm = permOf(g, perms[0]!);
        if (perms.some((t) => permOf(g, t!).join() !== perm!.join())) continue;
        const pushed = pushThrough(g, n, perm, srcOf);
        if (!pushed) continue;
        // n now computes in the pre-transpose layout; a transpose after it restores its output
        const y = n.outputs[0]!;
        const yPre = freshName(g, `${y}__pre`);
        const yShape = g.tensors[y]!.shape;
        g.tensors[yPre] = { name: yPre, dtype: g.tensors[y]!.dtype, shape: invertPerm(pushed.outPerm).map((i) => yShape[i]!) };
        n.inputs = pushed.inputs;
        n.attrs = pushed.attrs;
        n.outputs = [yPre, ...n.outputs.slice(1)];
        const t = insertTranspose(g, yPre, pushed.outPerm, y);
        g.nodes.splice(g.nodes.indexOf(n) + 1, 0, t.node);
        void cons;
        changed = true;
        break;
      }
    }
    g = eliminateDeadCode(g);
    if (!changed) break;
  }
  return g;
}

export function convertToChannelsLast(graph: Graph): Graph {
  const g = cloneGraph(graph);
  wrapChannelOps(g);
  return inferShapes(sinkTransposes(inferShapes(g, { fold: true })), { fold: true });
}
