import { prepareConvQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import { withScratch, type Lowering, type LowerCtx } from './context.ts';
import { fastRequant, foldedBias, intData } from './int8-fast.ts';
import { epilogueTable, unfused } from './int8-epilogue.ts';
import { fusedMatEpilogue } from './int8-residual-add.ts';
import { gatedConvBody, gatedScratchBytes, isGated, ungated } from './int8-gate-mul.ts';
import { hasConstInt8Weights } from './int8.ts';

// The `harc` set's 1-D depthwise Conv on the Cortex-M DSP path (templates/runtime/harc_int8_dw.h):
// channel by channel, the weights, bias and multiplier in registers, ceil(k/2) SMLAD per output on
// int16 pairs of the padded input column; the zoo's shape (k 4/5, stride 1/2, full int8 range) on
// harc_s8_dwq_rows (even pairs only, doubled weights for a 4-instruction SMMLAR requantization, each
// channel's words precomputed here). Everything else goes to the lowering it wraps.

const i32 = (v: number): string => cLiteral('int32', v);

/** Widest kernel harc_s8_dw_chan holds in registers (4 weight pairs). */
const MAX_TAPS = 8;

/** A depthwise Conv (multiplier 1) along one axis that harc_s8_dw_rows runs. */
export function isDwRows(p: ConvQParams): boolean {
  const depthwise = p.cinPerGroup === 1 && p.group === p.channels && p.cout === p.channels;
  const rows1d = p.inH === 1 && p.outH === 1 && p.kH === 1 && p.padTop === 0 && p.padBottom === 0;
  return depthwise && rows1d && p.dilW === 1 && p.kW <= MAX_TAPS && p.outW >= 1;
}

const pairCount = (p: ConvQParams): number => Math.ceil(p.kW / 2);
const pairStep = (p: ConvQParams): number => (p.strideW % 2 === 0 ? 2 : 1);

/** Scratch words per channel column (harc_s8_dw_rows' nb, or harc_s8_dwq_rows' if it may run and
 * is more: its third pair is read at k = 4 too); 4 columns are live at a time. */
export const dwRowsPairs = (p: ConvQParams): number => {
  const rows = Math.floor(((p.outW - 1) * p.strideW + 2 * (pairCount(p) - 1)) / pairStep(p)) + 1;
  const q = p.strideW === 1 ? Math.floor((p.outW - 1) / 2) + 3 : p.strideW === 2 ? p.outW + 2 : 0;
  return p.kW === 4 || p.kW === 5 ? Math.max(rows, q) : rows;
};
export const dwRowsScratchBytes = (p: ConvQParams): number => 16 * dwRowsPairs(p);

/** Each channel's weight pairs (w[2i] low, w[2i+1] high half, w[k] = 0) as int32 words. */
export function packDwPairs(w: (c: number, t: number) => number, channels: number, k: number): number[] {
  const out: number[] = [];
  const at = (c: number, t: number): number => (t < k ? w(c, t) : 0);
  for (let c = 0; c < channels; c++) for (let t = 0; t < k; t += 2) out.push(((at(c, t) & 0xffff) | (at(c, t + 1) << 16)) | 0);
  return out;
}

/** Whether 2 * acc fits int32 for every channel and input (|bias| + 128 * sum |w| < 2^30), so
 * harc_s8_dwq_rows may double the weights and bias for its 4-instruction requantization. */
export function doubledAccFits(bias: number[], w: (c: number, t: number) => number, channels: number, k: number): boolean {
  for (let c = 0; c < channels; c++) {
    let bound = Math.abs(bias[c]!);
    for (let t = 0; t < k; t++) bound += 128 * Math.abs(w(c, t));
    if (bound >= 2 ** 30) return false;
  }
  return true;
}

/** Whether harc_s8_dwq_rows runs the layer (the zoo's shape): k 4 or 5, stride 1 or 2, at least 4
 * outputs a pass for its asm, the full int8 range, the one-multiply requantization with 2 <= -shift <= 22 (its
 * rounding constant 2^(e-1) + out_zp 2^e fits int32), 2 acc in int32, the y step in a byte and fewer
 * than 2^16 passes of 4 outputs (r10's bytes in the asm loop). */
export function takesDwq(p: ConvQParams, bias: number[], w: (c: number, t: number) => number): boolean {
  return (
    (p.kW === 4 || p.kW === 5) &&
    (p.strideW === 1 || p.strideW === 2) &&
    dwqAsmOutputs(p) >= 4 &&
    p.actMin === -128 &&
    p.actMax === 127 &&
    fastRequant(p.mult, p.shift) &&
    p.shift.every((s) => s >= -22) &&
    (p.strideW === 1 ? 2 : 1) * p.channels <= 255 &&
    p.outW < 2 ** 17 &&
    doubledAccFits(bias, w, p.channels, p.kW)
  );
}

const pair = (lo: number, hi: number): number => ((lo & 0xffff) | (hi << 16)) | 0;

/** Outputs of each pass (one channel, one parity at stride 1) that harc_s8_dwq_rows' asm runs: a
 * multiple of 4 (the rest in C). */
export const dwqAsmOutputs = (p: ConvQParams): number => 4 * Math.floor((p.strideW === 1 ? Math.floor(p.outW / 2) : p.outW) / 4);

/** harc_s8_dwq_rows' per-channel words: the even triple 2 ((w0,w1), (w2,w3), (w4,0)), 2 bias, mult,
 * h = 2^(e-1) + out_zp 2^e, ew = e | ystride << 8 | (2^16 - passes) << 16, and at stride 1 the odd
 * triple 2 ((0,w0), (w1,w2), (w3,w4)) and ew again (the asm loop's counter runs out in r10). */
export function dwqParams(p: ConvQParams, bias: number[], w: (c: number, t: number) => number): number[] {
  const out: number[] = [];
  const ystride = p.strideW === 1 ? 2 * p.channels : p.channels;
  const count = (2 ** 16 - dwqAsmOutputs(p) / 4) * 2 ** 16;
  for (let c = 0; c < p.channels; c++) {
    const d = (t: number): number => (t >= 0 && t < p.kW ? 2 * w(c, t) : 0);
    const e = -p.shift[c]!;
    const ew = (e + ystride * 256 + count) | 0;
    out.push(pair(d(0), d(1)), pair(d(2), d(3)), pair(d(4), 0), 2 * bias[c]!, p.mult[c]!, (2 ** (e - 1) + p.outZp * 2 ** e) | 0, ew);
    if (p.strideW === 1) out.push(pair(0, d(0)), pair(d(1), d(2)), pair(d(3), d(4)), ew);
  }
  return out;
}

/** What every 1-D depthwise row kernel (DSP and rv32) derives from the layer: its weights in the
 * reference layout [c][1][1][t] as w(c, t), the bias with the input zero point folded in, and the
 * per-channel pad row. */
export function dwFolding(ctx: LowerCtx, p: ConvQParams) {
  const wdata = intData(ctx, 1)!;
  const C = p.channels;
  const k = p.kW;
  const zp = (c: number): number => (p.inZps ? p.inZps[c]! : p.inZp);
  const w = (c: number, t: number): number => Number(wdata[c * k + t]);
  const bias = foldedBias(intData(ctx, 2), C, k, w, (c) => zp(c));
  const padRow = Array.from({ length: C }, (_, c) => (p.padQ ? p.padQ[c]! : zp(c)));
  return { wdata, C, k, w, bias, padRow };
}

/** The C body of a dw-rows layer, with its fused table epilogue if it has one (int8-epilogue.ts). */
export function dwRowsBody(ctx: LowerCtx, p: ConvQParams): string {
  const table = epilogueTable(ctx.node);
  const lut = table ? ctx.constArray('lut', 'int8_t', table.map(String)) : undefined;
  const { wdata, C, k, w, bias, padRow } = dwFolding(ctx, p);
  const scratch = ctx.scratch(dwRowsScratchBytes(p), 'int32_t');
  const inSize = p.inW * C;
  const outSize = p.outW * C;
  if (takesDwq(p, bias, w))
    return [
      '#if !defined(HARC_INT8_DSP)',
      '#error "model.c was generated with --kernels harc for the dsp path; regenerate it for this core (or with --kernels portable)"',
      '#endif',
      `  /* depthwise 1-D, channel by channel (harc_s8_dwq_rows, harc_int8_dw.h): even pairs, doubled weights and bias, 4-instruction requantization${table ? `; then the fused ${String(ctx.node.attrs['harc_epilogue_op'] ?? 'table')} epilogue` : ''} */`,
      `  const int32_t *const prm = ${ctx.constArray('dwq', 'int32_t', dwqParams(p, bias, w).map(i32))};`,
      `  const int8_t *const pad_row = ${ctx.constArray('padrow', 'int8_t', padRow.map(String))};`,
      `  for (int n = 0; n < ${p.batch}; ++n)`,
      `    harc_s8_dwq_rows(${ctx.arg(0)} + n * ${inSize}, pad_row, prm, ${C}, ${p.inW}, ${p.padLeft}, ${p.strideW}, ${p.outW}, ${dwqAsmOutputs(p)}, ${ctx.res(0)} + n * ${outSize}, ` +
        `${i32(p.outZp)}, ${lut ?? '(const int8_t *)0'}, ${scratch});`,
      '',
    ].join('\n');
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  return [
    '#if !defined(HARC_INT8_DSP)',
    '#error "model.c was generated with --kernels harc for the dsp path; regenerate it for this core (or with --kernels portable)"',
    '#endif',
    `  /* depthwise 1-D, channel by channel (harc_int8_dw.h): input zero point folded into the bias, padded taps read the pad row${table ? `; then the fused ${String(ctx.node.attrs['harc_epilogue_op'] ?? 'table')} epilogue` : ''} */`,
    `  const int32_t *const wq = ${ctx.constArray('wdwp', 'int32_t', packDwPairs(w, C, k).map(i32))};`,
    `  const int32_t *const bq = ${ctx.constArray('biasf', 'int32_t', bias.map(i32))};`,
    `  const int8_t *const pad_row = ${ctx.constArray('padrow', 'int8_t', padRow.map(String))};`,
    `  for (int n = 0; n < ${p.batch}; ++n)`,
    `    harc_s8_dw_rows(${ctx.arg(0)} + n * ${inSize}, pad_row, wq, bq, ${mult}, ${shift}, ${C}, ${p.inW}, ${p.padLeft}, ${k}, ${p.strideW}, ${p.outW}, ` +
      `${ctx.res(0)} + n * ${outSize}, ${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, ${fastRequant(p.mult, p.shift) ? 1 : 0}, ${lut ?? '(const int8_t *)0'}, ${scratch});`,
    '',
  ].join('\n');
}

/** Whether harc_s8_dw_rows runs this Conv (fused or not). */
export const takesDwRows = (g: Graph, n: Node): boolean => hasConstInt8Weights(g, n) && isDwRows(prepareConvQ(g, unfused(n)));
const takes = takesDwRows;

/** `conv` (the set's Conv lowering) with 1-D depthwise layers going to harc_s8_dw_rows, folded SE
 * gate Muls (int8-gate-mul.ts) and fused table epilogues on any of them (int8-epilogue.ts). */
export function withDwRows(conv: Lowering): Lowering {
  return withScratch(
    (ctx) => (takes(ctx.graph, ctx.node) ? dwRowsBody(ctx, prepareConvQ(ctx.graph, unfused(ctx.node))) : isGated(ctx.node) ? gatedConvBody(ctx) : fusedMatEpilogue(conv, ctx)),
    (g, n) =>
      takes(g, n) ? dwRowsScratchBytes(prepareConvQ(g, unfused(n))) : isGated(n) ? gatedScratchBytes(prepareConvQ(g, ungated(n))) : (conv.scratchBytes?.(g, unfused(n)) ?? 0),
  );
}

/** Whether the Conv runs on the matrix path (harc_s8_mat2 / _mat1), which takes every epilogue. */
export const takesMatEpilogue = (g: Graph, n: Node): boolean => n.op === 'Conv' && takesFusedTable(g, n) && !takesDwRows(g, n);

/** Whether the harc set's DSP Conv applies a fused table as it writes: harc_s8_dw_rows, or the
 * harc_s8_mat2 / harc_s8_mat1 path (8-bit constant weights, not the per-pixel depthwise kernel). */
export function takesFusedTable(g: Graph, n: Node): boolean {
  if (n.op !== 'Conv' || !hasConstInt8Weights(g, n)) return false;
  if (takesDwRows(g, n)) return true;
  const p = prepareConvQ(g, unfused(n));
  return !(p.cinPerGroup === 1 && p.group === p.channels && p.cout === p.channels);
}
