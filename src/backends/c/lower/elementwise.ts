import { attrFloat } from '../../../ir/registry.ts';
import { cFloat } from '../c-literals.ts';
import { broadcastStrides, contiguous, loopNest } from '../loop-nest.ts';
import { render } from '../templates.ts';
import { clampLines, requireFloat, type LowerCtx } from './context.ts';

/** C expression of each unary op applied to `v`. */
const UNARY: Record<string, (ctx: LowerCtx) => string> = {
  Relu: () => 'v > 0.0f ? v : 0.0f',
  LeakyRelu: (c) => `v >= 0.0f ? v : v * ${cFloat(attrFloat(c.node, 'alpha'))}`,
  Sigmoid: (c) => (c.useMath(), '1.0f / (1.0f + expf(-v))'),
  Tanh: (c) => (c.useMath(), 'tanhf(v)'),
  HardSigmoid: (c) => `harc_clamp01(${cFloat(attrFloat(c.node, 'alpha'))} * v + ${cFloat(attrFloat(c.node, 'beta'))})`,
  HardSwish: () => 'v * harc_clamp01(v / 6.0f + 0.5f)',
  Identity: () => 'v',
  Neg: () => '-v',
  Abs: () => 'v < 0.0f ? -v : v',
  Exp: (c) => (c.useMath(), 'expf(v)'),
  Elu: (c) => (c.useMath(), `v >= 0.0f ? v : ${cFloat(attrFloat(c.node, 'alpha'))} * (expf(v) - 1.0f)`),
  Selu: (c) => (c.useMath(), `${cFloat(attrFloat(c.node, 'gamma'))} * (v > 0.0f ? v : ${cFloat(attrFloat(c.node, 'alpha'))} * (expf(v) - 1.0f))`),
  // softplus without overflow: max(v, 0) + log(1 + e^-|v|)
  Softplus: (c) => (c.useMath(), 'v > 0.0f ? v + log1pf(expf(-v)) : log1pf(expf(v))'),
  Softsign: () => 'v / (1.0f + (v < 0.0f ? -v : v))',
  Sqrt: (c) => (c.useMath(), 'sqrtf(v)'),
  Reciprocal: () => '1.0f / v',
  Clip: (c) => {
    const bound = (i: number): number | undefined => (c.node.inputs[i] ? c.input(i).data?.[0] : undefined);
    const lo = bound(1);
    const hi = bound(2);
    if ((c.node.inputs[1] && lo === undefined) || (c.node.inputs[2] && hi === undefined))
      throw new Error(`node '${c.node.name}' (Clip): min and max must be compile-time constants`);
    let e = 'v';
    if (lo !== undefined) e = `(${e} < ${cFloat(lo)} ? ${cFloat(lo)} : ${e})`;
    if (hi !== undefined) e = `(${e} > ${cFloat(hi)} ? ${cFloat(hi)} : ${e})`;
    return e;
  },
};
UNARY['Dropout'] = UNARY['Identity']!;

export const unaryOps = Object.keys(UNARY);

export function lowerUnary(ctx: LowerCtx): string {
  requireFloat(ctx);
  const shape = ctx.output(0).shape;
  const nest = loopNest(shape, [contiguous(shape), contiguous(shape)]);
  return render('kernels/loop-nest.c', {
    decls: [],
    loops: nest.loops,
    statements: [`const float v = ${ctx.arg(0)}[${nest.index[1]}];`, `${ctx.res(0)}[${nest.index[0]}] = ${UNARY[ctx.node.op]!(ctx)};`],
  });
}

const BINARY: Record<string, string> = { Add: '+', Sub: '-', Mul: '*', Div: '/' };
export const binaryOps = Object.keys(BINARY);

/** Elementwise binary op with numpy broadcasting resolved into compile-time strides. */
export function lowerBinary(ctx: LowerCtx): string {
  requireFloat(ctx);
  const shape = ctx.output(0).shape;
  const nest = loopNest(shape, [contiguous(shape), { strides: broadcastStrides(ctx.input(0).shape, shape), base: 0 }, { strides: broadcastStrides(ctx.input(1).shape, shape), base: 0 }]);
  return render('kernels/loop-nest.c', {
    decls: [],
    loops: nest.loops,
    statements: [
      `float acc = ${ctx.arg(0)}[${nest.index[1]}] ${BINARY[ctx.node.op]} ${ctx.arg(1)}[${nest.index[2]}];`,
      ...clampLines(ctx.node, 'acc', cFloat),
      `${ctx.res(0)}[${nest.index[0]}] = acc;`,
    ],
  });
}
