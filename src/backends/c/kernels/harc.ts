import { convQ, gemmQ, hasConstFastWeights, hasConstInt8Weights } from '../lower/int8.ts';
import type { FastMode } from '../lower/int8-fast.ts';
import { withConv1d } from '../lower/int8-conv1d.ts';
import { takesFusedTable, takesMatEpilogue, withDwRows } from '../lower/int8-dw-rows.ts';
import { fuseTableEpilogues } from '../lower/int8-epilogue.ts';
import { fuseGateMuls } from '../lower/int8-gate-mul.ts';
import { fuseResidualAdds } from '../lower/int8-residual-add.ts';
import { takesOptEpilogue, withOptEpilogues } from '../lower/int8-opt-epilogue.ts';
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
    // the DSP path runs 1-D depthwise layers channel by channel (harc_int8_dw.h) and 1-D Convs with
    // kernel > 1 on the once-widened input (harc_int8_conv1d.h); both paths run fused table epilogues (harc_int8_fused.h)
    const conv = fast(mode === 'dsp' ? withConv1d(withDwRows(convQ(mode))) : withOptEpilogues(convQ(mode)), mode);
    return [target, { Conv: conv, Gemm: gemm, MatMul: gemm, ...unaryTables, ...recurrents, Add: addMul, Mul: addMul }];
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
  runtimeHeaders: ['harc_fixedpoint.h', 'harc_int8_kernels.h', 'harc_int8_dw.h', 'harc_int8_fused.h', 'harc_int8_conv1d.h'],
  weightLayout: "the target path's packing of Conv / Gemm / MatMul weights only",
  int8: (target) => tables[target] ?? {},
  float: (target) => (target === 'cortex-m4' ? floatTable : {}),
  // a HardSwish / Sigmoid / Tanh after a Conv: its table applied as the layer writes each output
  // (int8-epilogue.ts); the SE gate's broadcast Mul folded into the pointwise Conv reading it (int8-gate-mul.ts);
  // a residual Add done by the Conv producing one of its inputs (int8-residual-add.ts). On RISC-V
  // the tables alone, on every 8-bit Conv, depthwise included (int8-opt-epilogue.ts says why)
  epilogues: (graph, target) =>
    target === 'cortex-m4'
      ? fuseResidualAdds(fuseGateMuls(fuseTableEpilogues(graph, takesFusedTable), hasConstInt8Weights), takesMatEpilogue)
      : target === 'riscv'
        ? fuseTableEpilogues(graph, takesOptEpilogue)
        : graph,
});
