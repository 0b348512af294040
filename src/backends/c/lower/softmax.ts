import { attrInt } from '../../../ir/registry.ts';
import { normAxis, numel } from '../../../ir/shape.ts';
import { render } from '../templates.ts';
import { requireFloat, type LowerCtx } from './context.ts';

export function lowerSoftmax(ctx: LowerCtx): string {
  requireFloat(ctx);
  ctx.useMath();
  const shape = ctx.input(0).shape;
  const axis = normAxis(attrInt(ctx.node, 'axis'), shape.length);
  const coerce = ctx.node.attrs['coerce_2d'] === 1;
  return render('kernels/softmax.c', {
    outer: numel(shape.slice(0, axis)),
    n: coerce ? numel(shape.slice(axis)) : shape[axis]!,
    inner: coerce ? 1 : numel(shape.slice(axis + 1)),
    x: ctx.arg(0),
    y: ctx.res(0),
  });
}
