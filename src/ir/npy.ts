import { readFileSync } from 'node:fs';
import { bytesPerElement } from './dtype.ts';
import { inputError } from './errors.ts';
import { bytesToData, dataToBytes } from './serialize.ts';
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
  const size = n * bytesPerElement(dtype);
  if (body.length < size) throw inputError(`${where}: truncated .npy data (${body.length} of ${size} bytes)`);
  const data = bytesToData(dtype, body.subarray(0, size), n, where);
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
  const out = new Uint8Array(10 + header.length + v.data.length * bytesPerElement(v.dtype));
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(dataToBytes(v.dtype, v.data), 10 + header.length);
  return out;
}
