import { convQ, gemmQ, hasConstFastWeights } from '../lower/int8.ts';
import { fastAddMulLowering } from '../lower/int8-fast-elementwise.ts';
import { fastRecurrentLowering } from '../lower/int8-recurrent.ts';
import { int8UnaryTableLowering } from '../lower/int8-unary-table.ts';
import { registerKernelSet, type KernelLowering } from './registry.ts';

// Every path in one model.c: the optimized Conv / Gemm / MatMul under `#if HARC_INT8_FAST` next to
// the reference, the C compiler's target picking one (templates/runtime/harc_int8_kernels.h). For
// users who build one model.c for several cores. The default.
const fast = (l: KernelLowering): KernelLowering => Object.assign(l, { accepts: hasConstFastWeights('portable') });
const conv = fast(convQ('portable'));
const gemm = fast(gemmQ('portable'));
// int8 HardSwish / Sigmoid / Tanh as tables of the reference integer kernel (one path for every core)
const unaryTable = int8UnaryTableLowering();
const addMul = fastAddMulLowering('portable');
const recurrent = fastRecurrentLowering();

registerKernelSet({
  name: 'portable',
  summary: 'all paths under #if (reference, Cortex-M DSP, unrolled C): one model.c for any core (default)',
  runtimeHeaders: ['harc_fixedpoint.h', 'harc_int8_kernels.h'],
  weightLayout: 'original + DSP-packed + unrolled-packed copies of Conv / Gemm / MatMul weights',
  // the reference path reads the planes at a stride; the optimized path gathers its patches from them
  // (int8-cf-patch.ts), which costs more than the transpose did (docs/int8-kernels.md)
  int8ChannelsFirstInput: true,
  int8: () => ({ Conv: conv, Gemm: gemm, MatMul: gemm, HardSwish: unaryTable, Sigmoid: unaryTable, Tanh: unaryTable, Add: addMul, Mul: addMul, LSTM: recurrent, GRU: recurrent, RNN: recurrent }),
});
