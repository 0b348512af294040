import { matmulBatches } from '../../../ir/ops/gemm.ts';
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

/** MatMul with a constant B: every row of A (all leading axes flattened) times a 2-D B, or, for a
 * stack of matrices B, one product per batch (offsets into A, B and Y as constant tables). */
export function lowerMatMul(ctx: LowerCtx): string {
  requireFloat(ctx);
  const { m, k, n, aOffsets, bOffsets, yOffsets } = matmulBatches(ctx.node, ctx.input(0).shape, ctx.input(1).shape);
  const gemm = (a: string, b: string, y: string) =>
    render('kernels/gemm.c', {
      m, n, k, a, b, y,
      sam: k, sak: 1, sbk: n, sbn: 1,
      alpha: '', c: '', scm: 0, scn: 0, beta: '',
      clamp: clampLines(ctx.node, 'acc', cFloat),
    });
  if (yOffsets.length === 1) return gemm(ctx.arg(0), ctx.arg(1), ctx.res(0));
  const ao = ctx.constArray('a_off', 'int32_t', aOffsets.map(String));
  const bo = ctx.constArray('b_off', 'int32_t', bOffsets.map(String));
  return [
    `  for (int t = 0; t < ${yOffsets.length}; ++t) {`,
    gemm(`(${ctx.arg(0)} + ${ao}[t])`, `(${ctx.arg(1)} + ${bo}[t])`, `(${ctx.res(0)} + t * ${m * n})`),
    '  }',
  ].join('\n');
}
