import { inputError } from '../errors.ts';
import { attrFloat, attrInt, registerOp, unsupported } from '../registry.ts';
import { broadcastIndexMap, broadcastShapes } from '../shape.ts';
import type { Node, Tensor } from '../types.ts';
import { clampValue, fusedClamp } from './activation.ts';

/** Y = alpha·A'·B' + beta·C with A' = A or Aᵀ, B' = B or Bᵀ. */
function gemmDims(node: Node, a: number[], b: number[]): { m: number; k: number; n: number } {
  if (a.length !== 2 || b.length !== 2) throw inputError(`node '${node.name}' (Gemm): A [${a}] and B [${b}] must be 2-D`);
  const [m, k] = attrInt(node, 'transA') ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [kb, n] = attrInt(node, 'transB') ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (k !== kb) throw inputError(`node '${node.name}' (Gemm): inner dimensions differ (A [${a}], B [${b}])`);
  return { m, k, n };
}

registerOp({
  op: 'Gemm',
  attrs: { alpha: 1, beta: 1, transA: 0, transB: 0, act_min: undefined, act_max: undefined },
  arity: [2, 3],
  traits: { absorbsClamp: true, quant: { kind: 'weights' }, int8: 'kernel' },
  infer(node, [a, b, c]) {
    const { m, n } = gemmDims(node, a!.shape, b!.shape);
    if (c) {
      const cs = c.shape;
      const ok = cs.length <= 2 && cs.every((d, i) => d === 1 || d === [m, n].slice(2 - cs.length)[i]);
      if (!ok) throw inputError(`node '${node.name}' (Gemm): C [${cs}] does not broadcast to [${m},${n}]`);
    }
    return [{ shape: [m, n], dtype: a!.dtype }];
  },
  evaluate(node, [a, b, c]) {
    const { m, k, n } = gemmDims(node, a!.shape, b!.shape);
    const ta = attrInt(node, 'transA');
    const tb = attrInt(node, 'transB');
    const alpha = attrFloat(node, 'alpha');
    const beta = attrFloat(node, 'beta');
    const clamp = fusedClamp(node);
    const cmap = c ? broadcastIndexMap(c.shape, [m, n]) : undefined;
    const y = new Float32Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++)
          acc += a!.data[ta ? p * m + i : i * k + p]! * b!.data[tb ? j * k + p : p * n + j]!;
        let v = alpha * acc;
        if (c) v += beta * c.data[cmap![i * n + j]!]!;
        y[i * n + j] = clampValue(v, clamp);
      }
    return [{ shape: [m, n], dtype: 'float32', data: y }];
  },
  macs(node, [a, b]: Tensor[]) {
    const { m, k, n } = gemmDims(node, a!.shape, b!.shape);
    return m * k * n;
  },
});

/** MatMul with numpy semantics; harc lowers it when B is a constant matrix (2-D) or a constant
 * stack of matrices (≥ 3-D, batch axes broadcast against A's as numpy does). */
function matmulShape(node: Node, a: number[], b: number[]): number[] {
  if (a.length < 1 || b.length < 1) throw unsupported(node, 'a scalar operand');
  if (b.length === 1) throw unsupported(node, 'MatMul with a 1-D B');
  if (b.length > 2 && a.length < 2) throw unsupported(node, `MatMul of a 1-D A with a ${b.length}-D B`);
  const k = b[b.length - 2]!;
  if (a[a.length - 1] !== k) throw inputError(`node '${node.name}' (MatMul): A [${a}] and B [${b}] inner dimensions differ`);
  if (b.length === 2) return [...a.slice(0, -1), b[1]!];
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), `node '${node.name}' (MatMul) batch axes`);
  return [...batch, a[a.length - 2]!, b[b.length - 1]!];
}

/** A batched MatMul as `count` independent [m×k]·[k×n] products: the element offset of each
 * product's A, B and Y. A 2-D B is one product whose A rows are all of A's leading axes. */
export interface MatMulBatches {
  m: number;
  k: number;
  n: number;
  aOffsets: number[];
  bOffsets: number[];
  yOffsets: number[];
}

export function matmulBatches(node: Node, a: number[], b: number[]): MatMulBatches {
  const y = matmulShape(node, a, b);
  const k = b[b.length - 2]!;
  const n = b[b.length - 1]!;
  if (b.length === 2) {
    const m = a.reduce((p, d) => p * d, 1) / k;
    return { m, k, n, aOffsets: [0], bOffsets: [0], yOffsets: [0] };
  }
  const m = a[a.length - 2]!;
  const batch = y.slice(0, -2);
  const aMap = broadcastIndexMap(a.slice(0, -2), batch);
  const bMap = broadcastIndexMap(b.slice(0, -2), batch);
  return {
    m, k, n,
    aOffsets: Array.from(aMap, (i) => i * m * k),
    bOffsets: Array.from(bMap, (i) => i * k * n),
    yOffsets: Array.from(aMap, (_, t) => t * m * n),
  };
}

registerOp({
  op: 'MatMul',
  attrs: { act_min: undefined, act_max: undefined },
  arity: [2, 2],
  traits: { absorbsClamp: true, quant: { kind: 'weights' }, int8: 'kernel' },
  infer(node, [a, b]) {
    return [{ shape: matmulShape(node, a!.shape, b!.shape), dtype: a!.dtype }];
  },
  evaluate(node, [a, b]) {
    const shape = matmulShape(node, a!.shape, b!.shape);
    const { m, k, n, aOffsets, bOffsets, yOffsets } = matmulBatches(node, a!.shape, b!.shape);
    const clamp = fusedClamp(node);
    const y = new Float32Array(yOffsets.length * m * n);
    aOffsets.forEach((ao, t) => {
      const bo = bOffsets[t]!;
      const yo = yOffsets[t]!;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += a!.data[ao + i * k + p]! * b!.data[bo + p * n + j]!;
          y[yo + i * n + j] = clampValue(acc, clamp);
        }
    });
    return [{ shape, dtype: 'float32', data: y }];
  },
  macs(node, [a, b]: Tensor[]) {
    const { m, k, n, yOffsets } = matmulBatches(node, a!.shape, b!.shape);
    return yOffsets.length * m * k * n;
  },
});
