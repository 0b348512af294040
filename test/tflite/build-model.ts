// Writes small .tflite files with the flatbuffers Builder, so the importer's tests do not depend on
// ../shared: a one-layer int8 FULLY_CONNECTED model (optionally broken in a chosen way).
import { Builder } from 'flatbuffers';

export interface TinyFcOptions {
  /** buffer index the weight tensor points at (default: its own) */
  weightBuffer?: number;
  /** builtin code of the operator (default FULLY_CONNECTED = 9) */
  builtin?: number;
  /** extra subgraphs (copies of the first) */
  extraSubgraphs?: number;
  identifier?: string;
  /** float input and output: QUANTIZE → FULLY_CONNECTED → DEQUANTIZE */
  floatIo?: boolean;
}

const ints = (b: Builder, v: number[]): number => {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]!);
  return b.endVector();
};
const floats = (b: Builder, v: number[]): number => {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addFloat32(v[i]!);
  return b.endVector();
};
const longs = (b: Builder, v: number[]): number => {
  b.startVector(8, v.length, 8);
  for (let i = v.length - 1; i >= 0; i--) b.addInt64(BigInt(v[i]!));
  return b.endVector();
};
const offsets = (b: Builder, v: number[]): number => {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]!);
  return b.endVector();
};

/** y[1,2] = FC(x[1,3] int8, W[2,3] int8 per-tensor, b[2] int32), all quantized. */
export function tinyFcModel(o: TinyFcOptions = {}): Uint8Array {
  const b = new Builder(1024);
  const W = Int8Array.of(10, -20, 30, 40, 50, -60);
  const B = Int32Array.of(100, -200);
  const buffer = (data?: Uint8Array): number => {
    const d = data ? b.createByteVector(data) : 0;
    b.startObject(3);
    if (d) b.addFieldOffset(0, d, 0);
    return b.endObject();
  };
  const buffers = [buffer(), buffer(new Uint8Array(W.buffer)), buffer(new Uint8Array(B.buffer))];
  const quant = (scale: number[], zp: number[]): number => {
    const s = floats(b, scale);
    const z = longs(b, zp);
    b.startObject(7);
    b.addFieldOffset(2, s, 0);
    b.addFieldOffset(3, z, 0);
    return b.endObject();
  };
  const tensor = (name: string, shape: number[], type: number, buf: number, q: number): number => {
    const n = b.createString(name);
    const s = ints(b, shape);
    b.startObject(6);
    b.addFieldOffset(0, s, 0);
    b.addFieldInt8(1, type, 0);
    b.addFieldInt32(2, buf, 0);
    b.addFieldOffset(3, n, 0);
    b.addFieldOffset(4, q, 0);
    return b.endObject();
  };
  const subgraph = (): number => {
    const ts = [
      tensor('x', [1, 3], 9, 0, quant([0.5], [-3])),
      tensor('w', [2, 3], 9, o.weightBuffer ?? 1, quant([0.01], [0])),
      tensor('b', [2], 2, 2, quant([0.005], [0])),
      tensor('y', [1, 2], 9, 0, quant([0.25], [7])),
      ...(o.floatIo ? [tensor('xf', [1, 3], 0, 0, 0), tensor('yf', [1, 2], 0, 0, 0)] : []),
    ];
    const opIns = ints(b, [0, 1, 2]);
    const opOuts = ints(b, [3]);
    b.startObject(3);
    b.addFieldInt8(0, 0, 0); // fused activation NONE
    const fcOpts = b.endObject();
    b.startObject(5);
    b.addFieldInt32(0, 0, 0);
    b.addFieldOffset(1, opIns, 0);
    b.addFieldOffset(2, opOuts, 0);
    b.addFieldInt8(3, 8, 0); // BuiltinOptions.FullyConnectedOptions
    b.addFieldOffset(4, fcOpts, 0);
    const op = b.endObject();
    const simple = (code: number, i: number, out: number): number => {
      const iv1 = ints(b, [i]);
      const ov1 = ints(b, [out]);
      b.startObject(5);
      b.addFieldInt32(0, code, 0);
      b.addFieldOffset(1, iv1, 0);
      b.addFieldOffset(2, ov1, 0);
      return b.endObject();
    };
    const ops = o.floatIo ? [simple(1, 4, 0), op, simple(2, 3, 5)] : [op];
    const tv = offsets(b, ts);
    const iv = ints(b, [o.floatIo ? 4 : 0]);
    const ov = ints(b, [o.floatIo ? 5 : 3]);
    const opv = offsets(b, ops);
    b.startObject(5);
    b.addFieldOffset(0, tv, 0);
    b.addFieldOffset(1, iv, 0);
    b.addFieldOffset(2, ov, 0);
    b.addFieldOffset(3, opv, 0);
    return b.endObject();
  };
  const sgs = Array.from({ length: 1 + (o.extraSubgraphs ?? 0) }, subgraph);
  const opcode = (builtin: number): number => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(builtin, 127), 0);
    b.addFieldInt32(2, 1, 1);
    b.addFieldInt32(3, builtin, 0);
    return b.endObject();
  };
  const codes = offsets(b, [opcode(o.builtin ?? 9), ...(o.floatIo ? [opcode(114), opcode(6)] : [])]);
  const sgv = offsets(b, sgs);
  const bv = offsets(b, buffers);
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codes, 0);
  b.addFieldOffset(2, sgv, 0);
  b.addFieldOffset(4, bv, 0);
  const model = b.endObject();
  b.finish(model, o.identifier ?? 'TFL3');
  return b.asUint8Array().slice();
}
