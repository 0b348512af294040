import { prepareConvQ } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { withScratch, type Lowering } from './context.ts';
import { unfused } from './int8-epilogue.ts';
import { gatedConvBody, gatedScratchBytes, isGated, ungated } from './int8-gate-mul.ts';
import { addEpilogue, fusedMatEpilogue } from './int8-residual-add.ts';
import { hasConstInt8Weights } from './int8.ts';

// The `harc` set's fused epilogues on the RISC-V path (mode 'opt', register-blocked C): the graph
// rewrites of the Cortex-M DSP path for the table activations (int8-epilogue.ts) and the SE gate
// Mul (int8-gate-mul.ts), the Conv's optimized body then calling the OPT kernels of
// harc_int8_fused.h. Every 8-bit constant-weight Conv takes a table: the matrix path (harc_s8_mat2 /
// _mat1) and the depthwise one (harc_s8_dw_pixel). The residual Add is not fused here: on rv32imc
// its requantization with run-time parameters in the Conv's epilogue (no SSAT, the 64-bit multiply
// in software) cost more than the separate Add layer, whose parameters are literals the compiler
// folds (mobilenet-1d: 3.323 M est. cycles with the Adds fused, 3.306 M without; bench/rv32.ts).

/** Whether the RISC-V path runs this Conv through a kernel with a table epilogue. */
export const takesOptEpilogue = (g: Graph, n: Node): boolean => n.op === 'Conv' && hasConstInt8Weights(g, n);

/** `conv` (the set's RISC-V Conv lowering) with folded SE gate Muls and fused table epilogues. */
export function withOptEpilogues(conv: Lowering): Lowering {
  return withScratch(
    (ctx) => {
      if (addEpilogue(ctx).decl.length > 0) throw new Error(`node '${ctx.node.name}': a residual Add fused on the RISC-V path, whose kernels have no Add epilogue`);
      return isGated(ctx.node) ? gatedConvBody(ctx, 'opt') : fusedMatEpilogue(conv, ctx, true);
    },
    (g, n) => (isGated(n) ? gatedScratchBytes(prepareConvQ(g, ungated(n)), 'opt') : (conv.scratchBytes?.(g, unfused(n)) ?? 0)),
  );
}
