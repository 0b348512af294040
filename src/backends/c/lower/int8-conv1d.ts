import { prepareConvQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import { withScratch, type Lowering, type LowerCtx } from './context.ts';
import { fastRequant, foldedBias, intData } from './int8-fast.ts';
import { hasConstInt8Weights } from './int8.ts';

// The `harc` set's 1-D Conv (kernel > 1, one group) on the Cortex-M DSP path
// (templates/runtime/harc_int8_conv1d.h, docs/int8-kernels.md):
//  * the input is widened to int16 once per layer into arena scratch, rows of cinp = cin rounded up
//    to even channels (zero in the extra one), padded rows holding the pad row, so the patch of
//    output position t is the contiguous, word-aligned run of kW·cinp int16 starting at row t·stride:
//    no per-patch copy, no border case;
//  * weights are int16 pairs (w[k], w[k+1]) laid out at compile time in the order the inner loop
//    reads them, so one LDR gives an SMLAD operand (no SXTB16);
//  * 4 output channels × 2 positions accumulate in 8 registers; each step of 2 k is 6 single loads
//    (chained, 1 cycle each after the first) and 8 SMLAD. The loop is unrolled `unroll` steps and
//    generated per layer with its offsets as immediates (the second position's patch is at a fixed
//    distance); it ends on a sentinel word after each quad's weights, so no register holds a count;
//  * requantization is once per output, after the loop, in C.
// Remaining channels (cout % 4) run a C SMLAD loop on their own int16 rows.

const i32 = (v: number): string => cLiteral('int32', v);

/** Never a weight pair's first word: its low half 0x7F00 is no sign-extended int8. A Thumb-2
 * modified immediate (0xXY00XY00), so CMP takes it directly. */
export const CONV1D_SENTINEL = 0x7f007f00;

/** Largest LDR immediate offset (T3 encoding: 12 bits). */
const MAX_LDR_OFFSET = 4095;

/** Channels rounded up to even: the int16 row length, so every row starts on a word. */
export const evenChannels = (cin: number): number => cin + (cin % 2);

/** Words of int16 pairs per channel in one patch (kW·cinp / 2). */
export const patchWords = (p: ConvQParams): number => (p.kW * evenChannels(p.channels)) / 2;

/** Steps of 2 k per loop iteration: the one in 1..8 that minimizes the cycles of the padded
 * reduction (16 per step) and the loop's overhead (6 per iteration); ties go to fewer steps. */
export function conv1dUnroll(words: number): number {
  let best = 1;
  let bestCost = Infinity;
  for (let u = 1; u <= 8; u++) {
    const iters = Math.ceil(words / u);
    const cost = iters * u * 16 + iters * 6;
    if (cost < bestCost) [best, bestCost] = [u, cost];
  }
  return best;
}

/** The geometry the kernel needs, all compile-time constants. */
export interface Conv1dPlan {
  cinp: number;
  words: number;
  unroll: number;
  /** words per channel the loop reads: words rounded up to a multiple of unroll (zero weights) */
  paddedWords: number;
  /** widened rows: every position pair (an odd last position is paired with a dummy one) */
  rows: number;
  /** zero words after the rows: the padded reduction's over-read past the last patch */
  tailWords: number;
  /** byte distance from a position's patch to the next position's */
  pairOffset: number;
  quads: number;
}

export function conv1dPlan(p: ConvQParams): Conv1dPlan {
  const cinp = evenChannels(p.channels);
  const words = patchWords(p);
  const unroll = conv1dUnroll(words);
  const paddedWords = Math.ceil(words / unroll) * unroll;
  const positions = p.outW + (p.outW % 2);
  const rows = (positions - 1) * p.strideW + p.kW;
  return { cinp, words, unroll, paddedWords, rows, tailWords: paddedWords - words, pairOffset: 2 * p.strideW * cinp, quads: Math.floor(p.cout / 4) };
}

/** A Conv this kernel runs: 1-D along W, kernel > 1, one group, no dilation, at least 4 output
 * channels, offsets within LDR's immediate range. */
export function isConv1d(p: ConvQParams): boolean {
  const rows1d = p.inH === 1 && p.outH === 1 && p.kH === 1 && p.padTop === 0 && p.padBottom === 0;
  if (!rows1d || p.group !== 1 || p.kW < 2 || p.dilW !== 1 || p.cout < 4) return false;
  const plan = conv1dPlan(p);
  return plan.pairOffset + 4 * plan.unroll <= MAX_LDR_OFFSET;
}

/** Nodes carrying a fused epilogue, gate or residual Add (attrs `harc_*`) stay with the lowering that fused them. */
const hasFusion = (n: Node): boolean => Object.keys(n.attrs).some((k) => k.startsWith('harc_'));

/** Whether harc_s8_conv1d runs this node. */
export const takesConv1d = (g: Graph, n: Node): boolean => n.op === 'Conv' && !hasFusion(n) && hasConstInt8Weights(g, n) && isConv1d(prepareConvQ(g, n));

/** Scratch: the accumulators of one position pair (8 per quad), then the widened rows and tail. */
export function conv1dScratchBytes(p: ConvQParams): number {
  const plan = conv1dPlan(p);
  return 32 * plan.quads + 4 * ((plan.rows * plan.cinp) / 2 + plan.tailWords);
}

/** int16 pair (lo, hi) as a signed 32-bit word. */
const pair = (lo: number, hi: number): number => ((lo & 0xffff) | (hi << 16)) | 0;

/** The quads' weight stream: per quad its 4 folded biases, then per step of 2 k the pairs of
 * channels 0..3, then the sentinel; zero pairs past `words`. */
export function packConv1dQuads(w: (oc: number, word: number) => number, bias: number[], quads: number, words: number, paddedWords: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < quads; q++) {
    for (let j = 0; j < 4; j++) out.push(bias[4 * q + j]!);
    for (let s = 0; s < paddedWords; s++) for (let j = 0; j < 4; j++) out.push(s < words ? w(4 * q + j, s) : 0);
    out.push(CONV1D_SENTINEL);
  }
  return out;
}

