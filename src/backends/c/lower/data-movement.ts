import { gatherIndices } from '../../../ir/ops/gather.ts';
import { padSpec } from '../../../ir/ops/pad.ts';
import { sliceSpec } from '../../../ir/ops/slice.ts';
import { transposePerm } from '../../../ir/ops/transpose.ts';
import { attrInt } from '../../../ir/registry.ts';
import { normAxis, numel, stridesOf } from '../../../ir/shape.ts';
import { cTypeOf } from '../../../ir/dtype.ts';
import { cLiteral } from '../c-literals.ts';
import { broadcastStrides, contiguous, loopNest, type StridedOperand } from '../loop-nest.ts';
import { render } from '../templates.ts';
import type { LowerCtx } from './context.ts';

// Ops that only move bytes: each is a strided copy (dtype-agnostic).

function copy(shape: number[], dst: string, dstOp: StridedOperand, src: string, srcOp: StridedOperand): string {
  const nest = loopNest(shape, [dstOp, srcOp]);
  return render('kernels/loop-nest.c', { decls: [], loops: nest.loops, statements: [`${dst}[${nest.index[0]}] = ${src}[${nest.index[1]}];`] });
}

export function lowerTranspose(ctx: LowerCtx): string {
  const x = ctx.input(0);
  const perm = transposePerm(ctx.node, x.shape.length);
  const inStrides = stridesOf(x.shape);
  const shape = ctx.output(0).shape;
  return copy(shape, ctx.res(0), contiguous(shape), ctx.arg(0), { strides: perm.map((p) => inStrides[p]!), base: 0 });
}

export function lowerSlice(ctx: LowerCtx): string {
  const x = ctx.input(0);
  const { start, step, shape } = sliceSpec(ctx.node, ctx.node.inputs.map((n) => (n ? ctx.graph.tensors[n] : undefined)));
  const inStrides = stridesOf(x.shape);
  const base = start.reduce((s, v, d) => s + v * inStrides[d]!, 0);
  return copy(shape, ctx.res(0), contiguous(shape), ctx.arg(0), { strides: inStrides.map((s, d) => s * step[d]!), base });
}

export function lowerExpand(ctx: LowerCtx): string {
  const shape = ctx.output(0).shape;
  return copy(shape, ctx.res(0), contiguous(shape), ctx.arg(0), { strides: broadcastStrides(ctx.input(0).shape, shape), base: 0 });
}

export function lowerCopy(ctx: LowerCtx): string {
  const shape = ctx.output(0).shape;
  return copy(shape, ctx.res(0), contiguous(shape), ctx.arg(0), contiguous(shape));
}

/** The code of a Concat, one piece per input: `piece` gets the input's index and shape and where its
 * slice sits in the output (the output's strides, the slice's first element). */
export function concatPieces(ctx: LowerCtx, piece: (i: number, shape: number[], slice: { strides: number[]; base: number }) => string): string {
  const out = ctx.output(0);
  const axis = normAxis(attrInt(ctx.node, 'axis'), out.shape.length);
  const outStrides = stridesOf(out.shape);
  let offset = 0;
  return ctx.node.inputs
    .map((_, i) => {
      const shape = ctx.input(i).shape;
      const code = piece(i, shape, { strides: outStrides, base: offset * outStrides[axis]! });
      offset += shape[axis]!;
      return code;
    })
    .join('');
}

/** Each input is copied into its slice of the output. */
export const lowerConcat = (ctx: LowerCtx): string => concatPieces(ctx, (i, shape, slice) => copy(shape, ctx.res(0), slice, ctx.arg(i), contiguous(shape)));

export function lowerGather(ctx: LowerCtx): string {
  const x = ctx.input(0);
  const { axis, indices } = gatherIndices(ctx.node, ctx.node.inputs.map((n) => (n ? ctx.graph.tensors[n] : undefined)));
  const outer = numel(x.shape.slice(0, axis));
  const inner = numel(x.shape.slice(axis + 1));
  const dim = x.shape[axis]!;
  return indices
    .map((idx, j) =>
      copy([outer, inner], ctx.res(0), { strides: [indices.length * inner, 1], base: j * inner }, ctx.arg(0), { strides: [dim * inner, 1], base: idx * inner }),
    )
    .join('');
}

export function lowerPad(ctx: LowerCtx): string {
  const x = ctx.input(0);
  const out = ctx.output(0);
  const { begin, value } = padSpec(ctx.node, ctx.node.inputs.map((n) => (n ? ctx.graph.tensors[n] : undefined)));
  const outStrides = stridesOf(out.shape);
  const fill = `  for (int i = 0; i < ${numel(out.shape)}; ++i) ${ctx.res(0)}[i] = (${cTypeOf(out.dtype)})${cLiteral(out.dtype, value)};\n`;
  const base = begin.reduce((s, b, d) => s + b * outStrides[d]!, 0);
  return fill + copy(x.shape, ctx.res(0), { strides: outStrides, base }, ctx.arg(0), contiguous(x.shape));
}
