import { prepareConvQ } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { withScratch, type Lowering } from './context.ts';
import { unfused } from './int8-epilogue.ts';
import { gatedConvBody, gatedScratchBytes, isGated, ungated } from './int8-gate-mul.ts';
import { fusedMatEpilogue } from './int8-residual-add.ts';
import { hasConstInt8Weights } from './int8.ts';

// The `harc` set's fused epilogues on the RISC-V path (mode 'opt', register-blocked C): the same
// graph rewrites as on the Cortex-M DSP path (int8-epilogue.ts, int8-gate-mul.ts,
// int8-residual-add.ts), the Conv's optimized body then calling the OPT epilogue variants of
// harc_int8_fused.h. Every 8-bit constant-weight Conv qualifies: the matrix path (harc_s8_mat2 /
// _mat1) and the depthwise one (harc_s8_dw_pixel, which on this path has an epilogue variant too).

/** Whether the RISC-V path runs this Conv through a kernel with an epilogue variant. */
export const takesOptEpilogue = (g: Graph, n: Node): boolean => n.op === 'Conv' && hasConstInt8Weights(g, n);

/** `conv` (the set's RISC-V Conv lowering) with folded SE gate Muls and fused table / residual Add
 * epilogues. */
export function withOptEpilogues(conv: Lowering): Lowering {
  return withScratch(
    (ctx) => (isGated(ctx.node) ? gatedConvBody(ctx, 'opt') : fusedMatEpilogue(conv, ctx, true)),
    (g, n) => (isGated(n) ? gatedScratchBytes(prepareConvQ(g, ungated(n)), 'opt') : (conv.scratchBytes?.(g, unfused(n)) ?? 0)),
  );
}
