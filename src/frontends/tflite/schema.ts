// Typed accessors for the subset of the TFLite schema (schema.fbs) harc reads: Model, SubGraph,
// Tensor, Buffer, Operator, OperatorCode, QuantizationParameters and the builtin options of the ops
// the importer knows. Field indices are the declaration order in schema.fbs (a union field takes
// two: its type tag, then its value).

import { BUILTIN_NAMES } from './builtin-names.ts';
import { FlatFile, Table } from './flatbuffer.ts';

export interface TfliteQuant {
  scale: number[];
  zeroPoint: number[];
  axis: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  /** schema TensorType code */
  type: number;
  buffer: number;
  quant?: TfliteQuant;
  isVariable: boolean;
}

export interface TfliteOperator {
  index: number;
  opcode: string;
  inputs: number[];
  outputs: number[];
  /** builtin_options as a table (read by the op's importer), if present */
  options?: Table;
}

export interface TfliteModel {
  path: string;
  version: number;
  subgraphCount: number;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
  /** Constant buffer contents by buffer index (empty when the buffer has no data). */
  buffer: (index: number, what: string) => Uint8Array;
}

export const TENSOR_TYPES: Record<number, string> = {
  0: 'FLOAT32', 1: 'FLOAT16', 2: 'INT32', 3: 'UINT8', 4: 'INT64', 5: 'STRING', 6: 'BOOL', 7: 'INT16', 8: 'COMPLEX64', 9: 'INT8', 10: 'FLOAT64',
  11: 'COMPLEX128', 12: 'UINT64', 13: 'RESOURCE', 14: 'VARIANT', 15: 'UINT32', 16: 'UINT16', 17: 'INT4', 18: 'BFLOAT16', 19: 'INT2', 20: 'UINT4',
};

export const PADDING = ['SAME', 'VALID'] as const;
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'] as const;

function readQuant(t: Table): TfliteQuant | undefined {
  const q = t.table(4, 'quantization', 'QuantizationParameters');
  if (!q) return undefined;
  if (q.int(4, 'details_type', 0, 1, false) !== 0) q.file.fail(`tensor quantization uses custom 'details', which harc does not read`);
  const scale = q.floats(2, 'scale');
  if (scale.length === 0) return undefined;
  const zeroPoint = q.longs(3, 'zero_point');
  return { scale, zeroPoint: zeroPoint.length ? zeroPoint : scale.map(() => 0), axis: q.int(6, 'quantized_dimension') };
}

function readTensor(t: Table, index: number): TfliteTensor {
  return {
    index,
    name: t.string(3, 'name') ?? `tensor_${index}`,
    shape: t.ints(0, 'shape'),
    type: t.int(1, 'type', 0, 1),
    buffer: t.int(2, 'buffer', 0, 4, false),
    quant: readQuant(t),
    isVariable: t.bool(5, 'is_variable'),
  };
}

function opcodeName(c: Table): string {
  // builtin_code (int32) superseded deprecated_builtin_code (int8) at 127; readers take the max
  const code = Math.max(c.int(0, 'deprecated_builtin_code', 0, 1), c.int(3, 'builtin_code'));
  if (code === 32) return `CUSTOM(${c.string(1, 'custom_code') ?? '?'})`;
  return BUILTIN_NAMES[code] ?? `builtin #${code}`;
}

/** Reads the model's structure (subgraph 0); the tensors' data is read on demand via `buffer`. */
export function readTflite(path: string, bytes: Uint8Array): TfliteModel {
  const file = new FlatFile(path, bytes);
  const model = file.root('TFL3');
  const codes = model.tables(1, 'operator_codes', 'OperatorCode').map(opcodeName);
  const subgraphs = model.tables(2, 'subgraphs', 'SubGraph');
  if (subgraphs.length === 0) file.fail('the model has no subgraph');
  const sg = subgraphs[0]!;
  const buffers = model.tables(4, 'buffers', 'Buffer');
  const tensors = sg.tables(0, 'tensors', 'Tensor').map(readTensor);
  const checkTensor = (i: number, what: string): number => {
    if (i !== -1 && !(i >= 0 && i < tensors.length)) file.fail(`${what} refers to tensor ${i}, but subgraph 0 has ${tensors.length} tensors`);
    return i;
  };
  for (const t of tensors) if (t.buffer >= buffers.length) file.fail(`tensor ${t.index} ('${t.name}') refers to buffer ${t.buffer}, but the model has ${buffers.length} buffers`);
  const operators = sg.tables(3, 'operators', 'Operator').map((o, index): TfliteOperator => {
    const ci = o.int(0, 'opcode_index', 0, 4, false);
    if (ci >= codes.length) file.fail(`operator ${index} has opcode_index ${ci}, but the model has ${codes.length} operator codes`);
    const what = `operator ${index} (${codes[ci]})`;
    return {
      index,
      opcode: codes[ci]!,
      inputs: o.ints(1, 'inputs').map((i) => checkTensor(i, `${what} input`)),
      outputs: o.ints(2, 'outputs').map((i) => checkTensor(i, `${what} output`)),
      options: o.int(3, 'builtin_options_type', 0, 1, false) !== 0 ? o.table(4, 'builtin_options', `${codes[ci]} options`) : undefined,
    };
  });
  return {
    path,
    version: model.int(0, 'version', 0, 4, false),
    subgraphCount: subgraphs.length,
    tensors,
    inputs: sg.ints(1, 'inputs').map((i) => checkTensor(i, 'subgraph input')),
    outputs: sg.ints(2, 'outputs').map((i) => checkTensor(i, 'subgraph output')),
    operators,
    buffer: (index, what) => {
      if (index >= buffers.length) file.fail(`${what} refers to buffer ${index}, but the model has ${buffers.length} buffers`);
      const b = buffers[index]!;
      if (b.has(1) && Number(b.int(1, 'offset', 0, 4, false)) > 1) file.fail(`${what}: buffer ${index} is stored outside the flatbuffer (models over 2 GB are not supported)`);
      return b.bytes(0, 'data') ?? new Uint8Array(0);
    },
  };
}
