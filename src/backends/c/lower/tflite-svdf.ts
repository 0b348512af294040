import { prepareTfliteSvdfQ } from '../../../ir/int8/tflite-svdf.ts';
import { cLiteral } from '../c-literals.ts';
import type { LowerCtx } from './context.ts';

// TFLite SVDF (TFLiteSVDF, integer), bit-exact with src/ir/int8/tflite-svdf.ts.

const i32 = (v: number): string => cLiteral('int32', v);

/** The state lives in output 1: a variable tensor keeps it between runs (zeroed by
 * <name>_reset()); otherwise it is zeroed when the layer starts. */
export function lowerTfliteSvdfQ(ctx: LowerCtx): string {
  const p = prepareTfliteSvdfQ(ctx.graph, ctx.node);
  const { batch, input: I, filters: F, memory: M, rank, units } = p;
  const st = ctx.res(1) || ctx.scratch(2 * batch * F * M, 'int16_t');
  const persistent = !!ctx.res(1) && !!ctx.output(1).variable;
  const bias = ctx.node.inputs[3] ? ctx.arg(3) : '';
  return [
    `  /* TFLite SVDF int8 (TFLM integer SVDF): ${batch} x ${I} -> ${units} units, rank ${rank}, ${F} filters x memory ${M}; int16 state ${persistent ? 'kept between runs' : 'zeroed on entry'}. */`,
    `  int16_t *st = ${st};`,
    ...(persistent ? [] : [`  for (int i = 0; i < ${batch * F * M}; ++i) st[i] = 0;`]),
    `  for (int i = 0; i < ${batch * F * M - 1}; ++i) st[i] = st[i + 1];`,
    `  for (int n = 0; n < ${batch}; ++n) {`,
    `    const int8_t *x = ${ctx.arg(0)} + n * ${I};`,
    `    int16_t *sn = st + n * ${F * M};`,
    `    for (int f = 0; f < ${F}; ++f) {`,
    `      const int8_t *w = ${ctx.arg(1)} + f * ${I};`,
    `      int32_t acc = 0;`,
    `      for (int k = 0; k < ${I}; ++k) acc += (int32_t)w[k] * ((int32_t)x[k] - (${p.xZp}));`,
    `      sn[f * ${M} + ${M - 1}] = (int16_t)harc_clamp32(harc_mbqm(acc, ${i32(p.mult1)}, ${p.shift1}), -32768, 32767);`,
    `    }`,
    `    for (int u = 0; u < ${units}; ++u) {`,
    `      int32_t acc = ${bias ? `${bias}[u]` : '0'};`,
    `      for (int r = 0; r < ${rank}; ++r) {`,
    `        const int f = u * ${rank} + r;`,
    `        const int16_t *wt = ${ctx.arg(2)} + f * ${M};`,
    `        int32_t dot = 0;`,
    `        for (int m = 0; m < ${M}; ++m) dot += (int32_t)wt[m] * sn[f * ${M} + m];`,
    `        acc += dot;`,
    `      }`,
    `      ${ctx.res(0)}[n * ${units} + u] = (int8_t)harc_clamp32(harc_mbqm(acc, ${i32(p.mult2)}, ${p.shift2}) + (${p.yZp}), -128, 127);`,
    `    }`,
    `  }`,
    '',
  ].join('\n');
}
