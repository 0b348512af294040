import type { Graph, Node } from '../../../ir/types.ts';
import { withScratch, type Lowering } from './context.ts';
import { prepareConvQ } from '../../../ir/int8/prepare.ts';
import { optDwRowsBody, takesOptDwRows } from './int8-dw-rows-opt.ts';
import { unfused } from './int8-epilogue.ts';
import { isGated } from './int8-gate-mul.ts';
import { addEpilogue, fusedMatEpilogue } from './int8-residual-add.ts';
import { hasConstInt8Weights } from './int8.ts';

// The `harc` set's fused table epilogues on the RISC-V path (mode 'opt', register-blocked C): the
// graph rewrite of the Cortex-M DSP path (int8-epilogue.ts), the Conv's optimized body then calling
// the OPT kernels of harc_int8_fused.h. Every 8-bit constant-weight Conv takes a table: the matrix
// path (harc_s8_mat2 / _mat1) and the depthwise one (harc_s8_dw_pixel).
//
// The DSP path's other two fusions were built for this path too and measured slower on rv32imc
// (mobilenet-1d, QEMU virt, -O2; tables alone 3,294,219 est. cycles), so they are not done here:
// * the SE gate Mul folded into the pointwise Conv: 3,305,543 (+0.34%; arena −72 B, code +392 B).
//   The gated rows are still stored for the matrix kernel to read, so only the Mul's loop goes,
//   and per-channel G / B loads (2 cycles each here) replace its literal offsets;
// * the residual Add in the Conv's epilogue: 3,322,607 with both. Its requantization with run-time
//   parameters (the kernel is one out-of-line function: inlined into a layer, gcc spills the
//   accumulators) costs more than the separate Add layer's, whose parameters are literals.

/** Whether the RISC-V path runs this Conv through a kernel with a table epilogue. */
export const takesOptEpilogue = (g: Graph, n: Node): boolean => n.op === 'Conv' && hasConstInt8Weights(g, n);

/** `conv` (the set's RISC-V Conv lowering) with fused table epilogues, and 1-D depthwise layers
 * going to harc_s8_dw_rows_opt (int8-dw-rows-opt.ts). */
export function withOptEpilogues(conv: Lowering): Lowering {
  return withScratch(
    (ctx) => {
      if (isGated(ctx.node) || addEpilogue(ctx).decl.length > 0) throw new Error(`node '${ctx.node.name}': a gate Mul or residual Add fused on the RISC-V path, whose kernels take tables only`);
      if (takesOptDwRows(ctx.graph, ctx.node)) return optDwRowsBody(ctx, prepareConvQ(ctx.graph, unfused(ctx.node)));
      return fusedMatEpilogue(conv, ctx, true);
    },
    (g, n) => (takesOptDwRows(g, n) ? 0 : (conv.scratchBytes?.(g, unfused(n)) ?? 0)),
  );
}
