import { inputError } from '../errors.ts';
import { attrFloat, registerOp } from '../registry.ts';
import { numel } from '../shape.ts';
import { layoutOf, splitActivation } from './window-geometry.ts';

registerOp({
  op: 'BatchNormalization',
  attrs: { epsilon: 1e-5, momentum: 0.9, training_mode: 0, layout: 'NCHW' },
  arity: [5, 5],
  traits: { channelsLast: true, inPlace: [0], quant: { kind: 'none' } },
  infer(node, [x, ...params]) {
    const { channels } = splitActivation(x!.shape, layoutOf(node));
    for (const p of params)
      if (!p || p.shape.length !== 1 || p.shape[0] !== channels)
        throw inputError(`node '${node.name}' (BatchNormalization): parameter '${p?.name}' should have shape [${channels}]`);
    if (node.attrs['training_mode']) throw inputError(`node '${node.name}' (BatchNormalization): training_mode is not supported`);
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  evaluate(node, [x, scale, bias, mean, variance]) {
    const nhwc = layoutOf(node) === 'NHWC';
    const { channels } = splitActivation(x!.shape, layoutOf(node));
    const eps = attrFloat(node, 'epsilon');
    const inner = nhwc ? 1 : numel(x!.shape.slice(2));
    const y = new Float32Array(x!.data.length);
    for (let i = 0; i < y.length; i++) {
      const c = Math.floor(i / inner) % channels;
      const v = (x!.data[i]! - mean!.data[c]!) / Math.sqrt(variance!.data[c]! + eps);
      y[i] = v * scale!.data[c]! + bias!.data[c]!;
    }
    return [{ shape: x!.shape, dtype: 'float32', data: y }];
  },
});
