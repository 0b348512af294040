/** Seeded mutations of ONNX models: raw bytes, and the decoded protobuf (shapes, dtypes, attributes, initializers). */
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';

const { onnx } = onnxProto;

/** The seeded PRNG the quantization tests use (mulberry32): the same sequence on every machine. */
export { rng } from '../../test/quant/cdriver.ts';

export type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

export interface Mutant {
  bytes: Uint8Array;
  /** What was done, e.g. "dims input[1] = -1". */
  what: string;
}

/** The dimension values most likely to break size arithmetic. */
const EXTREME_DIMS = [0, -1, 1, 2, 3, 2 ** 31, 2 ** 31 - 1, 2 ** 32 + 1, 65536, 1e9] as const;
/** ONNX TensorProto data types, including ones harc does not support. */
const DTYPES = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16, 0, 99] as const;

function byteMutation(r: Rand, src: Uint8Array): Mutant {
  const b = Uint8Array.from(src);
  switch (int(r, 4)) {
    case 0: {
      const at = int(r, b.length);
      return { bytes: b.subarray(0, at), what: `truncate at ${at}/${b.length}` };
    }
    case 1: {
      const k = 1 + int(r, 16);
      for (let i = 0; i < k; i++) b[int(r, b.length)] = int(r, 256);
      return { bytes: b, what: `${k} random bytes` };
    }
    case 2: {
      const at = int(r, b.length);
      const len = 1 + int(r, 64);
      return { bytes: Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + len))]), what: `delete ${len} bytes at ${at}` };
    }
    default: {
      const at = int(r, b.length);
      const junk = Array.from({ length: 1 + int(r, 64) }, () => int(r, 256));
      return { bytes: Uint8Array.from([...b.subarray(0, at), ...junk, ...b.subarray(at)]), what: `insert ${junk.length} bytes at ${at}` };
    }
  }
}

type ValueInfo = proto.IValueInfoProto;
const tensorDims = (v: ValueInfo) => v.type?.tensorType?.shape?.dim ?? [];

/** One structural change to a decoded model; returns its description, or undefined if not applicable. */
function structuralMutation(r: Rand, m: proto.ModelProto): string | undefined {
  const g = m.graph!;
  const inits = g.initializer ?? [];
  const nodes = g.node ?? [];
  const ios: ValueInfo[] = [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])];
  switch (int(r, 7)) {
    case 0: {
      // a graph input/output dimension
      const v = pick(r, ios);
      const dims = v ? tensorDims(v) : [];
      if (!v || dims.length === 0) return undefined;
      const i = int(r, dims.length);
      const d = r() < 0.2 ? { dimParam: 'batch' } : { dimValue: pick(r, EXTREME_DIMS) };
      dims[i] = d;
      return `dim ${v.name}[${i}] = ${'dimParam' in d ? d.dimParam : d.dimValue}`;
    }
    case 1: {
      // an initializer's dims, data unchanged
      const t = pick(r, inits);
      if (!t || !t.dims || t.dims.length === 0) return undefined;
      const i = int(r, t.dims.length);
      t.dims[i] = pick(r, EXTREME_DIMS);
      return `initializer ${t.name} dims[${i}] = ${String(t.dims[i])}`;
    }
    case 2: {
      // swap a dtype (initializer or graph input)
      if (r() < 0.5 && inits.length > 0) {
        const t = pick(r, inits);
        t.dataType = pick(r, DTYPES);
        return `initializer ${t.name} dtype = ${t.dataType}`;
      }
      const v = pick(r, ios);
      if (!v?.type?.tensorType) return undefined;
      v.type.tensorType.elemType = pick(r, DTYPES);
      return `value ${v.name} dtype = ${v.type.tensorType.elemType}`;
    }
    case 3: {
      // remove an attribute
      const withAttrs = nodes.filter((n) => (n.attribute?.length ?? 0) > 0);
      if (withAttrs.length === 0) return undefined;
      const n = pick(r, withAttrs);
      const i = int(r, n.attribute!.length);
      const [a] = n.attribute!.splice(i, 1);
      return `node ${n.name} (${n.opType}) without attribute ${a?.name}`;
    }
    case 4: {
      // resize an initializer's data
      const t = pick(r, inits);
      if (!t) return undefined;
      const delta = pick(r, [-4, -1, 1, 4, 1000]);
      if (t.rawData && t.rawData.length > 0) {
        const n = Math.max(0, t.rawData.length + delta);
        const raw = new Uint8Array(n);
        raw.set(t.rawData.subarray(0, Math.min(n, t.rawData.length)));
        t.rawData = raw;
      } else if (t.floatData && t.floatData.length > 0) {
        t.floatData = delta < 0 ? t.floatData.slice(0, Math.max(0, t.floatData.length + delta)) : [...t.floatData, ...new Array<number>(delta).fill(0.5)];
      } else if (t.int64Data && t.int64Data.length > 0) {
        t.int64Data = delta < 0 ? t.int64Data.slice(0, Math.max(0, t.int64Data.length + delta)) : [...t.int64Data, ...new Array<number>(delta).fill(1)];
      } else return undefined;
      return `initializer ${t.name} data ${delta > 0 ? '+' : ''}${delta}`;
    }
    case 5: {
      // an attribute's value made extreme
      const withAttrs = nodes.filter((n) => (n.attribute?.length ?? 0) > 0);
      if (withAttrs.length === 0) return undefined;
      const n = pick(r, withAttrs);
      const a = pick(r, n.attribute!);
      const v = pick(r, [0, -1, 2 ** 31, -(2 ** 31), 1e9, 7]);
      if (a.ints && a.ints.length > 0) a.ints[int(r, a.ints.length)] = v;
      else if (a.type === onnx.AttributeProto.AttributeType.INT) a.i = v;
      else if (a.type === onnx.AttributeProto.AttributeType.FLOAT) a.f = pick(r, [NaN, Infinity, -1, 0, 1e30]);
      else return undefined;
      return `node ${n.name} (${n.opType}) attribute ${a.name} = ${v}`;
    }
    default: {
      // rewire an input of a node to another tensor (or a missing one)
      const n = pick(r, nodes);
      if (!n?.input || n.input.length === 0) return undefined;
      const names = [...inits.map((t) => t.name ?? ''), ...nodes.flatMap((x) => x.output ?? []), 'no_such_tensor', ''];
      const i = int(r, n.input.length);
      n.input[i] = pick(r, names);
      return `node ${n.name} (${n.opType}) input ${i} = '${n.input[i]}'`;
    }
  }
}

/** A mutant of an ONNX model: a third byte-level, two thirds structural (1–3 changes). */
export function mutateOnnx(r: Rand, src: Uint8Array): Mutant {
  if (r() < 1 / 3) return byteMutation(r, src);
  const m = onnx.ModelProto.decode(src);
  const done: string[] = [];
  const k = 1 + int(r, 3);
  for (let tries = 0; done.length < k && tries < 20; tries++) {
    const what = structuralMutation(r, m);
    if (what) done.push(what);
  }
  if (done.length === 0) return byteMutation(r, src);
  return { bytes: onnx.ModelProto.encode(m).finish(), what: done.join('; ') };
}
