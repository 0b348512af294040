import { inputError } from '../../../ir/errors.ts';
import type { Graph, Node, Tensor } from '../../../ir/types.ts';

/** What a kernel lowering sees: the node, its tensors, and the C expressions for its operands
 * (a layer-function parameter for activations, a const array for constants). */
export interface LowerCtx {
  graph: Graph;
  node: Node;
  input(i: number): Tensor;
  output(i: number): Tensor;
  /** C expression of input i's pointer ('' when the optional input is omitted). */
  arg(i: number): string;
  res(i: number): string;
  /** Declares a private constant array for this layer and returns its C name. */
  constArray(suffix: string, ctype: string, values: string[]): string;
  useMath(): void;
  /** Scratch memory for this kernel: `bytes` bytes of the arena, planned like a tensor live only
   * during this node's step. Returns the C name of a `ctype *` parameter pointing at it. */
  scratch(bytes: number, ctype?: string): string;
}

/** C for one node. A lowering that asks for scratch (ctx.scratch) declares how many bytes, as a
 * pure function of the graph, so memory planning never runs it; emitting checks the request
 * matches the declaration. */
export type Lowering = ((ctx: LowerCtx) => string) & { scratchBytes?: (graph: Graph, node: Node) => number };

/** A lowering with its declared scratch size. */
export const withScratch = (lower: (ctx: LowerCtx) => string, scratchBytes: (graph: Graph, node: Node) => number): Lowering =>
  Object.assign((ctx: LowerCtx) => lower(ctx), { scratchBytes });

export function requireFloat(ctx: LowerCtx): void {
  const bad = [...ctx.node.inputs.map((_, i) => (ctx.node.inputs[i] ? ctx.input(i) : undefined)), ...ctx.node.outputs.map((_, i) => ctx.output(i))]
    .filter((t, i) => t && t.dtype !== 'float32' && i === 0);
  if (bad.length > 0)
    throw inputError(`node '${ctx.node.name}' (${ctx.node.op}): the C backend supports float32 tensors here, not ${bad[0]!.dtype} ('${bad[0]!.name}')`);
}

/** Clamp statements for a fused activation (act_min / act_max). */
export function clampLines(node: Node, v: string, cfloat: (x: number) => string): string[] {
  const lines: string[] = [];
  if (typeof node.attrs['act_min'] === 'number') lines.push(`if (${v} < ${cfloat(node.attrs['act_min'])}) ${v} = ${cfloat(node.attrs['act_min'])};`);
  if (typeof node.attrs['act_max'] === 'number') lines.push(`if (${v} > ${cfloat(node.attrs['act_max'])}) ${v} = ${cfloat(node.attrs['act_max'])};`);
  return lines;
}
