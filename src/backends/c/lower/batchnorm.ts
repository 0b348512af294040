import { attrFloat } from '../../../ir/registry.ts';
import { numel } from '../../../ir/shape.ts';
import { cFloat } from '../c-literals.ts';
import { render } from '../templates.ts';
import { requireFloat, type LowerCtx } from './context.ts';

/** A BatchNormalization no Conv/Gemm could absorb: y = x·k[c] + d[c] with k, d folded at compile time. */
export function lowerBatchNorm(ctx: LowerCtx): string {
  requireFloat(ctx);
  const x = ctx.input(0);
  const nhwc = ctx.node.attrs['layout'] === 'NHWC';
  const channels = nhwc ? x.shape[x.shape.length - 1]! : x.shape[1]!;
  const eps = attrFloat(ctx.node, 'epsilon');
  const p = [1, 2, 3, 4].map((i) => ctx.input(i).data!);
  const [gamma, beta, mean, variance] = p as unknown as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
  const k = Array.from({ length: channels }, (_, c) => gamma[c]! / Math.sqrt(Math.fround(variance[c]!) + Math.fround(eps)));
  const d = k.map((kc, c) => beta[c]! - mean[c]! * kc);
  const inner = nhwc ? 1 : numel(x.shape.slice(2));
  return render('kernels/channel-affine.c', {
    outer: numel(x.shape) / (channels * inner),
    channels,
    inner,
    k: ctx.constArray('scale', 'float', k.map(cFloat)),
    d: ctx.constArray('shift', 'float', d.map(cFloat)),
    x: ctx.arg(0),
    y: ctx.res(0),
  });
}
