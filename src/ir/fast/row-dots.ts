// Row-by-vector products on WebAssembly SIMD: two rows per f64x2 lane pair, eight rows at a time.
// Each lane is one row's double accumulator, adding M[j][k]·v[k] for k in order with IEEE
// double multiply and add (WebAssembly has no fused multiply-add here), so every sum is the same
// double as the reference's scalar loop. Rows beyond a multiple of eight, and engines without
// SIMD, take accumulateRows in plain JavaScript.
import { accumulateRows, asDoubles } from './dot.ts';

type Vec = Float32Array | Float64Array;

// (func (param $acc i32) (param $m i32) (param $blocks i32) (param $cols i32) (param $v i32)):
// for each block of 8 rows, acc[8b..8b+8) += M_block · v, with M stored as row pairs interleaved
// per column: pair q = rows 2q, 2q+1 at m + (q·cols + k)·16.
const CODE = [
  // locals: i32 $blk(5) $p0..$p3(6-9) $vp(10) $vend(11) $ap(12) $cb(13); v128 $a0..$a3(14-17) $x(18)
  0x02, 0x09, 0x7f, 0x05, 0x7b,
  0x20, 0x03, 0x41, 0x04, 0x74, 0x21, 0x0d, // cb = cols << 4
  0x20, 0x04, 0x20, 0x03, 0x41, 0x03, 0x74, 0x6a, 0x21, 0x0b, // vend = v + (cols << 3)
  0x02, 0x40,
  0x20, 0x02, 0x45, 0x0d, 0x00, // if blocks == 0: done
  0x20, 0x00, 0x21, 0x0c, // ap = acc
  0x20, 0x01, 0x21, 0x06, // p0 = m
  0x03, 0x40,
  0x20, 0x06, 0x20, 0x0d, 0x6a, 0x21, 0x07, // p1 = p0 + cb
  0x20, 0x07, 0x20, 0x0d, 0x6a, 0x21, 0x08, // p2 = p1 + cb
  0x20, 0x08, 0x20, 0x0d, 0x6a, 0x21, 0x09, // p3 = p2 + cb
  0x20, 0x0c, 0xfd, 0x00, 0x04, 0x00, 0x21, 0x0e, // a0 = load(ap)
  0x20, 0x0c, 0xfd, 0x00, 0x04, 0x10, 0x21, 0x0f, // a1 = load(ap + 16)
  0x20, 0x0c, 0xfd, 0x00, 0x04, 0x20, 0x21, 0x10, // a2 = load(ap + 32)
  0x20, 0x0c, 0xfd, 0x00, 0x04, 0x30, 0x21, 0x11, // a3 = load(ap + 48)
  0x20, 0x04, 0x21, 0x0a, // vp = v
  0x03, 0x40,
  0x20, 0x0a, 0x2b, 0x03, 0x00, 0xfd, 0x14, 0x21, 0x12, // x = splat(v[k])
  0x20, 0x0e, 0x20, 0x06, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x12, 0xfd, 0xf2, 0x01, 0xfd, 0xf0, 0x01, 0x21, 0x0e, // a0 += p0[k] * x
  0x20, 0x0f, 0x20, 0x07, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x12, 0xfd, 0xf2, 0x01, 0xfd, 0xf0, 0x01, 0x21, 0x0f,
  0x20, 0x10, 0x20, 0x08, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x12, 0xfd, 0xf2, 0x01, 0xfd, 0xf0, 0x01, 0x21, 0x10,
  0x20, 0x11, 0x20, 0x09, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x12, 0xfd, 0xf2, 0x01, 0xfd, 0xf0, 0x01, 0x21, 0x11,
  0x20, 0x06, 0x41, 0x10, 0x6a, 0x21, 0x06, // p0 += 16
  0x20, 0x07, 0x41, 0x10, 0x6a, 0x21, 0x07,
  0x20, 0x08, 0x41, 0x10, 0x6a, 0x21, 0x08,
  0x20, 0x09, 0x41, 0x10, 0x6a, 0x21, 0x09,
  0x20, 0x0a, 0x41, 0x08, 0x6a, 0x22, 0x0a, 0x20, 0x0b, 0x49, 0x0d, 0x00, // vp += 8; while vp < vend
  0x0b,
  0x20, 0x0c, 0x20, 0x0e, 0xfd, 0x0b, 0x04, 0x00, // store(ap, a0)
  0x20, 0x0c, 0x20, 0x0f, 0xfd, 0x0b, 0x04, 0x10,
  0x20, 0x0c, 0x20, 0x10, 0xfd, 0x0b, 0x04, 0x20,
  0x20, 0x0c, 0x20, 0x11, 0xfd, 0x0b, 0x04, 0x30,
  0x20, 0x09, 0x21, 0x06, // p0 = p3 (the next block's first pair)
  0x20, 0x0c, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x0c, // ap += 64
  0x20, 0x05, 0x41, 0x01, 0x6a, 0x22, 0x05, 0x20, 0x02, 0x49, 0x0d, 0x00, // while ++blk < blocks
  0x0b,
  0x0b,
  0x0b,
];

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x09, 0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32 ×5) → ()
  0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, // import env.mem: memory, min 1 page
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x07, 0x08, 0x01, 0x04, 0x72, 0x6f, 0x77, 0x73, 0x00, 0x00, // export "rows"
  0x0a, ...leb(1 + leb(CODE.length).length + CODE.length), 0x01, ...leb(CODE.length), ...CODE,
]);

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

