/** The user's CMSIS-NN for models compiled with `--kernels cmsis-nn`: where it is, and which of its
 * sources the calls harc emits need (the functions of src/backends/c/kernels/cmsis-nn.ts and what
 * they call, on the DSP and the plain C paths; found from the linker map; the s4 ones for int4
 * weights, without the Helium-only arm_convolve_even_s4). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HarcError } from '../ir/errors.ts';

/** The runtime header model.c includes when some layer calls CMSIS-NN. */
export const CMSIS_NN_MARKER = 'harc_cmsis_nn.h';

export const CMSIS_NN_SOURCES: readonly string[] = [
  'Source/ActivationFunctions/arm_nn_activation_s16.c',
  'Source/BasicMathFunctions/arm_elementwise_add_s8.c',
  'Source/BasicMathFunctions/arm_elementwise_mul_acc_s16.c',
  'Source/BasicMathFunctions/arm_elementwise_mul_s16.c',
  'Source/BasicMathFunctions/arm_elementwise_mul_s16_s8.c',
  'Source/BasicMathFunctions/arm_elementwise_mul_s8.c',
  'Source/ConvolutionFunctions/arm_convolve_1_x_n_s4.c',
  'Source/ConvolutionFunctions/arm_convolve_1_x_n_s8.c',
  'Source/ConvolutionFunctions/arm_convolve_1x1_s4.c',
  'Source/ConvolutionFunctions/arm_convolve_1x1_s4_fast.c',
  'Source/ConvolutionFunctions/arm_convolve_1x1_s8.c',
  'Source/ConvolutionFunctions/arm_convolve_1x1_s8_fast.c',
  'Source/ConvolutionFunctions/arm_convolve_get_buffer_sizes_s4.c',
  'Source/ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c',
  'Source/ConvolutionFunctions/arm_convolve_s4.c',
  'Source/ConvolutionFunctions/arm_convolve_s8.c',
  'Source/ConvolutionFunctions/arm_convolve_wrapper_s4.c',
  'Source/ConvolutionFunctions/arm_convolve_wrapper_s8.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_3x3_s8.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s4.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_s4.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_s4_opt.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_s8.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_s8_opt.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_wrapper_s4.c',
  'Source/ConvolutionFunctions/arm_depthwise_conv_wrapper_s8.c',
  'Source/ConvolutionFunctions/arm_nn_mat_mult_kernel_row_offset_s8_s16.c',
  'Source/ConvolutionFunctions/arm_nn_mat_mult_kernel_s4_s16.c',
  'Source/ConvolutionFunctions/arm_nn_mat_mult_kernel_s8_s16.c',
  'Source/FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c',
  'Source/FullyConnectedFunctions/arm_fully_connected_s4.c',
  'Source/FullyConnectedFunctions/arm_fully_connected_s8.c',
  'Source/LSTMFunctions/arm_lstm_unidirectional_s8.c',
  'Source/NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s4.c',
  'Source/NNSupportFunctions/arm_nn_lstm_calculate_gate_s8_s16.c',
  'Source/NNSupportFunctions/arm_nn_lstm_step_s8.c',
  'Source/NNSupportFunctions/arm_nn_mat_mul_core_1x_s4.c',
  'Source/NNSupportFunctions/arm_nn_mat_mult_nt_t_s4.c',
  'Source/NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c',
  'Source/NNSupportFunctions/arm_nn_vec_mat_mul_result_acc_s8_s16.c',
  'Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c',
  'Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s4.c',
  'Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c',
  'Source/NNSupportFunctions/arm_nntables.c',
  'Source/NNSupportFunctions/arm_q7_to_q15_with_offset.c',
  'Source/NNSupportFunctions/arm_s8_to_s16_unordered_with_offset.c',
  'Source/PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c',
  'Source/PoolingFunctions/arm_avgpool_s8.c',
  'Source/PoolingFunctions/arm_max_pool_s8.c',
  'Source/SoftmaxFunctions/arm_nn_softmax_common_s8.c',
  'Source/SoftmaxFunctions/arm_softmax_s8.c',
];

/** The CMSIS-NN directory: `--cmsis-nn DIR` (which sets CMSIS_NN_PATH) or CMSIS_NN_PATH. */
export function cmsisNnDir(explicit?: string): string {
  const dir = explicit ?? process.env['CMSIS_NN_PATH'];
  // a missing library is a missing tool (exit 3)
  if (!dir) throw new HarcError('tool', 'the model calls CMSIS-NN (--kernels cmsis-nn) but none was given: pass --cmsis-nn DIR or set CMSIS_NN_PATH to a CMSIS-NN checkout');
  if (!existsSync(path.join(dir, 'Include', 'arm_nnfunctions.h')))
    throw new HarcError('tool', `CMSIS-NN directory '${dir}' (--cmsis-nn / CMSIS_NN_PATH) has no Include/arm_nnfunctions.h: point it at a CMSIS-NN checkout`);
  return dir;
}

/** Compiler arguments that add CMSIS-NN to a firmware build: its include dir and sources. */
export function cmsisNnBuildArgs(dir: string): string[] {
  return [`-I${path.join(dir, 'Include')}`, ...CMSIS_NN_SOURCES.map((s) => path.join(dir, s))];
}

/** What harc.mk / harc.cmake list for a model that calls CMSIS-NN (undefined when none does): the
 * sources, under CMSIS_NN_PATH (default: the directory given now, else a placeholder to set). */
export function cmsisNnSnippet(files: Record<string, string>): { dir: string; sources: readonly string[] } | undefined {
  if (!(CMSIS_NN_MARKER in files)) return undefined;
  return { dir: process.env['CMSIS_NN_PATH'] ?? 'path/to/CMSIS-NN', sources: CMSIS_NN_SOURCES };
}
