import { reduceAxes } from '../../../ir/ops/reduce.ts';
import { numel, stridesOf } from '../../../ir/shape.ts';
import { cFloat } from '../c-literals.ts';
import { contiguous, loopNest } from '../loop-nest.ts';
import { render } from '../templates.ts';
import { requireFloat, type LowerCtx } from './context.ts';

/** ReduceMean/Max/Sum: walk the input once, accumulating into the output (reduced axes have
 * output stride 0), then finish (divide for the mean). */
export function lowerReduce(ctx: LowerCtx): string {
  requireFloat(ctx);
  const node = ctx.node;
  const x = ctx.input(0);
  const rank = x.shape.length;
  const axes = reduceAxes(node, node.inputs.map((n) => (n ? ctx.graph.tensors[n] : undefined)), rank);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(kept).map((s, i) => (axes.includes(i) ? 0 : s));
  const count = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const nOut = numel(kept);
  const nest = loopNest(x.shape, [{ strides: keptStrides, base: 0 }, contiguous(x.shape)]);
  const isMax = node.op === 'ReduceMax';
  const y = ctx.res(0);
  const init = `  for (int i = 0; i < ${nOut}; ++i) ${y}[i] = ${isMax ? '-HUGE_VALF' : '0.0f'};\n`;
  const acc = render('kernels/loop-nest.c', {
    decls: [],
    loops: nest.loops,
    statements: isMax
      ? [`const float v = ${ctx.arg(0)}[${nest.index[1]}];`, `if (v > ${y}[${nest.index[0]}]) ${y}[${nest.index[0]}] = v;`]
      : [`${y}[${nest.index[0]}] += ${ctx.arg(0)}[${nest.index[1]}];`],
  });
  const finish = node.op === 'ReduceMean' ? `  for (int i = 0; i < ${nOut}; ++i) ${y}[i] *= ${cFloat(1 / count)};\n` : '';
  return init + acc + finish;
}
