import type { Node, Tensor } from './types.ts';

// What the stages need to know about an op, kept on its OpDef (registry.ts) so that passes,
// quantization and lowerings ask the record instead of keeping their own op-name lists.

/** How int8 quantization chooses the parameters of the op's output (TFLite int8 scheme). */
export type QuantRule =
  /** Not quantizable: the model stays float when it has this op. */
  | { kind: 'none' }
  /** From the calibration statistics of the output tensor. */
  | { kind: 'calibrated' }
  /** Weights quantized per channel (symmetric), int32 bias, output calibrated (Conv, Gemm, MatMul). */
  | { kind: 'weights' }
  /** Output takes input 0's parameters (data movement, max, average, clamps). */
  | { kind: 'inherits' }
  /** Output parameters fixed by the kernel (TFLite's logistic, tanh, softmax). */
  | { kind: 'fixed'; scale: number; zeroPoint: number }
  /** The recurrent scheme (src/passes/quantize-recurrent.ts). */
  | { kind: 'recurrent' }
  /** Only in an imported pre-quantized model (TFLite), whose file gives the parameters; harc's own
   * quantizer does not produce the op, so a float model with it stays float. */
  | { kind: 'imported' };

export interface OpTraits {
  /** Maps each element independently ('unary': extra inputs are scalar parameters) or pairs
   * elements with numpy broadcasting ('binary'). Such ops are layout-agnostic and their float
   * kernels may write over an input. */
  elementwise?: 'unary' | 'binary';
  /** y = x ∘ c with a constant c folds into a neighbouring Conv / Gemm / BatchNormalization. */
  affine?: boolean;
  /** Has a channels-last (NHWC) form the layout pass converts it to. */
  channelsLast?: boolean;
  /** A following clamp (Relu, Clip) can become its output clamp (act_min / act_max). */
  absorbsClamp?: boolean;
  /** The clamp this node applies when a producer may absorb it (undefined: not a constant clamp). */
  clamp?(node: Node, inputs: (Tensor | undefined)[]): { min: number; max: number } | undefined;
  /** Inputs (besides elementwise ones) the float kernel may overwrite with output 0. */
  inPlace?: number[];
  /** Reduces over the axes of its `axes` attribute or input (ReduceMean / Max / Sum): the layout
   * pass remaps the axes. */
  reduction?: boolean;
  /** LSTM / GRU / RNN: sequence state, their own quantization and folding rules. */
  recurrent?: boolean;
  /** Computed at compile time only (shape arithmetic): folded away, never lowered. */
  foldOnly?: boolean;
  /** Exists only between integer tensors (a change of integer representation): no float kernel. */
  integerOnly?: boolean;
  /** int8: how the output's quantization parameters are chosen. */
  quant: QuantRule;
  /** int8 implementation: its own integer kernel, a 2^bits-entry lookup table built from the
   * float semantics, or the bytes moved unchanged (data movement on int8 codes). */
  int8?: 'kernel' | 'lut' | 'move';
  /** Inputs that carry quantized activations (default [0]; 'all' for Concat). */
  activationInputs?: number[] | 'all';
}

/** The inputs of `node` that carry activations under int8. */
export function activationInputsOf(traits: OpTraits | undefined, node: Node): number[] {
  const a = traits?.activationInputs ?? [0];
  return a === 'all' ? node.inputs.map((_, i) => i) : a;
}

/** Inputs a float kernel may overwrite with its output (same byte size). */
export function inPlaceInputsOf(traits: OpTraits | undefined): number[] {
  if (traits?.elementwise === 'unary') return [0];
  if (traits?.elementwise === 'binary') return [0, 1];
  return traits?.inPlace ?? [];
}
