import { prepareConvQ, preparePoolQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { lstmScratchBytes } from './cmsis-nn-lstm.ts';

// The scratch each CMSIS-NN call asks for, computed at compile time as its `*_get_buffer_size`
// function does (Source/*/arm_*_get_buffer_sizes_s8.c of the library), so the arena plan holds it.
// CMSIS-NN picks its path from the compiler target: the DSP path (ARM_MATH_DSP, from
// __ARM_FEATURE_DSP) on Cortex-M4, plain C on the host and RISC-V. Built with GCC, not Arm
// Compiler 6 (arm_convolve_1x1_s8_fast asks for a buffer under __ARMCC_VERSION only). No MVE target.

const DSP_TARGETS = new Set(['cortex-m4']);

/** A grouped conv with one input channel per group: CMSIS-NN's depthwise (channel multiplier cout / cin). */
export const isDepthwise = (p: ConvQParams): boolean => p.group > 1 && p.group === p.channels && p.cinPerGroup === 1;

/** The weights' bit width (input 1's quant.bits; 8 without one). */
export const weightBitsOf = (g: Graph, n: Node): number => (n.inputs[1] ? (g.tensors[n.inputs[1]]?.quant?.bits ?? 8) : 8);

/** arm_convolve_wrapper_s4_get_buffer_size (non-MVE): 0 for 1x1 without padding or dilation (both
 * 1x1 paths), else arm_convolve_s4_get_buffer_size's two int16 columns, not 4-aligned (also
 * arm_convolve_1_x_n_s4's, which is arm_convolve_s4 off MVE). */
function convolveWrapperS4Bytes(p: ConvQParams): number {
  if (p.padLeft === 0 && p.padTop === 0 && p.kW === 1 && p.kH === 1 && p.dilW === 1 && p.dilH === 1) return 0;
  return 2 * p.kH * p.kW * p.channels * 2;
}

/** arm_depthwise_conv_wrapper_s4_get_buffer_size (non-MVE): arm_depthwise_conv_s4_opt's int16
 * im2col, asked for on every core (it returns the _dsp size without ARM_MATH_DSP too). */
function depthwiseWrapperS4Bytes(p: ConvQParams): number {
  return p.cout === p.channels && p.batch === 1 && p.dilW === 1 && p.dilH === 1 ? p.channels * p.kW * p.kH * 2 : 0;
}

/** arm_convolve_s8_get_buffer_size (non-MVE): two im2col columns of int16, the column 4-aligned. */
function convolveS8Bytes(p: ConvQParams): number {
  const cols = p.kH * p.kW * p.channels;
  const aligned = cols % 4 !== 0 ? cols + 4 - (cols % 4) : cols;
  return 2 * aligned * 2;
}

/** arm_convolve_wrapper_s8_get_buffer_size (its _dsp variant is the same with GCC). */
function convolveWrapperBytes(p: ConvQParams): number {
  const is1x1 = p.padLeft === 0 && p.padTop === 0 && p.kW === 1 && p.kH === 1 && p.dilW === 1 && p.dilH === 1;
  if (is1x1) return 0; // arm_convolve_1x1_s8_fast: 0 unless built by Arm Compiler 6; arm_convolve_1x1_s8: 0
  return convolveS8Bytes(p); // arm_convolve_1_x_n_s8 (non-MVE) and arm_convolve_s8
}

/** arm_depthwise_conv_wrapper_s8_get_buffer_size: arm_depthwise_conv_s8_opt's int16 im2col on DSP. */
function depthwiseWrapperBytes(p: ConvQParams, dsp: boolean): number {
  if (p.cout !== p.channels || p.batch !== 1 || p.dilW !== 1 || p.dilH !== 1) return 0;
  if (p.kW === 3 && p.kH === 3 && p.padTop <= 1 && p.padLeft <= 1) return 0; // arm_depthwise_conv_3x3_s8
  return dsp ? p.channels * p.kW * p.kH * 2 : 0;
}

/** Bytes of scratch the CMSIS-NN call of `node` needs on `target` (0 for functions without one). */
export function cmsisNnScratchBytes(target: string, g: Graph, node: Node): number {
  const dsp = DSP_TARGETS.has(target);
  switch (node.op) {
    case 'Conv': {
      const p = prepareConvQ(g, node);
      if (weightBitsOf(g, node) === 4) return isDepthwise(p) ? depthwiseWrapperS4Bytes(p) : convolveWrapperS4Bytes(p);
      return isDepthwise(p) ? depthwiseWrapperBytes(p, dsp) : convolveWrapperBytes(p);
    }
    case 'TFLiteLSTM':
      // arm_lstm_unidirectional_s8: no get_buffer_size; two int16 gate buffers (and the state)
      return lstmScratchBytes(g, node);
    case 'AveragePool':
      // arm_avgpool_s8_get_buffer_size: one int32 sum per channel on DSP
      return dsp ? preparePoolQ(g, node).channels * 4 : 0;
    default:
      // arm_fully_connected_s8 / _s4 (non-MVE), arm_max_pool_s8, elementwise add / mul and softmax: none
      return 0;
  }
}
