// Row-by-vector products for the fast interpreter. Every row keeps its own double accumulator and
// adds its products in index order, exactly as the reference ops do; only the interleaving of rows
// differs (eight independent chains at once, which hides the add latency), so every sum is the
// same double, bit for bit.

type Vec = Float32Array | Float64Array;

/** acc[j] += Σ_k M[mOff + j·cols + k] · v[vOff + k] for j < rows, k in order. */
export function accumulateRows(acc: Float64Array, M: Float64Array, mOff: number, rows: number, cols: number, v: Vec, vOff: number): void {
  let j = 0;
  for (; j + 8 <= rows; j += 8) {
    const r = mOff + j * cols;
    let a0 = acc[j]!, a1 = acc[j + 1]!, a2 = acc[j + 2]!, a3 = acc[j + 3]!;
    let a4 = acc[j + 4]!, a5 = acc[j + 5]!, a6 = acc[j + 6]!, a7 = acc[j + 7]!;
    for (let k = 0; k < cols; k++) {
      const x = v[vOff + k]!;
      const o = r + k;
      a0 += M[o]! * x;
      a1 += M[o + cols]! * x;
      a2 += M[o + 2 * cols]! * x;
      a3 += M[o + 3 * cols]! * x;
      a4 += M[o + 4 * cols]! * x;
      a5 += M[o + 5 * cols]! * x;
      a6 += M[o + 6 * cols]! * x;
      a7 += M[o + 7 * cols]! * x;
    }
    acc[j] = a0, acc[j + 1] = a1, acc[j + 2] = a2, acc[j + 3] = a3;
    acc[j + 4] = a4, acc[j + 5] = a5, acc[j + 6] = a6, acc[j + 7] = a7;
  }
  for (; j < rows; j++) {
    const r = mOff + j * cols;
    let a = acc[j]!;
    for (let k = 0; k < cols; k++) a += M[r + k]! * v[vOff + k]!;
    acc[j] = a;
  }
}

const widened = new WeakMap<ArrayLike<number>, Float64Array>();

/** The values as doubles (exact), converted once per constant array: the kernels' weights. */
export function asDoubles(data: ArrayLike<number>): Float64Array {
  if (data instanceof Float64Array) return data;
  let d = widened.get(data);
  if (!d) widened.set(data, (d = Float64Array.from(data)));
  return d;
}