// The few WebAssembly calls used here (the project's TypeScript lib has no WebAssembly types).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
function simdModule(): object | null {
  if (compiled === undefined) compiled = wasm?.validate(MODULE) ? new wasm.Module(MODULE) : null;
  return compiled;
}

/** A matrix block prepared for `RowDots`: rows [mOff/cols, +rows) of M, `cols` wide. */
export interface PreparedRows {
  doubles: Float64Array;
  mOff: number;
  rows: number;
  cols: number;
  /** Rows done in WebAssembly (a multiple of 8), and their interleaved copy's byte offset. */
  simdRows: number;
  at: number;
}

/** Row dots for one compiled graph: its own WebAssembly memory holding the interleaved weights. */
export class RowDots {
  private readonly memory?: WasmMemory;
  private readonly rowsFn?: (acc: number, m: number, blocks: number, cols: number, v: number) => void;
  private top = 0;
  private scratch = { at: 0, bytes: 0 };
  private heap = new Float64Array(0);
  private readonly prepared = new WeakMap<object, Map<string, PreparedRows>>();

  constructor(useSimd = true) {
    const mod = useSimd ? simdModule() : null;
    if (!mod) return;
    this.memory = new wasm!.Memory({ initial: 1 });
    const instance = new wasm!.Instance(mod, { env: { mem: this.memory } });
    this.rowsFn = instance.exports['rows'] as typeof this.rowsFn;
  }

  private alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 16) * 16;
    const need = this.top - this.memory!.buffer.byteLength;
    if (need > 0) this.memory!.grow(Math.ceil(need / 65536));
    return at;
  }

  /** Rows [row0, row0 + rows) of the row-major matrix M (`cols` wide), prepared once per M. */
  rowsOf(M: ArrayLike<number>, mOff: number, rows: number, cols: number): PreparedRows {
    let byM = this.prepared.get(M as object);
    if (!byM) this.prepared.set(M as object, (byM = new Map()));
    const key = `${mOff},${rows},${cols}`;
    let p = byM.get(key);
    if (p) return p;
    const doubles = asDoubles(M);
    const simdRows = this.rowsFn && cols > 0 ? rows - (rows % 8) : 0;
    const at = simdRows > 0 ? this.alloc(simdRows * cols * 8) : 0;
    if (simdRows > 0) {
      const f64 = new Float64Array(this.memory!.buffer, at, simdRows * cols);
      for (let q = 0; q < simdRows / 2; q++)
        for (let k = 0; k < cols; k++) {
          f64[(q * cols + k) * 2] = doubles[mOff + 2 * q * cols + k]!;
          f64[(q * cols + k) * 2 + 1] = doubles[mOff + (2 * q + 1) * cols + k]!;
        }
    }
    p = { doubles, mOff, rows, cols, simdRows, at };
    byM.set(key, p);
    return p;
  }

  /** acc[j] += Σ_k M[j][k] · v[vOff + k], k in order, for every prepared row j. */
  accumulate(p: PreparedRows, acc: Float64Array, v: Vec, vOff: number): void {
    const { simdRows: n, cols } = p;
    if (n > 0) {
      const bytes = (n + cols) * 8;
      if (this.scratch.bytes < bytes) this.scratch = { at: this.alloc(bytes), bytes };
      if (this.heap.buffer !== this.memory!.buffer) this.heap = new Float64Array(this.memory!.buffer);
      const heap = this.heap;
      const a = this.scratch.at / 8;
      const x = a + n;
      for (let j = 0; j < n; j++) heap[a + j] = acc[j]!;
      for (let k = 0; k < cols; k++) heap[x + k] = v[vOff + k]!;
      this.rowsFn!(this.scratch.at, p.at, n / 8, cols, x * 8);
      for (let j = 0; j < n; j++) acc[j] = heap[a + j]!;
    }
    if (n < p.rows) accumulateRest(acc, p, n, v, vOff);
  }
}

/** Rows [from, rows) in JavaScript. */
function accumulateRest(acc: Float64Array, p: PreparedRows, from: number, v: Vec, vOff: number): void {
  const rest = acc.subarray(from, p.rows);
  accumulateRows(rest, p.doubles, p.mOff + from * p.cols, p.rows - from, p.cols, v, vOff);
}
