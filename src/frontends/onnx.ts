import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { onnx as proto } from 'onnx-proto';
import { allocData, bytesPerElement } from '../ir/dtype.ts';
import { bytesToData } from '../ir/serialize.ts';
import { inputError } from '../ir/errors.ts';
import { dtypeOfOnnx } from '../ir/ops/shape-ops.ts';
import type { AttrValue, DType, Graph, Node, Tensor, TensorData } from '../ir/types.ts';

// onnx-proto is CommonJS (330 KB): required rather than imported, since an ESM import first scans
// it for export names (cjs-module-lexer), a fifth of a float compile's start-up.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');
type LongLike = number | { toNumber(): number };
const num = (v: LongLike | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

const ONNX_ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** Decodes a TensorProto into IR data; external data is refused (harc wants a self-contained file). */
export function tensorFromProto(t: proto.ITensorProto, where: string): Tensor {
  const name = t.name ?? '';
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData && t.externalData.length > 0))
    throw inputError(`${where}: tensor '${name}' stores its data in an external file; re-export the model with the weights inside (torch.onnx.export without external data) or merge it with onnx.load(..., load_external_data=True) + onnx.save`);
  const dtype = dtypeOfOnnx(t.dataType ?? 0, `${where}: tensor '${name}'`);
  const shape = (t.dims ?? []).map(num);
  const n = shape.reduce((a, b) => a * b, 1);
  // Allocate only after the data present in the file matches the shape: dims such as 2^31 must
  // be refused by that check, not by a typed-array allocation of their product.
  if (t.rawData && t.rawData.length > 0) {
    const expected = n * bytesPerElement(dtype);
    if (t.rawData.length !== expected) throw inputError(`${where}: tensor '${name}' has ${t.rawData.length} bytes of data, expected ${expected} for shape [${shape}]`);
    return { name, shape, dtype, data: bytesToData(dtype, t.rawData, n, `${where}: tensor '${name}'`) };
  } else {
    const src: ArrayLike<LongLike> =
      dtype === 'float32' ? t.floatData ?? [] : dtype === 'float64' ? t.doubleData ?? [] : dtype === 'int64' ? t.int64Data ?? [] : t.int32Data ?? [];
    if (src.length !== n) throw inputError(`${where}: tensor '${name}' has ${src.length} values, expected ${n} for shape [${shape}]`);
    const data = allocData(dtype, n);
    for (let i = 0; i < n; i++) data[i] = num(src[i]);
    return { name, shape, dtype, data };
  }
}

function attrValue(a: proto.IAttributeProto, where: string): AttrValue | Tensor {
  const dec = new TextDecoder();
  switch (a.type) {
    case ONNX_ATTR.FLOAT:
      return a.f ?? 0;
    case ONNX_ATTR.INT:
      return num(a.i);
    case ONNX_ATTR.STRING:
      return dec.decode(a.s ?? new Uint8Array());
    case ONNX_ATTR.FLOATS:
      return [...(a.floats ?? [])];
    case ONNX_ATTR.INTS:
      return (a.ints ?? []).map(num);
    case ONNX_ATTR.STRINGS:
      return (a.strings ?? []).map((s) => dec.decode(s));
    case ONNX_ATTR.TENSOR:
      if (!a.t) throw inputError(`${where}: attribute '${a.name}' is of type TENSOR but holds no tensor; the file may be corrupt`);
      return tensorFromProto(a.t, where);
    default:
      throw inputError(`${where}: attribute '${a.name}' has an unsupported type (${a.type})`);
  }
}

function shapeOf(vi: proto.IValueInfoProto, where: string, notice?: Notice): { shape: number[]; dtype: DType } {
  const tt = vi.type?.tensorType;
  if (!tt) throw inputError(`${where}: '${vi.name}' is not a tensor`);
  const dims = tt.shape?.dim ?? [];
  const shape = dims.map((d, i) => {
    // `value` says which oneof member is set: an explicit 0 is an empty axis, not a symbolic one.
    if ((d as proto.TensorShapeProto.Dimension).value === 'dimValue' || (d.dimValue != null && num(d.dimValue) > 0)) return num(d.dimValue);
    if (i === 0) {
      // a symbolic batch dimension: harc compiles for one inference at a time
      notice?.(`${where}: input '${vi.name}' has a symbolic batch dimension '${d.dimParam ?? '?'}'; compiled for batch 1`);
      return 1;
    }
    throw inputError(`${where}: '${vi.name}' has a symbolic dimension '${d.dimParam}' at axis ${i}; export the model with static shapes`);
  });
  return { shape, dtype: dtypeOfOnnx(tt.elemType ?? 0, `${where}: '${vi.name}'`) };
}

/** Told what the importer assumed (one line each), e.g. a symbolic batch dimension fixed to 1. */
export type Notice = (message: string) => void;

