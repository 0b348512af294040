import { attrFloat, attrInt } from '../registry.ts';
import { clampValue, fusedClamp } from '../ops/activation.ts';
import { broadcastIndexMap, numel } from '../shape.ts';
import type { Node, Tensor, Value } from '../types.ts';
import type { FastKernel } from './kernel.ts';

const isF32 = (t: Tensor | undefined): t is Tensor => t?.dtype === 'float32';

/** Gemm as src/ir/ops/gemm.ts computes it: acc over p in order (double), alpha·acc + beta·C,
 * clamp, float32. Four output columns side by side. */
export function fastGemm(node: Node, [a, b, c]: (Tensor | undefined)[], [y]: (Tensor | undefined)[]): FastKernel | undefined {
  if (!isF32(a) || !isF32(b) || (c && !isF32(c)) || !y || a.shape.length !== 2 || b.shape.length !== 2) return undefined;
  const ta = attrInt(node, 'transA');
  const tb = attrInt(node, 'transB');
  const [m, k] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const n = tb ? b.shape[0]! : b.shape[1]!;
  if (numel(y.shape) !== m * n) return undefined;
  const alpha = attrFloat(node, 'alpha');
  const beta = attrFloat(node, 'beta');
  const clamp = fusedClamp(node);
  const cmap = c ? broadcastIndexMap(c.shape, [m, n]) : undefined;
  // element (i, p) of A' and (p, j) of B' as flat offsets: base + p·step
  const aRow = ta ? 1 : k, aStep = ta ? m : 1;
  const bCol = tb ? k : 1, bStep = tb ? 1 : n;
  const Y = new Float32Array(m * n);
  const out: Value[] = [{ shape: y.shape, dtype: 'float32', data: Y }];
  return ([av, bv, cv]) => {
    const A = av!.data as Float32Array;
    const B = bv!.data as Float32Array;
    const C = cv?.data;
    for (let i = 0; i < m; i++) {
      const ai = i * aRow;
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const b0 = j * bCol, b1 = b0 + bCol, b2 = b1 + bCol, b3 = b2 + bCol;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = 0; p < k; p++) {
          const x = A[ai + p * aStep]!;
          const bo = p * bStep;
          s0 += x * B[b0 + bo]!;
          s1 += x * B[b1 + bo]!;
          s2 += x * B[b2 + bo]!;
          s3 += x * B[b3 + bo]!;
        }
        const sums = [s0, s1, s2, s3];
        for (let q = 0; q < 4; q++) {
          let v = alpha * sums[q]!;
          if (C) v += beta * C[cmap![i * n + j + q]!]!;
          Y[i * n + j + q] = clampValue(v, clamp);
        }
      }
      for (; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ai + p * aStep]! * B[j * bCol + p * bStep]!;
        let v = alpha * s;
        if (C) v += beta * C[cmap![i * n + j]!]!;
        Y[i * n + j] = clampValue(v, clamp);
      }
    }
    return out;
  };
}

/** MatMul with a 2-D B as src/ir/ops/gemm.ts computes it. */
export function fastMatMul(node: Node, [a, b]: (Tensor | undefined)[], [y]: (Tensor | undefined)[]): FastKernel | undefined {
  if (!isF32(a) || !isF32(b) || !y || b.shape.length !== 2) return undefined;
  const [k, n] = [b.shape[0]!, b.shape[1]!];
  const rows = numel(a.shape) / k;
  if (!Number.isInteger(rows) || numel(y.shape) !== rows * n) return undefined;
  const clamp = fusedClamp(node);
  const Y = new Float32Array(rows * n);
  const out: Value[] = [{ shape: y.shape, dtype: 'float32', data: Y }];
  return ([av, bv]) => {
    const A = av!.data as Float32Array;
    const B = bv!.data as Float32Array;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[i * k + p]! * B[p * n + j]!;
        Y[i * n + j] = clampValue(s, clamp);
      }
    return out;
  };
}
