import { inputError } from '../errors.ts';
import { attrInt, attrInts, constInput, registerOp, unsupported } from '../registry.ts';
import { normAxis, numel } from '../shape.ts';
import type { Node, Tensor, Value } from '../types.ts';

// Ops that only relabel memory: the same bytes under another shape.

function viewOp(op: string, attrs: Record<string, number | number[] | undefined>, arity: [number, number], shapeOf: (node: Node, inputs: (Tensor | undefined)[]) => number[]): void {
  registerOp({
    op,
    attrs,
    arity,
    isView: true,
    traits: { quant: { kind: 'inherits' }, int8: 'move' },
    infer(node, inputs) {
      const shape = shapeOf(node, inputs);
      if (numel(shape) !== numel(inputs[0]!.shape))
        throw inputError(`node '${node.name}' (${op}): cannot view [${inputs[0]!.shape}] as [${shape}]`);
      return [{ shape, dtype: inputs[0]!.dtype }];
    },
    evaluate(node, inputs) {
      const asTensors = inputs.map((v, i) => (v ? ({ name: node.inputs[i]!, ...v } as Tensor) : undefined));
      return [{ ...(inputs[0] as Value), shape: shapeOf(node, asTensors) }];
    },
  });
}

viewOp('Reshape', { allowzero: 0 }, [2, 2], (node, [x, s]) => {
  const spec = constInput(node, [x, s], 1, 'shape');
  const allowZero = attrInt(node, 'allowzero');
  const shape = spec.map((d, i) => (d === 0 && !allowZero ? x!.shape[i]! : d));
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const nInfer = shape.filter((d) => d === -1).length;
  if (nInfer > 1) throw inputError(`node '${node.name}' (Reshape): more than one -1 in shape [${spec}]`);
  if (nInfer === 1) {
    if (known === 0 || numel(x!.shape) % known !== 0)
      throw inputError(`node '${node.name}' (Reshape): cannot reshape [${x!.shape}] to [${spec}]`);
    return shape.map((d) => (d === -1 ? numel(x!.shape) / known : d));
  }
  return shape;
});

viewOp('Flatten', { axis: 1 }, [1, 1], (node, [x]) => {
  const axis = normAxis(attrInt(node, 'axis'), x!.shape.length);
  return [numel(x!.shape.slice(0, axis)), numel(x!.shape.slice(axis))];
});

function squeezeAxes(node: Node, inputs: (Tensor | undefined)[], rank: number): number[] | undefined {
  if (inputs[1]) return constInput(node, inputs, 1, 'axes').map((a) => normAxis(a, rank));
  if (node.attrs['axes']) return attrInts(node, 'axes').map((a) => normAxis(a, rank));
  return undefined;
}

viewOp('Squeeze', { axes: undefined }, [1, 2], (node, inputs) => {
  const x = inputs[0]!;
  const axes = squeezeAxes(node, inputs, x.shape.length);
  for (const a of axes ?? [])
    if (x.shape[a] !== 1) throw inputError(`node '${node.name}' (Squeeze): axis ${a} of [${x.shape}] is not 1`);
  return x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
});

viewOp('Unsqueeze', { axes: undefined }, [1, 2], (node, inputs) => {
  const x = inputs[0]!;
  const rank = x.shape.length + (inputs[1] ? constInput(node, inputs, 1, 'axes').length : attrInts(node, 'axes').length);
  const axes = squeezeAxes(node, inputs, rank) ?? [];
  const out: number[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : x.shape[src++]!);
  if (src !== x.shape.length) throw unsupported(node, `axes [${axes}]`);
  return out;
});
