// Kernel sets beyond the reference lowerings, and the ops each implements. Today `harc` is the
// DSP / register-blocked int8 paths that the reference int8 lowerings of these ops emit under
// `#if HARC_INT8_FAST` (docs/int8-kernels.md).
export const KERNEL_SET_OPS: Record<string, readonly string[]> = {
  harc: ['Conv', 'Gemm', 'MatMul'],
};
