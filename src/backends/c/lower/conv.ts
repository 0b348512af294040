import { convGeometry, convInputLayout } from '../../../ir/ops/conv.ts';
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
  if (convInputLayout(node) === 'NCHW') return lowerConvChannelsFirstInput(ctx, g, padValue);
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

/** Float Conv whose input stays channels-first (`x_layout: 'NCHW'`, an absorbed input transpose);
 * output channels-last. The weights are regrouped at compile time to [Cout, Cin/g, kH, kW]. */
function lowerConvChannelsFirstInput(ctx: LowerCtx, g: ReturnType<typeof convGeometry>, padValue: number[] | undefined): string {
  const node = ctx.node;
  const W = ctx.input(1).data;
  if (!W) throw new Error(`node '${node.name}': a channels-first input needs constant weights`);
  const { kH, kW, cinPerGroup: cpg, cout, group } = g;
  const wAt = (oc: number, kh: number, kw: number, ic: number): number => W[((oc * kH + kh) * kW + kw) * cpg + ic]!;
  const regrouped: string[] = [];
  for (let oc = 0; oc < cout; oc++)
    for (let ic = 0; ic < cpg; ic++)
      for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) regrouped.push(cFloat(wAt(oc, kh, kw, ic)));
  let padc = '';
  if (padValue) {
    const sums: string[] = [];
    for (let oc = 0; oc < cout; oc++) {
      const cbase = Math.floor(oc / (cout / group)) * cpg;
      for (let kh = 0; kh < kH; kh++)
        for (let kw = 0; kw < kW; kw++) {
          let s = 0;
          for (let ic = 0; ic < cpg; ic++) s += padValue[cbase + ic]! * wAt(oc, kh, kw, ic);
          sums.push(cFloat(s));
        }
    }
    padc = ctx.constArray('padc', 'float', sums);
  }
  return render('kernels/conv-cf.c', {
    ...g,
    x: ctx.arg(0),
    wT: ctx.constArray('w_cf', 'float', regrouped),
    bias: node.inputs[2] ? ctx.arg(2) : '',
    y: ctx.res(0),
    cin: g.channels,
    coutPerGroup: cout / group,
    grouped: group > 1,
    padc,
    clamp: clampLines(node, 'acc', cFloat),
    inSize: g.inH * g.inW * g.channels,
    xPlane: g.inH * g.inW,
    rowStep: g.dilH * g.inW,
    kHW: kH * kW,
    rowTaps: Array.from({ length: kW }, (_, kw) => `acc += xr[${kw * g.dilW}] * wr[${kw}];`),
    wPerOc: cpg * kH * kW,
    outSize: g.outH * g.outW * cout,
  });
}
