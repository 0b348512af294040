import { attrString, registerOp } from '../registry.ts';
import type { DType } from '../types.ts';

// TFLite QUANTIZE between two integer tensors (TFLM reference_ops::Requantize): the real values do
// not change, only their quantization. In float it is the identity; the integer form is
// `requantize` in src/ir/int8/interpret.ts with prepareRequant's multiplier. `to` is the output
// integer type.
registerOp({
  op: 'Requantize',
  attrs: { to: undefined },
  arity: [1, 1],
  infer: (node, [x]) => [{ shape: x!.shape, dtype: attrString(node, 'to') as DType }],
  evaluate: (_node, [x]) => [{ ...x! }],
});
