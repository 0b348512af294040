import { convGeometry } from '../../../ir/ops/conv.ts';
import { cFloat } from '../c-literals.ts';
import { render } from '../templates.ts';
import { clampLines, requireFloat, type LowerCtx } from './context.ts';

/** Float Conv, channels-last (NWC / NHWC), any group count incl. depthwise, weights [Cout, kH, kW, Cin/g]. */
export function lowerConv(ctx: LowerCtx): string {
  requireFloat(ctx);
  const node = ctx.node;
  if (node.attrs['layout'] !== 'NHWC') throw new Error(`node '${node.name}': Conv reached the C backend in channels-first layout`);
  const g = convGeometry(node, ctx.input(0).shape, ctx.input(1).shape);
  const padValue = Array.isArray(node.attrs['pad_value']) ? (node.attrs['pad_value'] as number[]) : undefined;
  return render('kernels/conv.c', {
    ...g,
    x: ctx.arg(0),
    w: ctx.arg(1),
    bias: node.inputs[2] ? ctx.arg(2) : '',
    y: ctx.res(0),
    cin: g.channels,
    coutPerGroup: g.cout / g.group,
    grouped: g.group > 1,
    padv: padValue ? ctx.constArray('padv', 'float', padValue.map(cFloat)) : '',
    clamp: clampLines(node, 'acc', cFloat),
    inSize: g.inH * g.inW * g.channels,
    outSize: g.outH * g.outW * g.cout,
  });
}
