import { inputError } from '../errors.ts';
import { attrInts, registerOp } from '../registry.ts';
import { stridesOf } from '../shape.ts';
import type { Node, TensorData } from '../types.ts';
import { allocData } from '../dtype.ts';

export function transposePerm(node: Node, rank: number): number[] {
  const perm = node.attrs['perm'] ? attrInts(node, 'perm') : [...Array(rank).keys()].reverse();
  if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i))
    throw inputError(`node '${node.name}' (Transpose): perm [${perm}] is not a permutation of ${rank} axes`);
  return perm;
}

/** Moves data so that out axis i is in axis perm[i]. */
export function transposeData(data: TensorData, shape: number[], perm: number[], out: TensorData): void {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < out.length; f++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d]! * inStrides[perm[d]!]!;
    out[f] = data[off]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
}

registerOp({
  op: 'Transpose',
  attrs: { perm: undefined },
  arity: [1, 1],
  traits: { quant: { kind: 'inherits' }, int8: 'move' },
  infer(node, [x]) {
    const perm = transposePerm(node, x!.shape.length);
    return [{ shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype }];
  },
  evaluate(node, [x]) {
    const perm = transposePerm(node, x!.shape.length);
    const out = allocData(x!.dtype, x!.data.length);
    transposeData(x!.data, x!.shape, perm, out);
    return [{ shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype, data: out }];
  },
});
