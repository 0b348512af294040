import { attrString, registerOp } from '../registry.ts';
import type { DType } from '../types.ts';

// TFLite QUANTIZE (into an integer tensor, from float or from another integer tensor: TFLM
// AffineQuantize / reference_ops::Requantize) and DEQUANTIZE (integer → float). The real values do
// not change, only their representation, so in float both are the identity; the integer forms are
// in src/ir/int8/interpret.ts. `to` is Requantize's output integer type.
registerOp({
  op: 'Requantize',
  attrs: { to: undefined },
  arity: [1, 1],
  traits: { quant: { kind: 'imported' }, int8: 'kernel', integerOnly: true },
  infer: (node, [x]) => [{ shape: x!.shape, dtype: attrString(node, 'to') as DType }],
  evaluate: (_node, [x]) => [{ ...x! }],
});

registerOp({
  op: 'Dequantize',
  attrs: {},
  arity: [1, 1],
  traits: { quant: { kind: 'none' } },
  infer: (_node, [x]) => [{ shape: x!.shape, dtype: 'float32' }],
  evaluate: (_node, [x]) => [{ shape: x!.shape, dtype: 'float32', data: Float32Array.from(x!.data as ArrayLike<number>) }],
});
