import { prepareConvQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import type { LowerCtx } from './context.ts';
import { epilogueTable, EPILOGUE_OP, unfused } from './int8-epilogue.ts';
import { fastRequant } from './int8-fast.ts';
import { dwFolding, isDwRows } from './int8-dw-rows.ts';
import { hasConstInt8Weights } from './int8.ts';

// The `harc` set's 1-D depthwise Conv on the RISC-V path (harc_s8_dw_rows_opt in
// templates/runtime/harc_int8_fused.h): channel by channel, the channel's weights and
// requantization constants in registers across its row, instead of harc_s8_dw_pixel's pixel by
// pixel with a tap-pointer array and per-pixel weight loads. The shapes are those the DSP path's
// harc_s8_dw_rows takes (isDwRows: multiplier 1, one axis, dilation 1, k <= 8); a fused table
// epilogue (int8-epilogue.ts) is applied as each output is written.

const i32 = (v: number): string => cLiteral('int32', v);

/** Whether harc_s8_dw_rows_opt runs this Conv (fused or not). */
export const takesOptDwRows = (g: Graph, n: Node): boolean => n.op === 'Conv' && hasConstInt8Weights(g, n) && isDwRows(prepareConvQ(g, unfused(n)));

/** The C body of a depthwise layer on harc_s8_dw_rows_opt. */
export function optDwRowsBody(ctx: LowerCtx, p: ConvQParams): string {
  const table = epilogueTable(ctx.node);
  const lut = table ? ctx.constArray('lut', 'int8_t', table.map(String)) : '(const int8_t *)0';
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  // weights read as they are, in the reference layout
  const { wdata, C, k, bias, padRow } = dwFolding(ctx, p);
  const weights = Array.from({ length: C * k }, (_, i) => String(Number(wdata[i])));
  return [
    '#if !defined(HARC_INT8_OPT)',
    '#error "model.c was generated with --kernels harc for the opt path; regenerate it for this core (or with --kernels portable)"',
    '#endif',
    `  /* depthwise 1-D, channel by channel (harc_s8_dw_rows_opt, harc_int8_fused.h): input zero point folded into the bias, padded taps read the pad row${table ? `; the fused ${String(ctx.node.attrs[EPILOGUE_OP])} table applied as each output is written` : ''} */`,
    `  const int8_t *const wq = ${ctx.constArray('wdwr', 'int8_t', weights)};`,
    `  const int32_t *const bq = ${ctx.constArray('biasf', 'int32_t', bias.map(i32))};`,
    `  const int8_t *const pad_row = ${ctx.constArray('padrow', 'int8_t', padRow.map(String))};`,
    `  for (int n = 0; n < ${p.batch}; ++n)`,
    `    harc_s8_dw_rows_opt(${ctx.arg(0)} + n * ${p.inW * C}, pad_row, wq, bq, ${mult}, ${shift}, ${C}, ${p.inW}, ${p.padLeft}, ${k}, ${p.strideW}, ${p.outW}, ` +
      `${ctx.res(0)} + n * ${p.outW * C}, ${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, ${fastRequant(p.mult, p.shift) ? 1 : 0}, ${lut});`,
    '',
  ].join('\n');
}
