import { inputError } from '../errors.ts';
import { attrInt, constInput, registerOp } from '../registry.ts';
import { broadcastIndexMap, broadcastShapes, numel } from '../shape.ts';
import type { DType, Tensor } from '../types.ts';
import { allocData } from '../dtype.ts';

// Ops PyTorch emits to build shapes at run time; with static shapes they all fold to constants.

registerOp({
  op: 'Shape',
  attrs: { start: 0, end: undefined },
  arity: [1, 1],
  traits: { foldOnly: true, quant: { kind: 'none' } },
  infer: (node, [x]) => [{ shape: [shapeSlice(node.attrs, x!.shape).length], dtype: 'int64' }],
  evaluate: (node, [x]) => {
    const s = shapeSlice(node.attrs, x!.shape);
    return [{ shape: [s.length], dtype: 'int64', data: Float64Array.from(s) }];
  },
});

function shapeSlice(attrs: Record<string, unknown>, shape: number[]): number[] {
  const r = shape.length;
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = norm(typeof attrs['start'] === 'number' ? attrs['start'] : 0);
  const end = norm(typeof attrs['end'] === 'number' ? attrs['end'] : r);
  return shape.slice(start, end);
}

const onnxDType: Record<number, DType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };

export function dtypeOfOnnx(code: number, where: string): DType {
  const d = onnxDType[code];
  if (!d) throw inputError(`${where}: ONNX data type ${code} is not supported`);
  return d;
}

registerOp({
  op: 'ConstantOfShape',
  attrs: { value: undefined, value_dtype: 1 },
  arity: [1, 1],
  traits: { foldOnly: true, quant: { kind: 'none' } },
  infer(node, inputs) {
    return [{ shape: constInput(node, inputs, 0, 'shape'), dtype: dtypeOfOnnx(attrInt(node, 'value_dtype'), `node '${node.name}'`) }];
  },
  evaluate(node, [s]) {
    const shape = Array.from(s!.data);
    const dtype = dtypeOfOnnx(attrInt(node, 'value_dtype'), `node '${node.name}'`);
    const v = typeof node.attrs['value'] === 'number' ? node.attrs['value'] : 0;
    return [{ shape, dtype, data: allocData(dtype, numel(shape)).fill(v) }];
  },
});

registerOp({
  op: 'Expand',
  attrs: {},
  arity: [2, 2],
  traits: { quant: { kind: 'inherits' }, int8: 'move' },
  infer(node, inputs) {
    const target = constInput(node, inputs, 1, 'shape');
    return [{ shape: broadcastShapes(inputs[0]!.shape, target, `node '${node.name}' (Expand)`), dtype: inputs[0]!.dtype }];
  },
  evaluate(node, [x, s]) {
    const shape = broadcastShapes(x!.shape, Array.from(s!.data), `node '${node.name}' (Expand)`);
    const map = broadcastIndexMap(x!.shape, shape);
    const out = allocData(x!.dtype, map.length);
    for (let i = 0; i < map.length; i++) out[i] = x!.data[map[i]!]!;
    return [{ shape, dtype: x!.dtype, data: out }];
  },
});

registerOp({
  op: 'Cast',
  attrs: { to: undefined, saturate: 1 },
  arity: [1, 1],
  traits: { foldOnly: true, quant: { kind: 'none' } },
  infer: (node, [x]) => [{ shape: x!.shape, dtype: dtypeOfOnnx(attrInt(node, 'to'), `node '${node.name}' (Cast)`) }],
  evaluate(node, [x]) {
    const dtype = dtypeOfOnnx(attrInt(node, 'to'), `node '${node.name}' (Cast)`);
    const out = allocData(dtype, x!.data.length);
    for (let i = 0; i < out.length; i++) out[i] = dtype === 'float32' || dtype === 'float64' ? x!.data[i]! : Math.trunc(x!.data[i]!);
    return [{ shape: x!.shape, dtype, data: out }];
  },
});

export type { Tensor };
