import { readFileSync } from 'node:fs';
import { allocData } from './dtype.ts';
import { inputError } from './errors.ts';
import { dataToBytes } from './serialize.ts';
import type { DType, Value } from './types.ts';

// NumPy .npy v1/v2/v3, little-endian, C order: the tensor format of every harc command.

const DESCR: Record<string, DType> = { '<f4': 'float32', '<f8': 'float64', '|i1': 'int8', '|u1': 'uint8', '<i2': 'int16', '<i4': 'int32', '<i8': 'int64', '|b1': 'bool' };
const DESCR_OF: Record<DType, string> = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Record<DType, string>;

export function parseNpy(buf: Uint8Array, where: string): Value {
  const magic = String.fromCharCode(...buf.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw inputError(`${where}: not a .npy file (bad magic); save arrays with numpy.save`);
  const major = buf[6]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 10) throw inputError(`${where}: truncated .npy header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (buf.length < start + headerLen) throw inputError(`${where}: truncated .npy header`);
  const header = new TextDecoder().decode(buf.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw inputError(`${where}: unreadable .npy header '${header.trim()}'`);
  if (fortran) throw inputError(`${where}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const dtype = DESCR[descr];
  if (!dtype) throw inputError(`${where}: dtype '${descr}' is not supported (use float32, int8, uint8, int16, int32, int64)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  const size = n * ({ float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 } as const)[dtype];
  if (body.length < size) throw inputError(`${where}: truncated .npy data (${body.length} of ${size} bytes)`);
  // a copy: Buffer.slice is a view into the file's pooled memory
  const bytes = new Uint8Array(body.subarray(0, size));
  const dv = new DataView(bytes.buffer);
  const data = allocData(dtype, n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float32': data[i] = dv.getFloat32(i * 4, true); break;
      case 'float64': data[i] = dv.getFloat64(i * 8, true); break;
      case 'int8': data[i] = dv.getInt8(i); break;
      case 'uint8': case 'bool': data[i] = dv.getUint8(i); break;
      case 'int16': data[i] = dv.getInt16(i * 2, true); break;
      case 'int32': data[i] = dv.getInt32(i * 4, true); break;
      case 'int64': data[i] = Number(dv.getBigInt64(i * 8, true)); break;
    }
  }
  return { shape, dtype, data };
}

export function readNpy(path: string): Value {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw inputError(`${path}: cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseNpy(buf, path);
}

export function encodeNpy(v: Value): Uint8Array {
  const shape = v.shape.length === 1 ? `(${v.shape[0]},)` : `(${v.shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[v.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + v.data.length * ({ float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 } as const)[v.dtype]);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(dataToBytes(v.dtype, v.data), 10 + header.length);
  return out;
}
