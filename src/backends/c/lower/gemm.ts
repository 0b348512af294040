import { attrFloat, attrInt } from '../../../ir/registry.ts';
import { cFloat } from '../c-literals.ts';
import { broadcastStrides } from '../loop-nest.ts';
import { render } from '../templates.ts';
import { clampLines, requireFloat, type LowerCtx } from './context.ts';

/** Y[m][n] = act(alpha·Σk A'[m][k]·B'[k][n] + beta·C[m][n]), transposes and C's broadcast as
 * compile-time strides. */
export function lowerGemm(ctx: LowerCtx): string {
  requireFloat(ctx);
  const node = ctx.node;
  const [m, n] = ctx.output(0).shape as [number, number];
  const a = ctx.input(0).shape;
  const k = attrInt(node, 'transA') ? a[0]! : a[1]!;
  const ta = attrInt(node, 'transA') === 1;
  const tb = attrInt(node, 'transB') === 1;
  const alpha = attrFloat(node, 'alpha');
  const beta = attrFloat(node, 'beta');
  const c = node.inputs[2] ? broadcastStrides(ctx.input(2).shape, [m, n]) : undefined;
  return render('kernels/gemm.c', {
    m, n, k,
    a: ctx.arg(0), b: ctx.arg(1), y: ctx.res(0),
    sam: ta ? 1 : k, sak: ta ? m : 1,
    sbk: tb ? 1 : n, sbn: tb ? k : 1,
    alpha: alpha === 1 ? '' : cFloat(alpha),
    c: c ? ctx.arg(2) : '',
    scm: c?.[0] ?? 0, scn: c?.[1] ?? 0,
    beta: beta === 1 ? '' : cFloat(beta),
    clamp: clampLines(node, 'acc', cFloat),
  });
}

/** MatMul with a 2-D B: every row of A (all leading axes flattened) times B. */
export function lowerMatMul(ctx: LowerCtx): string {
  requireFloat(ctx);
  const [k, n] = ctx.input(1).shape as [number, number];
  const m = ctx.input(0).shape.reduce((p, d) => p * d, 1) / k;
  return render('kernels/gemm.c', {
    m, n, k,
    a: ctx.arg(0), b: ctx.arg(1), y: ctx.res(0),
    sam: k, sak: 1, sbk: n, sbn: 1,
    alpha: '', c: '', scm: 0, scn: 0, beta: '',
    clamp: clampLines(ctx.node, 'acc', cFloat),
  });
}
