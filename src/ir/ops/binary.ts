import { registerOp } from '../registry.ts';
import { broadcastIndexMap, broadcastShapes } from '../shape.ts';
import type { OpTraits } from '../traits.ts';
import type { DType } from '../types.ts';
import { clampValue, fusedClamp } from './activation.ts';

/** Elementwise binary ops with numpy broadcasting. */
function binaryOp(op: string, fn: (a: number, b: number) => number, traits: Omit<OpTraits, 'elementwise' | 'affine'>): void {
  registerOp({
    op,
    attrs: { act_min: undefined, act_max: undefined },
    arity: [2, 2],
    traits: { elementwise: 'binary', affine: true, ...traits },
    infer(node, [a, b]) {
      const dtype: DType = a!.dtype;
      return [{ shape: broadcastShapes(a!.shape, b!.shape, `node '${node.name}' (${op})`), dtype }];
    },
    evaluate(node, [a, b]) {
      const shape = broadcastShapes(a!.shape, b!.shape, `node '${node.name}' (${op})`);
      const am = broadcastIndexMap(a!.shape, shape);
      const bm = broadcastIndexMap(b!.shape, shape);
      const clamp = fusedClamp(node);
      const isInt = a!.dtype !== 'float32';
      const y = isInt ? new Float64Array(am.length) : new Float32Array(am.length);
      for (let i = 0; i < y.length; i++) {
        const v = fn(a!.data[am[i]!]!, b!.data[bm[i]!]!);
        y[i] = isInt ? Math.trunc(v) : clampValue(v, clamp);
      }
      return [{ shape, dtype: a!.dtype, data: y }];
    },
  });
}

const int8: Omit<OpTraits, 'elementwise' | 'affine'> = { absorbsClamp: true, quant: { kind: 'calibrated' }, int8: 'kernel', activationInputs: [0, 1] };
binaryOp('Add', (a, b) => a + b, int8);
binaryOp('Sub', (a, b) => a - b, int8);
binaryOp('Mul', (a, b) => a * b, int8);
// int8: quantization rewrites x / c with a constant c as x · (1/c)
binaryOp('Div', (a, b) => a / b, { quant: { kind: 'none' } });
