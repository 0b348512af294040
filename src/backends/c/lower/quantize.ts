import { prepareRequant, tq } from '../../../ir/int8/prepare.ts';
import { numel } from '../../../ir/shape.ts';
import { cTypeOf } from '../../../ir/dtype.ts';
import { cFloat, cLiteral } from '../c-literals.ts';
import type { LowerCtx } from './context.ts';

// TFLite QUANTIZE (Requantize: float → integer, integer → integer) and DEQUANTIZE (integer →
// float), bit-exact with src/ir/int8/interpret.ts.

const i32 = (v: number): string => cLiteral('int32', v);

export function lowerRequantizeQ(ctx: LowerCtx): string {
  const x = ctx.input(0);
  const y = ctx.output(0);
  const qo = tq(y, ctx.node);
  const n = numel(y.shape);
  const cty = cTypeOf(y.dtype);
  if (x.dtype === 'float32') {
    ctx.useMath();
    // clamping r to [qmin − z, qmax − z] before the conversion gives clamp(r + z) without overflow (NaN → qmin)
    const lo = -(2 ** (qo.bits - 1)) - qo.zeroPoint;
    const hi = 2 ** (qo.bits - 1) - 1 - qo.zeroPoint;
    return [
      `  /* TFLite QUANTIZE float -> ${y.dtype} (AffineQuantize): clamp(round(x / ${qo.scale}) + ${qo.zeroPoint}), float division, ties away from zero */`,
      `  for (int i = 0; i < ${n}; ++i) {`,
      `    float r = roundf(${ctx.arg(0)}[i] / ${cFloat(qo.scale)});`,
      `    if (!(r >= ${cFloat(lo)})) r = ${cFloat(lo)};`,
      `    if (r > ${cFloat(hi)}) r = ${cFloat(hi)};`,
      `    ${ctx.res(0)}[i] = (${cty})((int32_t)r + (${i32(qo.zeroPoint)}));`,
      `  }`,
      '',
    ].join('\n');
  }
  const p = prepareRequant(tq(x, ctx.node), qo);
  return [
    `  /* TFLite QUANTIZE ${x.dtype} -> ${y.dtype}: MBQM(x - ${p.inZp}) + ${p.outZp}, saturated */`,
    `  for (int i = 0; i < ${n}; ++i)`,
    `    ${ctx.res(0)}[i] = (${cty})harc_clamp32(harc_mbqm((int32_t)${ctx.arg(0)}[i] - (${i32(p.inZp)}), ${i32(p.mult)}, ${p.shift}) + (${i32(p.outZp)}), ${i32(p.outMin)}, ${i32(p.outMax)});`,
    '',
  ].join('\n');
}

/** TFLite DEQUANTIZE: scale · (q − z) in float; (q − z) is exact in float, and the float product
 * rounds the exact product once, as TFLite's double product cast to float does. */
export function lowerDequantize(ctx: LowerCtx): string {
  const q = tq(ctx.input(0), ctx.node);
  return [
    `  /* TFLite DEQUANTIZE ${ctx.input(0).dtype} -> float: ${q.scale} * (q - ${q.zeroPoint}) */`,
    `  for (int i = 0; i < ${numel(ctx.output(0).shape)}; ++i)`,
    `    ${ctx.res(0)}[i] = ${cFloat(q.scale)} * (float)((int32_t)${ctx.arg(0)}[i] - (${i32(q.zeroPoint)}));`,
    '',
  ].join('\n');
}
