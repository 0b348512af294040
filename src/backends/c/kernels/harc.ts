import { convQ, gemmQ, hasConstFastWeights } from '../lower/int8.ts';
import type { FastMode } from '../lower/int8-fast.ts';
import { fastAddMulLowering } from '../lower/int8-fast-elementwise.ts';
import { recurrentFastLowering } from '../lower/int8-recurrent-fast.ts';
import { int8UnaryTableLowering } from '../lower/int8-unary-table.ts';
import { acceptsBlockedConv, acceptsBlockedGemm, acceptsBlockedMatMul, lowerBlockedConv, lowerBlockedGemm, lowerBlockedMatMul } from '../lower/float-blocked.ts';
import { registerKernelSet, type KernelLowering } from './registry.ts';

// harc's optimized Conv / Gemm / MatMul for the target's path alone (docs/int8-kernels.md): the
// Cortex-M4 DSP path (SXTB16 / SMLAD) or the register-blocked C path on RISC-V, with only that
// path's weight packing. The host has no optimized path here: every node goes to the reference.
const PATH: Record<string, FastMode> = { 'cortex-m4': 'dsp', riscv: 'opt' };
const fast = (l: KernelLowering, mode: FastMode): KernelLowering => Object.assign(l, { accepts: hasConstFastWeights(mode) });
// int8 HardSwish / Sigmoid / Tanh as tables of the reference integer kernel (any target)
const unaryTable = int8UnaryTableLowering();
const unaryTables = { HardSwish: unaryTable, Sigmoid: unaryTable, Tanh: unaryTable };
// recurrent layers: input projection first, one packed product per step (int8-recurrent-fast.ts)
const recurrent = recurrentFastLowering();
const recurrents = { LSTM: recurrent, GRU: recurrent, RNN: recurrent };
const tables = Object.fromEntries(
  Object.entries(PATH).map(([target, mode]) => {
    const gemm = fast(gemmQ(mode), mode);
    const addMul = fastAddMulLowering(mode);
    return [target, { Conv: fast(convQ(mode), mode), Gemm: gemm, MatMul: gemm, ...unaryTables, ...recurrents, Add: addMul, Mul: addMul }];
  }),
);

// float32 on the Cortex-M4F's FPU: register-blocked Conv / depthwise Conv / Gemm / MatMul
// (docs/float-kernels.md). Not on rv32imc: with soft-float calls per operation they gain nothing there
// (har-cnn +0.1% cycles, +11 KB code, measured) and the host has no optimized path in this set.
const floatTable: Record<string, KernelLowering> = {
  Conv: Object.assign((ctx: Parameters<typeof lowerBlockedConv>[0]) => lowerBlockedConv(ctx), { accepts: acceptsBlockedConv }),
  Gemm: Object.assign((ctx: Parameters<typeof lowerBlockedGemm>[0]) => lowerBlockedGemm(ctx), { accepts: acceptsBlockedGemm }),
  MatMul: Object.assign((ctx: Parameters<typeof lowerBlockedMatMul>[0]) => lowerBlockedMatMul(ctx), { accepts: acceptsBlockedMatMul }),
};

registerKernelSet({
  name: 'harc',
  summary: "the target's optimized path alone (Cortex-M4 DSP, RISC-V unrolled C) and its weight packing only",
  runtimeHeaders: ['harc_fixedpoint.h', 'harc_int8_kernels.h'],
  weightLayout: "the target path's packing of Conv / Gemm / MatMul weights only",
  int8: (target) => tables[target] ?? {},
  float: (target) => (target === 'cortex-m4' ? floatTable : {}),
});
