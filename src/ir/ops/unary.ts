import { LOGISTIC_INT8_OUTPUT, TANH_INT8_OUTPUT } from '../quant/activations.ts';
import { attrFloat, registerOp } from '../registry.ts';
import type { OpTraits } from '../traits.ts';
import type { Node, Tensor, Value } from '../types.ts';

type Scalar = (x: number, node: Node, params: number[]) => number;

const f32 = Math.fround;

/** Registers an op that maps each element independently; extra inputs are scalar parameters (Clip). */
function unaryOp(op: string, attrs: Record<string, number | undefined>, fn: Scalar, traits: Omit<OpTraits, 'elementwise'>, arity: [number, number] = [1, 1]): void {
  registerOp({
    op,
    attrs,
    arity,
    traits: { elementwise: 'unary', ...traits },
    infer: (_node, [x]) => [{ shape: x!.shape, dtype: x!.dtype }],
    evaluate(node, [x, ...rest]) {
      const params = rest.map((v) => (v ? v.data[0]! : NaN));
      const y = new Float32Array(x!.data.length);
      for (let i = 0; i < y.length; i++) y[i] = fn(x!.data[i]!, node, params);
      return [{ shape: x!.shape, dtype: x!.dtype, data: y } satisfies Value];
    },
  });
}

// int8 of most activations: a lookup table over the 256 input codes, from the float semantics
const lut: Omit<OpTraits, 'elementwise'> = { quant: { kind: 'calibrated' }, int8: 'lut' };
/** The bounds of a Clip whose min / max are constants (absent = unbounded on that side). */
function clipBounds(_node: Node, [, lo, hi]: (Tensor | undefined)[]): { min: number; max: number } | undefined {
  const bound = (t: Tensor | undefined, fallback: number): number | undefined => (!t ? fallback : t.data && t.data.length === 1 ? t.data[0]! : undefined);
  const min = bound(lo, -Infinity);
  const max = bound(hi, Infinity);
  return min === undefined || max === undefined ? undefined : { min, max };
}

unaryOp('Relu', {}, (x) => (x > 0 ? x : 0), { quant: { kind: 'inherits' }, int8: 'lut', clamp: () => ({ min: 0, max: Infinity }) });
unaryOp('LeakyRelu', { alpha: 0.01 }, (x, n) => (x >= 0 ? x : x * f32(attrFloat(n, 'alpha'))), lut);
unaryOp('Sigmoid', {}, (x) => 1 / (1 + Math.exp(-x)), { quant: { kind: 'fixed', ...LOGISTIC_INT8_OUTPUT }, int8: 'kernel' });
unaryOp('Tanh', {}, (x) => Math.tanh(x), { quant: { kind: 'fixed', ...TANH_INT8_OUTPUT }, int8: 'kernel' });
unaryOp('HardSigmoid', { alpha: 0.2, beta: 0.5 }, (x, n) => Math.max(0, Math.min(1, f32(attrFloat(n, 'alpha')) * x + f32(attrFloat(n, 'beta')))), lut);
unaryOp('HardSwish', {}, (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)), { quant: { kind: 'calibrated' }, int8: 'kernel' });
unaryOp('Identity', {}, (x) => x, { quant: { kind: 'inherits' }, int8: 'move' });
unaryOp('Neg', {}, (x) => -x, lut);
unaryOp('Abs', {}, (x) => Math.abs(x), lut);
unaryOp('Exp', {}, (x) => Math.exp(x), lut);
unaryOp('Elu', { alpha: 1 }, (x, n) => (x >= 0 ? x : f32(attrFloat(n, 'alpha')) * (Math.exp(x) - 1)), lut);
unaryOp('Selu', { alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 }, (x, n) => f32(attrFloat(n, 'gamma')) * (x > 0 ? x : f32(attrFloat(n, 'alpha')) * (Math.exp(x) - 1)), lut);
unaryOp('Softplus', {}, (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), lut);
unaryOp('Softsign', {}, (x) => x / (1 + Math.abs(x)), lut);
unaryOp('Sqrt', {}, (x) => Math.sqrt(x), { quant: { kind: 'none' } });
unaryOp('Reciprocal', {}, (x) => 1 / x, { quant: { kind: 'none' } });
// Clip: min/max are optional inputs (opset ≥ 11); the importer rewrites the older attribute form.
unaryOp(
  'Clip',
  {},
  (x, _n, [lo, hi]) => {
    let v = x;
    if (lo !== undefined && !Number.isNaN(lo)) v = Math.max(v, lo);
    if (hi !== undefined && !Number.isNaN(hi)) v = Math.min(v, hi);
    return v;
  },
  { quant: { kind: 'inherits' }, int8: 'lut', clamp: clipBounds },
  [1, 3],
);
registerOp({
  op: 'Dropout',
  attrs: { seed: undefined },
  arity: [1, 3],
  traits: { elementwise: 'unary', quant: { kind: 'inherits' }, int8: 'move' },
  infer: (_node, [x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  evaluate: (_node, [x]) => [x!],
});
