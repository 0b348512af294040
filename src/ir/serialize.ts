import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Ajv } from 'ajv';
import { allocData, bytesPerElement } from './dtype.ts';
import { inputError } from './errors.ts';
import schema from './graph-schema.json' with { type: 'json' };
import { numel } from './shape.ts';
import type { DType, Graph, Tensor, TensorData } from './types.ts';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

/** harc's own model format: versioned JSON, weights inline (base64) or in a side `.bin` file. */
export interface GraphJson {
  format: 'harc-graph';
  version: 1;
  name: string;
  inputs: string[];
  outputs: string[];
  weightsFile?: string;
  tensors: TensorJson[];
  nodes: { name: string; op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, unknown> }[];
}

interface TensorJson {
  name: string;
  shape: number[];
  dtype: DType;
  quant?: Tensor['quant'];
  data?: { base64: string } | { offset: number; bytes: number };
}

// Loaded and compiled on the first JSON model: ajv and the schema compile cost ~100 ms at every
// start otherwise, and most commands read ONNX. (The `Ajv` import above is used as a type only, so
// the compilers drop it.)
let validator: ValidateFunction<GraphJson> | undefined;
function schemaValidator(): ValidateFunction<GraphJson> {
  if (!validator) {
    const ajv = createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv };
    validator = new ajv.Ajv({ allErrors: false, strict: true }).compile<GraphJson>(schema);
  }
  return validator;
}

/** Little-endian bytes of tensor data in its declared dtype. */
export function dataToBytes(dtype: DType, data: TensorData): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n * bytesPerElement(dtype));
  const v = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const x = data[i]!;
    switch (dtype) {
      case 'float32': v.setFloat32(i * 4, x, true); break;
      case 'float64': v.setFloat64(i * 8, x, true); break;
      case 'int8': v.setInt8(i, x); break;
      case 'uint8': case 'bool': v.setUint8(i, x); break;
      case 'int16': v.setInt16(i * 2, x, true); break;
      case 'int32': v.setInt32(i * 4, x, true); break;
      case 'int64': v.setBigInt64(i * 8, BigInt(x), true); break;
    }
  }
  return out;
}

export function bytesToData(dtype: DType, bytes: Uint8Array, count: number, where: string): TensorData {
  if (bytes.length !== count * bytesPerElement(dtype)) throw inputError(`${where}: ${bytes.length} bytes of data, expected ${count * bytesPerElement(dtype)}`);
  const copy = new Uint8Array(bytes); // Buffer.slice would be a view, not a copy
  const v = new DataView(copy.buffer);
  const out = allocData(dtype, count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float32': out[i] = v.getFloat32(i * 4, true); break;
      case 'float64': out[i] = v.getFloat64(i * 8, true); break;
      case 'int8': out[i] = v.getInt8(i); break;
      case 'uint8': case 'bool': out[i] = v.getUint8(i); break;
      case 'int16': out[i] = v.getInt16(i * 2, true); break;
      case 'int32': out[i] = v.getInt32(i * 4, true); break;
      case 'int64': out[i] = Number(v.getBigInt64(i * 8, true)); break;
    }
  }
  return out;
}

/** Graph → JSON object; with `weightsFile`, constant data goes to one side buffer (returned). */
export function graphToJson(g: Graph, opts: { weightsFile?: string } = {}): { json: GraphJson; weights?: Uint8Array } {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const tensors = Object.values(g.tensors)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t): TensorJson => {
      const out: TensorJson = { name: t.name, shape: t.shape, dtype: t.dtype };
      if (t.quant) out.quant = t.quant;
      if (t.data) {
        const bytes = dataToBytes(t.dtype, t.data);
        if (opts.weightsFile) {
          out.data = { offset, bytes: bytes.length };
          chunks.push(bytes);
          offset += bytes.length;
        } else out.data = { base64: Buffer.from(bytes).toString('base64') };
      }
      return out;
    });
  const json: GraphJson = {
    format: 'harc-graph',
    version: 1,
    name: g.name,
    inputs: g.inputs,
    outputs: g.outputs,
    ...(opts.weightsFile ? { weightsFile: basename(opts.weightsFile) } : {}),
    tensors,
    nodes: g.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs })),
  };
  if (!opts.weightsFile) return { json };
  const weights = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) weights.set(c, (at += c.length) - c.length);
  return { json, weights };
}

/** Validates against the schema (errors name the JSON path) and builds the graph. */
export function graphFromJson(raw: unknown, where: string, readWeights?: (file: string) => Uint8Array): Graph {
  const validate = schemaValidator();
  if (!validate(raw)) {
    const e = validate.errors![0]!;
    const path = e.instancePath || '/';
    const extra = e.params && 'additionalProperty' in e.params ? ` '${String(e.params['additionalProperty'])}'` : '';
    const allowed = e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params['allowedValues'])})` : '';
    throw inputError(`${where}: schema error at ${path}: ${e.message}${extra}${allowed}`);
  }
  const j = raw;
  let side: Uint8Array | undefined;
  const tensors: Record<string, Tensor> = {};
  for (const t of j.tensors) {
    const tensor: Tensor = { name: t.name, shape: t.shape, dtype: t.dtype };
    if (t.quant) tensor.quant = t.quant;
    if (t.data) {
      let bytes: Uint8Array;
      if ('base64' in t.data) bytes = Buffer.from(t.data.base64, 'base64');
      else {
        if (!j.weightsFile) throw inputError(`${where}: tensor '${t.name}' refers to a weights file but 'weightsFile' is not set`);
        side ??= readWeights ? readWeights(j.weightsFile) : new Uint8Array();
        if (t.data.offset + t.data.bytes > side.length)
          throw inputError(`${where}: tensor '${t.name}' reads past the end of '${j.weightsFile}' (${side.length} bytes); the weights file is truncated`);
        bytes = side.subarray(t.data.offset, t.data.offset + t.data.bytes);
      }
      tensor.data = bytesToData(t.dtype, bytes, numel(t.shape), `${where}: tensor '${t.name}'`);
    }
    if (tensors[t.name]) throw inputError(`${where}: tensor '${t.name}' is declared twice`);
    tensors[t.name] = tensor;
  }
  for (const i of j.inputs) if (!tensors[i]) throw inputError(`${where}: graph input '${i}' has no entry in 'tensors' (its shape and dtype)`);
  return {
    name: j.name,
    inputs: j.inputs,
    outputs: j.outputs,
    tensors,
    nodes: j.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: (n.attrs ?? {}) as Graph['nodes'][0]['attrs'] })),
    source: where,
  };
}

export function loadGraphJson(path: string): Graph {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw inputError(`${path}: cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw inputError(`${path}: not valid JSON (${(e as Error).message}); the file may be truncated`);
  }
  return graphFromJson(raw, path, (file) => {
    // the weights live beside the model: a path out of its directory would pull any local file into weights.c
    if (isAbsolute(file) || file.split(/[\\/]/).includes('..'))
      throw inputError(`${path}: weightsFile '${file}' must name a file inside the model's directory (no absolute path, no '..')`);
    const p = join(dirname(path), file);
    try {
      return readFileSync(p);
    } catch {
      throw inputError(`${path}: weights file '${p}' cannot be read`);
    }
  });
}
