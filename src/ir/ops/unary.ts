import { attrFloat, registerOp } from '../registry.ts';
import type { Node, Value } from '../types.ts';

type Scalar = (x: number, node: Node, params: number[]) => number;

const f32 = Math.fround;

/** Registers an op that maps each element independently; extra inputs are scalar parameters (Clip). */
function unaryOp(op: string, attrs: Record<string, number | undefined>, fn: Scalar, arity: [number, number] = [1, 1]): void {
  registerOp({
    op,
    attrs,
    arity,
    infer: (_node, [x]) => [{ shape: x!.shape, dtype: x!.dtype }],
    evaluate(node, [x, ...rest]) {
      const params = rest.map((v) => (v ? v.data[0]! : NaN));
      const y = new Float32Array(x!.data.length);
      for (let i = 0; i < y.length; i++) y[i] = fn(x!.data[i]!, node, params);
      return [{ shape: x!.shape, dtype: x!.dtype, data: y } satisfies Value];
    },
  });
}

unaryOp('Relu', {}, (x) => (x > 0 ? x : 0));
unaryOp('LeakyRelu', { alpha: 0.01 }, (x, n) => (x >= 0 ? x : x * f32(attrFloat(n, 'alpha'))));
unaryOp('Sigmoid', {}, (x) => 1 / (1 + Math.exp(-x)));
unaryOp('Tanh', {}, (x) => Math.tanh(x));
unaryOp('HardSigmoid', { alpha: 0.2, beta: 0.5 }, (x, n) =>
  Math.max(0, Math.min(1, f32(attrFloat(n, 'alpha')) * x + f32(attrFloat(n, 'beta')))),
);
unaryOp('HardSwish', {}, (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)));
unaryOp('Identity', {}, (x) => x);
unaryOp('Neg', {}, (x) => -x);
unaryOp('Abs', {}, (x) => Math.abs(x));
unaryOp('Exp', {}, (x) => Math.exp(x));
unaryOp('Sqrt', {}, (x) => Math.sqrt(x));
unaryOp('Reciprocal', {}, (x) => 1 / x);
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
  [1, 3],
);
registerOp({
  op: 'Dropout',
  attrs: { seed: undefined },
  arity: [1, 3],
  infer: (_node, [x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  evaluate: (_node, [x]) => [x!],
});
