import { SOFTMAX_INT8_OUTPUT } from '../quant/activations.ts';
import { attrInt, registerOp } from '../registry.ts';
import { normAxis, numel } from '../shape.ts';
import type { DType } from '../types.ts';

/** Softmax along one axis (opset ≥ 13 semantics). */
registerOp({
  op: 'Softmax',
  // out_dtype (harc): an integer softmax with a wider output than its input (TFLite int8 → int16)
  attrs: { axis: -1, coerce_2d: 0, out_dtype: undefined },
  arity: [1, 1],
  traits: { inPlace: [0], quant: { kind: 'fixed', ...SOFTMAX_INT8_OUTPUT }, int8: 'kernel' },
  infer: (node, [x]) => [{ shape: x!.shape, dtype: typeof node.attrs['out_dtype'] === 'string' ? (node.attrs['out_dtype'] as DType) : x!.dtype }],
  evaluate(node, [x]) {
    const axis = normAxis(attrInt(node, 'axis'), x!.shape.length);
    // Before opset 13 Softmax flattened every axis from `axis` on into one.
    const coerce = node.attrs['coerce_2d'] === 1;
    const n = coerce ? numel(x!.shape.slice(axis)) : x!.shape[axis]!;
    const inner = coerce ? 1 : numel(x!.shape.slice(axis + 1));
    const outer = numel(x!.shape.slice(0, axis));
    const y = new Float32Array(x!.data.length);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const at = (k: number): number => (o * n + k) * inner + i;
        let max = -Infinity;
        for (let k = 0; k < n; k++) max = Math.max(max, x!.data[at(k)]!);
        let sum = 0;
        for (let k = 0; k < n; k++) sum += Math.exp(x!.data[at(k)]! - max);
        for (let k = 0; k < n; k++) y[at(k)] = Math.exp(x!.data[at(k)]! - max) / sum;
      }
    return [{ shape: x!.shape, dtype: 'float32', data: y }];
  },
});
