// A bounds-checked view of FlatBuffer tables over the `flatbuffers` runtime's ByteBuffer. The
// runtime trusts its offsets (an out-of-range read yields garbage or a RangeError deep inside), so
// every offset is checked here first and a bad one becomes one input error naming the file and the
// field that pointed outside it.

import { ByteBuffer } from 'flatbuffers';
import { inputError } from '../../ir/errors.ts';

/** The file, for error messages, and its bytes. */
export class FlatFile {
  readonly bb: ByteBuffer;
  readonly size: number;
  constructor(
    readonly path: string,
    bytes: Uint8Array,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  fail(what: string): never {
    throw inputError(`${this.path}: malformed .tflite file: ${what}; re-export the model with the TFLite converter`);
  }

  /** Requires [pos, pos + len) inside the file. */
  need(pos: number, len: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || len < 0 || pos + len > this.size) this.fail(`${what} lies outside the ${this.size}-byte file (offset ${pos})`);
  }

  u32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.bb.readUint32(pos);
  }

  /** The root table, after checking the 4-character file identifier. */
  root(identifier: string): Table {
    if (this.size < 8) this.fail(`only ${this.size} bytes (truncated)`);
    const id = String.fromCharCode(...Array.from({ length: 4 }, (_, i) => this.bb.readUint8(4 + i)));
    if (id !== identifier) this.fail(`file identifier is '${id.replace(/[^\x20-\x7e]/g, '?')}', expected '${identifier}' (is this a .tflite model?)`);
    return Table.at(this, this.u32(0, 'root table offset'), 'Model');
  }
}

/** One table: field accessors by field index (vtable slot 4 + 2·index). */
export class Table {
  private constructor(
    readonly file: FlatFile,
    readonly pos: number,
    readonly vtable: number,
    readonly vtableSize: number,
    readonly what: string,
  ) {}

  static at(file: FlatFile, pos: number, what: string): Table {
    file.need(pos, 4, `${what} table`);
    const vtable = pos - file.bb.readInt32(pos);
    file.need(vtable, 4, `${what} vtable`);
    const vtableSize = file.bb.readUint16(vtable);
    const tableSize = file.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) file.fail(`${what} vtable has size ${vtableSize}`);
    file.need(vtable, vtableSize, `${what} vtable`);
    file.need(pos, Math.max(tableSize, 4), `${what} table`);
    return new Table(file, pos, vtable, vtableSize, what);
  }

  /** Absolute position of field `index`, or 0 when absent. */
  private field(index: number, size: number, name: string): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > this.vtableSize) return 0;
    const rel = this.file.bb.readUint16(this.vtable + slot);
    if (rel === 0) return 0;
    this.file.need(this.pos + rel, size, `${this.what}.${name}`);
    return this.pos + rel;
  }

  has(index: number): boolean {
    return this.field(index, 0, 'field') !== 0;
  }

  int(index: number, name: string, dflt = 0, bytes: 1 | 2 | 4 = 4, signed = true): number {
    const p = this.field(index, bytes, name);
    if (!p) return dflt;
    const bb = this.file.bb;
    if (bytes === 1) return signed ? bb.readInt8(p) : bb.readUint8(p);
    if (bytes === 2) return signed ? bb.readInt16(p) : bb.readUint16(p);
    return signed ? bb.readInt32(p) : bb.readUint32(p);
  }

  bool(index: number, name: string, dflt = false): boolean {
    return this.has(index) ? this.int(index, name, 0, 1, false) !== 0 : dflt;
  }

  float(index: number, name: string, dflt = 0): number {
    const p = this.field(index, 4, name);
    return p ? this.file.bb.readFloat32(p) : dflt;
  }

  /** Follows a uoffset field; returns the target position or 0. */
  private ref(index: number, name: string): number {
    const p = this.field(index, 4, name);
    if (!p) return 0;
    return p + this.file.u32(p, `${this.what}.${name}`);
  }

  table(index: number, name: string, what: string): Table | undefined {
    const p = this.ref(index, name);
    return p ? Table.at(this.file, p, what) : undefined;
  }

  string(index: number, name: string): string | undefined {
    const v = this.vector(index, name, 1);
    if (!v) return undefined;
    return new TextDecoder().decode(new Uint8Array(this.bytesOf(v)));
  }

  /** A vector's start and length (element size `elem` bytes), range-checked. */
  vector(index: number, name: string, elem: number): { start: number; length: number } | undefined {
    const p = this.ref(index, name);
    if (!p) return undefined;
    const length = this.file.u32(p, `${this.what}.${name} length`);
    this.file.need(p + 4, length * elem, `${this.what}.${name} (${length} elements)`);
    return { start: p + 4, length };
  }

  ints(index: number, name: string): number[] {
    const v = this.vector(index, name, 4);
    return v ? Array.from({ length: v.length }, (_, i) => this.file.bb.readInt32(v.start + 4 * i)) : [];
  }

  floats(index: number, name: string): number[] {
    const v = this.vector(index, name, 4);
    return v ? Array.from({ length: v.length }, (_, i) => this.file.bb.readFloat32(v.start + 4 * i)) : [];
  }

  /** int64 values; TFLite zero points and shapes fit in a double exactly. */
  longs(index: number, name: string): number[] {
    const v = this.vector(index, name, 8);
    return v ? Array.from({ length: v.length }, (_, i) => Number(this.file.bb.readInt64(v.start + 8 * i))) : [];
  }

  bytes(index: number, name: string): Uint8Array | undefined {
    const v = this.vector(index, name, 1);
    return v ? this.bytesOf(v) : undefined;
  }

  private bytesOf(v: { start: number; length: number }): Uint8Array {
    return this.file.bb.bytes().subarray(v.start, v.start + v.length);
  }

  tables(index: number, name: string, what: string): Table[] {
    const v = this.vector(index, name, 4);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const p = v.start + 4 * i;
      return Table.at(this.file, p + this.file.u32(p, `${this.what}.${name}[${i}]`), `${what}[${i}]`);
    });
  }
}
