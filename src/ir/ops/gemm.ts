import { inputError } from '../errors.ts';
import { attrFloat, attrInt, registerOp, unsupported } from '../registry.ts';
import { broadcastIndexMap } from '../shape.ts';
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

/** MatMul with numpy semantics; harc lowers it when B is a constant 2-D matrix. */
function matmulShape(node: Node, a: number[], b: number[]): number[] {
  if (a.length < 1 || b.length < 1) throw unsupported(node, 'a scalar operand');
  if (b.length !== 2) throw unsupported(node, `MatMul with B of rank ${b.length} (only a 2-D B)`);
  if (a[a.length - 1] !== b[0]) throw inputError(`node '${node.name}' (MatMul): A [${a}] and B [${b}] inner dimensions differ`);
  return [...a.slice(0, -1), b[1]!];
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
    const k = b!.shape[0]!;
    const n = b!.shape[1]!;
    const rows = a!.data.length / k;
    const clamp = fusedClamp(node);
    const y = new Float32Array(rows * n);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a!.data[i * k + p]! * b!.data[p * n + j]!;
        y[i * n + j] = clampValue(acc, clamp);
      }
    return [{ shape, dtype: 'float32', data: y }];
  },
  macs(_node, [a, b]: Tensor[]) {
    return (a!.shape.reduce((x, y) => x * y, 1) / b!.shape[0]!) * b!.shape[0]! * b!.shape[1]!;
  },
});
