import { attrInt, attrInts, constInput, registerOp } from '../registry.ts';
import type { OpTraits } from '../traits.ts';
import { normAxis, stridesOf } from '../shape.ts';
import type { Node, Tensor } from '../types.ts';

/** The reduced axes, sorted and non-negative; empty axes mean all of them unless noop_with_empty_axes. */
export function reduceAxes(node: Node, inputs: (Tensor | undefined)[], rank: number): number[] {
  const raw = inputs[1] ? constInput(node, inputs, 1, 'axes') : node.attrs['axes'] ? attrInts(node, 'axes') : [];
  if (raw.length === 0) return attrInt(node, 'noop_with_empty_axes', 0) ? [] : [...Array(rank).keys()];
  return raw.map((a) => normAxis(a, rank)).sort();
}

function reducedShape(shape: number[], axes: number[], keep: boolean): number[] {
  return keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

function reduceOp(op: string, init: number, step: (acc: number, v: number) => number, finish: (acc: number, n: number) => number, traits: OpTraits): void {
  registerOp({
    op,
    attrs: { axes: undefined, keepdims: 1, noop_with_empty_axes: 0 },
    arity: [1, 2],
    traits: { reduction: true, ...traits },
    infer(node, inputs) {
      const x = inputs[0]!;
      const axes = reduceAxes(node, inputs, x.shape.length);
      return [{ shape: reducedShape(x.shape, axes, attrInt(node, 'keepdims') === 1), dtype: x.dtype }];
    },
    evaluate(node, inputs) {
      const x = inputs[0]!;
      const asT = inputs.map((v, i) => (v ? ({ name: node.inputs[i]!, ...v } as Tensor) : undefined));
      const axes = reduceAxes(node, asT, x.shape.length);
      const kept = reducedShape(x.shape, axes, true);
      const outStrides = stridesOf(kept);
      const inStrides = stridesOf(x.shape);
      const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
      const acc = new Float64Array(kept.reduce((a, b) => a * b, 1)).fill(init);
      for (let f = 0; f < x.data.length; f++) {
        let o = 0;
        for (let d = 0; d < x.shape.length; d++) {
          const i = Math.floor(f / inStrides[d]!) % x.shape[d]!;
          if (!axes.includes(d)) o += i * outStrides[d]!;
        }
        acc[o] = step(acc[o]!, x.data[f]!);
      }
      const y = Float32Array.from(acc, (a) => finish(a, n));
      return [{ shape: reducedShape(x.shape, axes, attrInt(node, 'keepdims') === 1), dtype: 'float32', data: y }];
    },
  });
}

reduceOp('ReduceMean', 0, (a, v) => a + v, (a, n) => a / n, { quant: { kind: 'calibrated' }, int8: 'kernel' });
reduceOp('ReduceMax', -Infinity, (a, v) => Math.max(a, v), (a) => a, { quant: { kind: 'inherits' }, int8: 'kernel' });
reduceOp('ReduceSum', 0, (a, v) => a + v, (a) => a, { quant: { kind: 'none' } });
