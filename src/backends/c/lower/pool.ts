import { attrInt } from '../../../ir/registry.ts';
import { poolGeometry } from '../../../ir/ops/pool.ts';
import { render } from '../templates.ts';
import { requireFloat, type LowerCtx } from './context.ts';

/** Max / average pooling (incl. global), channels-last; padded cells are skipped, and averages
 * divide by the cells counted (count_include_pad counts explicit padding). */
export function lowerPool(ctx: LowerCtx): string {
  requireFloat(ctx);
  const node = ctx.node;
  if (node.attrs['layout'] !== 'NHWC') throw new Error(`node '${node.name}': ${node.op} reached the C backend in channels-first layout`);
  const g = poolGeometry(node, ctx.input(0).shape);
  const isMax = node.op === 'MaxPool' || node.op === 'GlobalMaxPool';
  return render('kernels/pool.c', {
    ...g,
    isMax,
    includePad: !isMax && attrInt(node, 'count_include_pad', 0) === 1,
    x: ctx.arg(0),
    y: ctx.res(0),
    inSize: g.inH * g.inW * g.channels,
    outSize: g.outH * g.outW * g.channels,
    padH: g.inH + g.padBottom,
    padW: g.inW + g.padRight,
  });
}
