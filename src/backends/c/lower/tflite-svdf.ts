import { prepareTfliteSvdfQ } from '../../../ir/int8/tflite-svdf.ts';
import { cLiteral } from '../c-literals.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { clampLines, requireFloat, type LowerCtx } from './context.ts';

// TFLite SVDF (TFLiteSVDF, integer), bit-exact with src/ir/int8/tflite-svdf.ts.

const i32 = (v: number): string => cLiteral('int32', v);

/** int16 state in scratch when output 1 (the state) is omitted. */
export function tfliteSvdfQScratchBytes(graph: Graph, node: Node): number {
  if (node.outputs[1]) return 0;
  const p = prepareTfliteSvdfQ(graph, node);
  return 2 * p.batch * p.filters * p.memory;
}

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

/** Float state in scratch when output 1 (the state) is omitted. */
export function tfliteSvdfScratchBytes(graph: Graph, node: Node): number {
  if (node.outputs[1]) return 0;
  const [b, f, m] = svdfSizes(graph, node);
  return 4 * b * f * m;
}

function svdfSizes(graph: Graph, node: Node): [number, number, number] {
  const y = graph.tensors[node.outputs[0]!]!.shape;
  const filters = graph.tensors[node.inputs[1]!]!.shape[0]!;
  const memory = graph.tensors[node.inputs[2]!]!.shape[1]!;
  return [y[0]!, filters, memory];
}

/** TFLite SVDF in float (the order of src/ir/ops/tflite-svdf.ts: bias, then rank by memory). The
 * state lives in output 1 as in the integer form. */
export function lowerTfliteSvdf(ctx: LowerCtx): string {
  requireFloat(ctx);
  const [batch, F, M] = svdfSizes(ctx.graph, ctx.node);
  const I = ctx.input(0).shape[1]!;
  const units = ctx.output(0).shape[1]!;
  const rank = F / units;
  const st = ctx.res(1) || ctx.scratch(4 * batch * F * M, 'float');
  const persistent = !!ctx.res(1) && !!ctx.output(1).variable;
  const bias = ctx.node.inputs[3] ? ctx.arg(3) : '';
  return [
    `  /* TFLite SVDF float: ${batch} x ${I} -> ${units} units, rank ${rank}, ${F} filters x memory ${M}; state ${persistent ? 'kept between runs' : 'zeroed on entry'}. */`,
    `  float *st = ${st};`,
    ...(persistent ? [] : [`  for (int i = 0; i < ${batch * F * M}; ++i) st[i] = 0.0f;`]),
    `  for (int i = 0; i < ${batch * F * M - 1}; ++i) st[i] = st[i + 1];`,
    `  for (int n = 0; n < ${batch}; ++n) {`,
    `    const float *x = ${ctx.arg(0)} + n * ${I};`,
    `    float *sn = st + n * ${F * M};`,
    `    for (int f = 0; f < ${F}; ++f) {`,
    `      const float *w = ${ctx.arg(1)} + f * ${I};`,
    `      float acc = 0.0f;`,
    `      for (int k = 0; k < ${I}; ++k) acc += x[k] * w[k];`,
    `      sn[f * ${M} + ${M - 1}] = acc;`,
    `    }`,
    `    for (int u = 0; u < ${units}; ++u) {`,
    `      float acc = ${bias ? `${bias}[u]` : '0.0f'};`,
    `      for (int r = 0; r < ${rank}; ++r) {`,
    `        const int f = u * ${rank} + r;`,
    `        for (int m = 0; m < ${M}; ++m) acc += sn[f * ${M} + m] * ${ctx.arg(2)}[f * ${M} + m];`,
    `      }`,
    ...clampLines(ctx.node, 'acc', (v) => cLiteral('float32', v)).map((l) => `      ${l}`),
    `      ${ctx.res(0)}[n * ${units} + u] = acc;`,
    `    }`,
    `  }`,
    '',
  ].join('\n');
}
