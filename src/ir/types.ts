// The IR is plain data: a Graph of Nodes and Tensors that can be printed as JSON and diffed.

export type DType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

/** Quantization of a tensor. The bit-width is data: 8 for activations today, 16 for recurrent
 * state, 4 and 2 for weights; per-channel when `scale` has more than one entry (along `axis`). */
/** A tensor's quantization record: real = scale · (q − zeroPoint), per tensor (one scale) or per
 * channel along `axis`. */
export interface QuantParams {
  bits: number;
  signed: boolean;
  scale: number[];
  zeroPoint: number[];
  axis?: number;
}

/** The per-tensor case of QuantParams as scalars: what kernel parameters are computed from. The
 * one quantization-parameter type besides the record (src/ir/quant works on it). */
export interface TensorQuant {
  /** float32 value as stored in the tensor's quantization parameters */
  scale: number;
  zeroPoint: number;
  bits: number;
}

/** Constant data. float32 → Float32Array; every integer dtype (incl. int64, whose values here are
 * shapes and indices well inside 2^53) → Float64Array of integral values, or the narrow typed array. */
export type TensorData = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface Tensor {
  name: string;
  shape: number[];
  dtype: DType;
  quant?: QuantParams;
  data?: TensorData;
  /** Persistent state (a TFLite variable tensor: LSTM / SVDF state): kept in the arena across
   * inferences, set to its zero point by the generated `<name>_reset()`. */
  variable?: boolean;
}

export type AttrValue = number | string | number[] | string[];

export interface Node {
  name: string;
  op: string;
  inputs: string[]; // '' marks an omitted optional input
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  inputs: string[];
  outputs: string[];
  tensors: Record<string, Tensor>;
  nodes: Node[];
  /** Where the graph came from (file path), used in error messages. */
  source?: string;
}

/** A runtime value in the reference interpreter. */
export interface Value {
  shape: number[];
  dtype: DType;
  data: TensorData;
}