/** The inner loop for one layer (GNU asm, Thumb-2): r0 weights, r1 patch, r2-r9 accumulators
 * (channel j of the quad: r(2+2j) position 0, r(3+2j) position 1), r10/r11 weight pairs, r12/lr
 * patch pairs. Saves every register it uses, so its only operand is the argument block
 * { weights, patch, accumulators out, quads }. */
export function conv1dAsm(plan: Conv1dPlan): string[] {
  const { unroll, pairOffset: d } = plan;
  const lines = ['push {r0-r12, lr}', 'mov lr, %[args]', 'ldr r0, [lr, #0]', 'ldr r1, [lr, #4]', 'ldr r2, [lr, #8]', 'ldr r3, [lr, #12]', 'push {r1, r2, r3}', '2:'];
  // a quad: accumulators from the biases (both positions), the patch from its start
  lines.push('ldmia r0!, {r2, r4, r6, r8}', 'mov r3, r2', 'mov r5, r4', 'mov r7, r6', 'mov r9, r8', 'ldr r1, [sp, #0]', 'ldr r10, [r0, #0]', '1:');
  for (let j = 0; j < unroll; j++) {
    if (j > 0) lines.push(`ldr r10, [r0, #${16 * j}]`);
    lines.push(
      `ldr r11, [r0, #${16 * j + 4}]`,
      `ldr r12, [r1, #${4 * j}]`,
      `ldr lr, [r1, #${d + 4 * j}]`,
      'smlad r2, r12, r10, r2',
      'smlad r3, lr, r10, r3',
      'smlad r4, r12, r11, r4',
      'smlad r5, lr, r11, r5',
      `ldr r10, [r0, #${16 * j + 8}]`,
      `ldr r11, [r0, #${16 * j + 12}]`,
      'smlad r6, r12, r10, r6',
      'smlad r7, lr, r10, r7',
      'smlad r8, r12, r11, r8',
      'smlad r9, lr, r11, r9',
    );
  }
  // next iteration's first weight pair, or the sentinel that ends the quad
  lines.push(`add r1, r1, #${4 * unroll}`, `ldr r10, [r0, #${16 * unroll}]!`, `cmp r10, #${CONV1D_SENTINEL}`, 'bne 1b');
  lines.push('adds r0, r0, #4', 'ldr r10, [sp, #4]', 'stmia r10!, {r2-r9}', 'str r10, [sp, #4]', 'ldr r10, [sp, #8]', 'subs r10, r10, #1', 'str r10, [sp, #8]', 'bne 2b');
  lines.push('add sp, sp, #12', 'pop {r0-r12, lr}');
  return lines;
}

