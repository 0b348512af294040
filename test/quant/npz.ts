// Minimal .npz (zip of .npy) reader for the shared TFLM reference outputs: stored or deflated
// entries, little-endian integer dtypes, C order.
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: Int8Array | Int16Array | Int32Array | Uint8Array | Float32Array;
}

export function parseNpy(buf: Buffer): NpyArray {
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error('not a .npy file');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`bad npy header ${header}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran order not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = buf.subarray(headerStart + headerLen);
  const copy = new Uint8Array(body).buffer; // aligned copy
  let data: NpyArray['data'];
  switch (descr) {
    case '|i1': data = new Int8Array(copy); break;
    case '|u1': data = new Uint8Array(copy); break;
    case '<i2': data = new Int16Array(copy); break;
    case '<i4': data = new Int32Array(copy); break;
    case '<f4': data = new Float32Array(copy); break;
    default: throw new Error(`dtype ${descr} not supported`);
  }
  return { dtype: descr, shape, data };
}

export function readNpz(path: string): Map<string, NpyArray> {
  const zip = readFileSync(path);
  // end of central directory record
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('zip: no end of central directory');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, NpyArray>();
  for (let e = 0; e < entries; e++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('zip: bad central directory entry');
    const method = zip.readUInt16LE(p + 10);
    const compSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const lNameLen = zip.readUInt16LE(localOffset + 26);
    const lExtraLen = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + lNameLen + lExtraLen;
    const raw = zip.subarray(start, start + compSize);
    const file = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
    if (!file) throw new Error(`zip: compression method ${method} not supported`);
    out.set(name.replace(/\.npy$/, ''), parseNpy(file));
  }
  return out;
}
