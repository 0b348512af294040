import { inputError } from '../errors.ts';
import { attrInt, constInput, registerOp } from '../registry.ts';
import { normAxis, numel } from '../shape.ts';
import type { Node, Tensor } from '../types.ts';
import { allocData } from '../dtype.ts';

/** Gather along an axis with compile-time constant indices (negative indices count from the end). */
export function gatherIndices(node: Node, inputs: (Tensor | undefined)[]): { axis: number; indices: number[]; shape: number[] } {
  const x = inputs[0]!;
  const axis = normAxis(attrInt(node, 'axis'), x.shape.length);
  const dim = x.shape[axis]!;
  const indices = constInput(node, inputs, 1, 'indices').map((i) => {
    if (i < -dim || i >= dim) throw inputError(`node '${node.name}' (Gather): index ${i} out of range for axis of size ${dim}`);
    return i < 0 ? i + dim : i;
  });
  const shape = [...x.shape.slice(0, axis), ...inputs[1]!.shape, ...x.shape.slice(axis + 1)];
  return { axis, indices, shape };
}

registerOp({
  op: 'Gather',
  attrs: { axis: 0 },
  arity: [2, 2],
  traits: { quant: { kind: 'inherits' }, int8: 'move' },
  infer(node, inputs) {
    return [{ shape: gatherIndices(node, inputs).shape, dtype: inputs[0]!.dtype }];
  },
  evaluate(node, inputs) {
    const x = inputs[0]!;
    const asT = inputs.map((v, i) => (v ? ({ name: node.inputs[i]!, ...v } as Tensor) : undefined));
    const { axis, indices, shape } = gatherIndices(node, asT);
    const outer = numel(x.shape.slice(0, axis));
    const inner = numel(x.shape.slice(axis + 1));
    const dim = x.shape[axis]!;
    const out = allocData(x.dtype, outer * indices.length * inner);
    for (let o = 0; o < outer; o++)
      indices.forEach((idx, j) => {
        for (let i = 0; i < inner; i++) out[(o * indices.length + j) * inner + i] = x.data[(o * dim + idx) * inner + i]!;
      });
    return [{ shape, dtype: x.dtype, data: out }];
  },
});