/** The C body of a harc_s8_conv1d layer. */
export function conv1dBody(ctx: LowerCtx, p: ConvQParams): string {
  const plan = conv1dPlan(p);
  const { cinp, words, paddedWords, quads } = plan;
  const wdata = intData(ctx, 1)!;
  const cin = p.channels;
  const K = p.kW * cin;
  const zpc = (c: number): number => (p.inZps ? p.inZps[c]! : p.inZp);
  // weight (oc, k) with k = tap·cin + ic: the reference layout [oc][1][kw][ic]
  const w = (oc: number, k: number): number => Number(wdata[oc * K + k]);
  const bias = foldedBias(intData(ctx, 2), p.cout, K, w, (_, k) => zpc(k % cin));
  // element e of the widened patch (tap e / cinp, channel e % cinp): 0 in the extra channel
  const we = (oc: number, e: number): number => (e % cinp < cin ? w(oc, Math.floor(e / cinp) * cin + (e % cinp)) : 0);
  const wpair = (oc: number, s: number): number => pair(we(oc, 2 * s), we(oc, 2 * s + 1));
  const padRow = Array.from({ length: cin }, (_, c) => (p.padQ ? p.padQ[c]! : zpc(c)));
  const scratch = ctx.scratch(conv1dScratchBytes(p), 'int32_t');
  const mult = ctx.constArray('mult', 'int32_t', p.mult.map(i32));
  const shift = ctx.constArray('shift', 'int32_t', p.shift.map(String));
  const rest = Array.from({ length: p.cout - 4 * quads }, (_, r) => Array.from({ length: words }, (_, s) => wpair(4 * quads + r, s))).flat();
  const rq = `${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, ${fastRequant(p.mult, p.shift) ? 1 : 0}`;
  const inSize = p.inW * cin;
  const outSize = p.outW * p.cout;
  const asm = conv1dAsm(plan).map((l) => `      "${l}\\n\\t"`);
  return [
    '#if !defined(HARC_INT8_DSP)',
    '#error "model.c was generated with --kernels harc for the dsp path; regenerate it for this core (or with --kernels portable)"',
    '#endif',
    `  /* 1-D Conv, 4 channels x 2 positions per pass on the int16-widened input (harc_int8_conv1d.h): input zero point folded into the bias, padded rows hold the pad row */`,
    `  const int32_t *const wq = ${ctx.constArray('wc1d', 'int32_t', packConv1dQuads(wpair, bias, quads, words, paddedWords).map(i32))};`,
    ...(rest.length > 0
      ? [`  const int32_t *const wr = ${ctx.constArray('wc1dr', 'int32_t', rest.map(i32))};`, `  const int32_t *const br = ${ctx.constArray('biasr', 'int32_t', bias.slice(4 * quads).map(i32))};`]
      : []),
    `  const int8_t *const pad_row = ${ctx.constArray('padrow', 'int8_t', padRow.map(String))};`,
    `  int32_t *const acc = ${scratch};`,
    `  int16_t *const q = (int16_t *)(${scratch} + ${8 * quads});`,
    `  for (int n = 0; n < ${p.batch}; ++n) {`,
    `    harc_s8_conv1d_widen(${ctx.arg(0)} + n * ${inSize}, pad_row, ${p.inW}, ${cin}, ${cinp}, ${p.padLeft}, ${plan.rows}, ${plan.tailWords}, q);`,
    `    for (int t = 0; t < ${p.outW}; t += 2) {`,
    `      const int32_t *const patch = (const int32_t *)(q + t * ${p.strideW * cinp});`,
    `      int8_t *const out0 = ${ctx.res(0)} + n * ${outSize} + t * ${p.cout};`,
    `      int8_t *const out1 = t + 1 < ${p.outW} ? out0 + ${p.cout} : (int8_t *)0;`,
    `      const uintptr_t args[4] = { (uintptr_t)wq, (uintptr_t)patch, (uintptr_t)acc, ${quads} };`,
    `      __asm__ volatile(`,
    ...asm,
    `      : : [args] "r"(args) : "cc", "memory");`,
    `      harc_s8_conv1d_out(acc, ${4 * quads}, ${mult}, ${shift}, out0, out1, ${rq});`,
    ...(rest.length > 0
      ? [`      harc_s8_conv1d_rest(wr, br, ${mult} + ${4 * quads}, ${shift} + ${4 * quads}, ${p.cout - 4 * quads}, ${words}, patch, ${plan.pairOffset / 4}, out0 + ${4 * quads}, out1 ? out1 + ${4 * quads} : (int8_t *)0, ${rq});`]
      : []),
    `    }`,
    `  }`,
    '',
  ].join('\n');
}

/** `conv` (the set's Conv lowering) with the 1-D Convs harc_s8_conv1d takes going there. */
export function withConv1d(conv: Lowering): Lowering {
  return withScratch(
    (ctx) => (takesConv1d(ctx.graph, ctx.node) ? conv1dBody(ctx, prepareConvQ(ctx.graph, ctx.node)) : conv(ctx)),
    (g, n) => (takesConv1d(g, n) ? conv1dScratchBytes(prepareConvQ(g, n)) : (conv.scratchBytes?.(g, n) ?? 0)),
  );
}