/** Reads an ONNX file (opsets 7–17; PyTorch 1.13 exports 13–17) into a harc graph. */
export function importOnnx(path: string, notice?: Notice): Graph {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw inputError(`${path}: cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let model: proto.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw inputError(`${path}: not a valid ONNX model, the file is truncated or corrupt (${(e as Error).message}); re-export it`);
  }
  if (!model.graph) throw inputError(`${path}: ONNX file has no graph (is it really an ONNX model?)`);
  const opset = num(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  return graphFromProto(model.graph, opset, path, notice);
}

export function graphFromProto(g: proto.IGraphProto, opset: number, path: string, notice?: Notice): Graph {
  const tensors: Record<string, Tensor> = {};
  for (const init of g.initializer ?? []) {
    const t = tensorFromProto(init, path);
    tensors[t.name] = t;
  }
  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    if (tensors[vi.name ?? '']) continue; // older exporters also list initializers as inputs
    const { shape, dtype } = shapeOf(vi, path, notice);
    tensors[vi.name!] = { name: vi.name!, shape, dtype };
    inputs.push(vi.name!);
  }
  const nodes: Node[] = [];
  (g.node ?? []).forEach((n, idx) => {
    const name = n.name || `${n.opType}_${idx}`;
    const where = `${path}: node '${name}' (${n.opType})`;
    if (n.domain && n.domain !== 'ai.onnx') {
      nodes.push({ name, op: `${n.domain}.${n.opType}`, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs: {} });
      return;
    }
    const attrs: Record<string, AttrValue> = {};
    let tensorAttr: Tensor | undefined;
    for (const a of n.attribute ?? []) {
      const v = attrValue(a, where);
      if (typeof v === 'object' && !Array.isArray(v)) tensorAttr = v;
      else attrs[a.name!] = v;
    }
    const outputs = [...(n.output ?? [])];
    if (n.opType === 'Constant') {
      tensors[outputs[0]!] = constantNodeValue(outputs[0]!, tensorAttr, attrs, where);
      return;
    }
    if (n.opType === 'ConstantOfShape' && tensorAttr) {
      attrs['value'] = tensorAttr.data![0] ?? 0;
      attrs['value_dtype'] = ({ float32: 1, uint8: 2, int8: 3, int16: 5, int32: 6, int64: 7, bool: 9, float64: 11 } as const)[tensorAttr.dtype];
    }
    const node: Node = { name, op: n.opType!, inputs: [...(n.input ?? [])], outputs, attrs };
    nodes.push(...upgradeLegacyForm(node, opset, tensors));
  });
  const outputs = (g.output ?? []).map((o) => o.name!);
  return { name: sanitizeName(g.name || 'model'), inputs, outputs, tensors, nodes, source: path };
}

function constantNodeValue(name: string, t: Tensor | undefined, attrs: Record<string, AttrValue>, where: string): Tensor {
  if (t) return { ...t, name };
  const scalar = (dtype: DType, v: number[], shape: number[]): Tensor => {
    const data: TensorData = allocData(dtype, v.length);
    v.forEach((x, i) => (data[i] = x));
    return { name, shape, dtype, data };
  };
  if (typeof attrs['value_float'] === 'number') return scalar('float32', [attrs['value_float']], []);
  if (typeof attrs['value_int'] === 'number') return scalar('int64', [attrs['value_int']], []);
  if (Array.isArray(attrs['value_floats'])) return scalar('float32', attrs['value_floats'] as number[], [attrs['value_floats'].length]);
  if (Array.isArray(attrs['value_ints'])) return scalar('int64', attrs['value_ints'] as number[], [attrs['value_ints'].length]);
  throw inputError(`${where}: Constant without a supported value attribute`);
}

/** Rewrites pre-opset-11/13 attribute forms into the input forms harc's ops read. */
function upgradeLegacyForm(node: Node, opset: number, tensors: Record<string, Tensor>): Node[] {
  if (node.op === 'Clip' && opset < 11 && ('min' in node.attrs || 'max' in node.attrs)) {
    const mk = (key: 'min' | 'max'): string => {
      if (!(key in node.attrs)) return '';
      const name = `${node.name}__${key}`;
      tensors[name] = { name, shape: [], dtype: 'float32', data: Float32Array.of(node.attrs[key] as number) };
      return name;
    };
    const inputs = [node.inputs[0]!, mk('min'), mk('max')];
    const { min: _min, max: _max, ...attrs } = node.attrs;
    return [{ ...node, inputs, attrs }];
  }
  if (node.op === 'Softmax' && opset < 13) return [{ ...node, attrs: { ...node.attrs, coerce_2d: 1, axis: node.attrs['axis'] ?? 1 } }];
  return [node];
}

export const sanitizeName = (s: string): string => {
  const c = s.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
  return c.length > 0 ? c : 'model';
};
