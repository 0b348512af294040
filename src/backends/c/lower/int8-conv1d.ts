import { prepareConvQ, type ConvQParams } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import { withScratch, type Lowering, type LowerCtx } from './context.ts';
import { fastRequant, foldedBias, intData } from './int8-fast.ts';
import { hasConstWeights } from './int8.ts';

// The `harc` set's 1-D Conv (kernel > 1, one group) on the Cortex-M DSP path
// (templates/runtime/harc_int8_conv1d.h, docs/int8-kernels.md):
//  * the input is widened to int16 once per layer into arena scratch, rows of cinp = cin rounded up
//    to even channels (zero in the extra one), padded rows holding the pad row, so the patch of
//    output position t is the contiguous, word-aligned run of kW·cinp int16 starting at row t·stride:
//    no per-patch copy, no border case;
//  * weights are int16 pairs (w[k], w[k+1]) in the order the inner loop reads them, so one LDR gives
//    an SMLAD operand (no SXTB16): for 8-bit weights laid out at compile time in flash (twice the
//    int8 bytes: an int8-in-flash variant unpacked per chunk cost har-cnn 9% more cycles, see
//    docs/int8-kernels.md); 4/2-bit weights stay packed in flash (packConv1dSub) and are unpacked
//    per chunk of quads into arena scratch (harc_s8_conv1d_unpack4/2), the unpack paid once per
//    chunk per inference over all position pairs;
//  * 4 output channels × 2 positions accumulate in 8 registers; each step of 2 k is 6 single loads
//    (chained, 1 cycle each after the first) and 8 SMLAD. The loop is unrolled `unroll` steps and
//    generated per layer with its offsets as immediates (the second position's patch is at a fixed
//    distance); it ends on a sentinel word after each quad's weights, so no register holds a count;
//  * requantization is once per output, in registers after the loop, with per-channel constants
//    (the output zero point folded into the rounding) that follow each quad's weights.
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

/** Steps of 2 k per loop iteration: the one in 1..12 that minimizes the cycles of the padded
 * reduction (16 per step) and the loop's overhead (5 per iteration); ties go to fewer steps (less code). */
export function conv1dUnroll(words: number): number {
  let best = 1;
  let bestCost = Infinity;
  for (let u = 1; u <= 12; u++) {
    const iters = Math.ceil(words / u);
    const cost = iters * u * 16 + iters * 5;
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
 * channels, a requantization the epilogue takes, offsets within LDR's immediate range. */
export function isConv1d(p: ConvQParams): boolean {
  const rows1d = p.inH === 1 && p.outH === 1 && p.kH === 1 && p.padTop === 0 && p.padBottom === 0;
  if (!rows1d || p.group !== 1 || p.kW < 2 || p.dilW !== 1 || p.cout < 4 || !epilogueFits(p)) return false;
  const plan = conv1dPlan(p);
  return plan.pairOffset + 4 * plan.unroll <= MAX_LDR_OFFSET && p.cout + 3 <= MAX_LDR_OFFSET;
}

/** Nodes carrying a fused epilogue, gate or residual Add (attrs `harc_*`) stay with the lowering that fused them. */
const hasFusion = (n: Node): boolean => Object.keys(n.attrs).some((k) => k.startsWith('harc_'));

/** Whether harc_s8_conv1d runs this node: isConv1d, and twice every accumulator fits int32. */
export function takesConv1d(g: Graph, n: Node): boolean {
  // a channels-first graph input read in place (absorb-input-transpose) is not the rows it widens
  if (n.op !== 'Conv' || hasFusion(n) || !hasConstWeights(g, n) || !isConv1dWeightBits(weightBitsOf(g.tensors[n.inputs[1]!]!)) || n.attrs['x_layout'] === 'NCHW') return false;
  const p = prepareConvQ(g, n);
  if (!isConv1d(p)) return false;
  const wdata = g.tensors[n.inputs[1]!]!.data as ArrayLike<number>;
  const bdata = n.inputs[2] ? (g.tensors[n.inputs[2]]?.data as ArrayLike<number> | undefined) : undefined;
  const K = p.kW * p.channels;
  const w = (oc: number, k: number): number => Number(wdata[oc * K + k]);
  const zpc = (c: number): number => (p.inZps ? p.inZps[c]! : p.inZp);
  const bias = foldedBias(bdata, p.cout, K, w, (_, k) => zpc(k % p.channels));
  return bias.every((b, oc) => 2 * accumulatorBound((k) => w(oc, k), K, b) < 2 ** 31);
}

/** The weight widths the kernel unpacks: int8 bytes, or 4/2-bit fields (packConv1dSub). */
const isConv1dWeightBits = (bits: number): bits is 8 | 4 | 2 => bits === 8 || bits === 4 || bits === 2;

/** A constant weight tensor's width: its quantization's bits (4 or 2 for sub-byte), else 8. */
const weightBitsOf = (t: { quant?: { bits: number } }): number => t.quant?.bits ?? 8;

/** Words of scratch for an odd last position's pair output (2·cout bytes), else none. */
const oddWords = (p: ConvQParams): number => (p.outW % 2 === 1 ? Math.ceil((2 * p.cout) / 4) : 0);

/** Scratch: an odd last pair's output, with sub-byte weights the unpacked weight stream of one chunk
 * of quads, then the widened rows and tail. */
export function conv1dScratchBytes(p: ConvQParams, weightBits = 8): number {
  const plan = conv1dPlan(p);
  const unpacked = weightBits === 8 ? 0 : conv1dChunk(plan) * quadWords(plan);
  return 4 * (oddWords(p) + unpacked + (plan.rows * plan.cinp) / 2 + plan.tailWords);
}

/** int16 pair (lo, hi) as a signed 32-bit word. */
const pair = (lo: number, hi: number): number => ((lo & 0xffff) | (hi << 16)) | 0;

/** Per channel of a quad, after the sentinel: the multiplier, the rounding constant with the output
 * zero point folded in, and the shift e = -shift. The loop accumulates a = 2·acc (weights and bias
 * doubled at compile time), so with m > 2^30 (harc_s8_requant_fast's condition):
 *   h = SRDHM(acc, m) = floor((acc·m + 2^30) / 2^31) = SMMLAR(a, m)'s high word (it adds 2^31 to a·m),
 *   [h < 0] = [acc < 0], RDBPOT(h, e) + zp = asr(h + 2^(e-1) + zp·2^e - [acc < 0], e),
 * i.e. SMMLAR t, a, m, T (T = 2^(e-1) + zp·2^e as its accumulate word), SUB t, t, a, LSR #31, ASR. */
export function requantWords(mult: number, shift: number, outZp: number): [number, number, number] {
  const e = -shift;
  return [mult, 2 ** (e - 1) + outZp * 2 ** e, e];
}

/** The layer's requantization fits the epilogue: every channel has multiplier > 2^30 and shift <= -2
 * (harc_s8_requant_fast) and the rounding constant is below 2^30 in magnitude (so h + T cannot wrap). */
export const epilogueFits = (p: ConvQParams): boolean =>
  fastRequant(p.mult, p.shift) && p.shift.every((s) => Math.abs(requantWords(0, s, p.outZp)[1]) < 2 ** 30 - 1);

/** Largest |accumulator| channel oc can reach: |bias'| + 128·sum |w| (inputs and pad values are int8). */
export function accumulatorBound(w: (k: number) => number, K: number, bias: number): number {
  let s = Math.abs(bias);
  for (let k = 0; k < K; k++) s += 128 * Math.abs(w(k));
  return s;
}

/** The quads' weight stream: per quad its 4 folded biases, then per step of 2 k the pairs of
 * channels 0..3, then the sentinel, then the 4 channels' requantWords; zero pairs past `words`. */
export function packConv1dQuads(w: (oc: number, word: number) => number, bias: number[], rq: (oc: number) => number[], quads: number, words: number, paddedWords: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < quads; q++) {
    for (let j = 0; j < 4; j++) out.push(bias[4 * q + j]!);
    for (let s = 0; s < paddedWords; s++) for (let j = 0; j < 4; j++) out.push(s < words ? w(4 * q + j, s) : 0);
    out.push(CONV1D_SENTINEL);
    for (let j = 0; j < 4; j++) out.push(...rq(4 * q + j));
  }
  return out;
}

/** The loop over a position pair's quads (GNU asm, Thumb-2), generated per layer: r0 weight stream,
 * r1 patch, r2-r9 accumulators (channel j of the quad: r(2+2j) position 0, r(3+2j) position 1),
 * r10/r11 weight pairs, r12/lr patch pairs; then each accumulator requantized in registers and
 * stored (position 1 `cout` bytes after position 0). Saves every register it uses, so its only
 * operand is the argument block { weights, patch - 4·unroll bytes, output, quads }. */
export function conv1dAsm(plan: Conv1dPlan, cout: number, actMin: number, actMax: number): string[] {
  const { unroll, pairOffset: d } = plan;
  const lines = ['push {r0-r12, lr}', 'mov lr, %[args]', 'ldr r0, [lr, #0]', 'ldr r1, [lr, #4]', 'ldr r2, [lr, #8]', 'ldr r3, [lr, #12]', 'push {r1, r2, r3}', '2:'];
  // a quad: accumulators from the biases (both positions), the patch from its start
  lines.push('ldmia r0!, {r2, r4, r6, r8}', 'mov r3, r2', 'mov r5, r4', 'mov r7, r6', 'mov r9, r8', 'ldr r1, [sp, #0]', 'ldr r10, [r0, #0]', '1:');
  for (let j = 0; j < unroll; j++) {
    if (j > 0) lines.push(`ldr r10, [r0, #${16 * j}]`);
    lines.push(
      `ldr r11, [r0, #${16 * j + 4}]`,
      // the first step moves the patch pointer on by the iteration (writeback: no ADD)
      j === 0 ? `ldr r12, [r1, #${4 * unroll}]!` : `ldr r12, [r1, #${4 * j}]`,
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
  lines.push(`ldr r10, [r0, #${16 * unroll}]!`, `cmp r10, #${CONV1D_SENTINEL}`, 'bne 1b', 'add r0, r0, #4');
  // requantization (requantWords): r10 m, r11 T, r12 e
  for (let j = 0; j < 4; j++) {
    lines.push('ldmia r0!, {r10, r11, r12}');
    for (const a of [`r${2 + 2 * j}`, `r${3 + 2 * j}`]) lines.push(`smmlar lr, ${a}, r10, r11`, `sub lr, lr, ${a}, lsr #31`, `asr ${a}, lr, r12`);
  }
  lines.push('ldr r11, [sp, #4]');
  for (let j = 0; j < 4; j++)
    for (const [a, off] of [[`r${2 + 2 * j}`, j], [`r${3 + 2 * j}`, cout + j]] as const) {
      lines.push(`ssat ${a}, #8, ${a}`);
      if (actMin > -128) lines.push(`cmp ${a}, #${actMin}`, 'it lt', `movlt ${a}, #${actMin}`);
      if (actMax < 127) lines.push(`cmp ${a}, #${actMax}`, 'it gt', `movgt ${a}, #${actMax}`);
      lines.push(`strb ${a}, [r11, #${off}]`);
    }
  lines.push('add r11, r11, #4', 'str r11, [sp, #4]', 'ldr r10, [sp, #8]', 'subs r10, r10, #1', 'str r10, [sp, #8]', 'bne 2b');
  lines.push('add sp, sp, #12', 'pop {r0-r12, lr}');
  return lines;
}

/** Words of one quad's unpacked stream (packConv1dQuads): 4 biases, 4 pairs per padded step, the
 * sentinel, 3 requantization words per channel. */
export const quadWords = (plan: Conv1dPlan): number => 4 + 4 * plan.paddedWords + 1 + 12;

/** Bytes of unpacked weight stream the kernel keeps in scratch at once. */
const CHUNK_SCRATCH_BYTES = 1024;

/** Quads unpacked per chunk: the most (at most 4) whose stream fits CHUNK_SCRATCH_BYTES (at least 1),
 * then evened out over the same number of chunks. More quads per chunk means fewer passes over the
 * positions (each position pair's asm call costs ~50 cycles of register save and arguments); fewer
 * means less scratch. */
export function conv1dChunk(plan: Conv1dPlan): number {
  if (plan.quads === 0) return 0;
  const most = Math.max(1, Math.min(4, plan.quads, Math.floor(CHUNK_SCRATCH_BYTES / (4 * quadWords(plan)))));
  return Math.ceil(plan.quads / Math.ceil(plan.quads / most));
}

/** Sub-byte (4 or 2 bits) quads' weights as they stay in flash: per quad, its pairs in stream order
 * (per step of 2 k the 4 channels' (w[2s], w[2s+1])), 16/bits pairs per word, pair p's low value in
 * bits [bits·p, bits·p + bits) and its high value 16 bits above, both offset by 2^(bits-1) (so
 * unsigned); each quad starts a word, pairs past its stream are (0, 0). harc_s8_conv1d_unpack4/2 get
 * pair p doubled as ((v >> (bits·p - 1)) & mask) - 2^bits in each half (SSUB16), no sign extension. */
export function packConv1dSub(we: (oc: number, e: number) => number, quads: number, words: number, bits: 4 | 2): number[] {
  const per = 16 / bits;
  const off = 2 ** (bits - 1);
  const out: number[] = [];
  for (let q = 0; q < quads; q++) {
    const pairs: [number, number][] = [];
    for (let s = 0; s < words; s++) for (let j = 0; j < 4; j++) pairs.push([we(4 * q + j, 2 * s), we(4 * q + j, 2 * s + 1)]);
    for (let i = 0; i < pairs.length; i += per) {
      let v = 0;
      for (let p = 0; p < per; p++) {
        const [lo, hi] = pairs[i + p] ?? [0, 0];
        v += (lo + off) * 2 ** (bits * p) + (hi + off) * 2 ** (16 + bits * p);
      }
      out.push(v);
    }
  }
  return out;
}

/** Words of packConv1dSub per quad. */
export const subWordsPerQuad = (words: number, bits: 4 | 2): number => Math.ceil((4 * words * 2 * bits) / 32);

/** What harc_s8_conv1d_unpack4/2 write for quads [first, first + n): packConv1dQuads' stream of those
 * quads with every weight doubled (the loop sums 2·acc), from packConv1dSub's words and
 * packConv1dConsts. The TypeScript statement of the C unpack. */
export function unpackConv1dSub(packed: ArrayLike<number>, consts: ArrayLike<number>, first: number, n: number, words: number, paddedWords: number, bits: 4 | 2): number[] {
  const per = 16 / bits;
  const lane = (v: number, p: number): number => 2 * (Math.floor(v / 2 ** (bits * p)) % 2 ** bits) - 2 ** bits;
  const out: number[] = [];
  for (let q = first; q < first + n; q++) {
    const base = q * subWordsPerQuad(words, bits);
    for (let j = 0; j < 4; j++) out.push(Number(consts[16 * q + j]));
    for (let i = 0; i < 4 * paddedWords; i++) {
      const v = Number(packed[base + Math.floor(i / per)]);
      const p = i % per;
      out.push(i < 4 * words ? pair(lane(v, p), lane(Math.floor(v / 2 ** 16), p)) : 0);
    }
    out.push(CONV1D_SENTINEL);
    for (let i = 4; i < 16; i++) out.push(Number(consts[16 * q + i]));
  }
  return out;
}

/** Per quad the 16 words that are no weights: the 4 folded biases, then the 4 channels' requantWords. */
export function packConv1dConsts(bias: number[], rq: (oc: number) => number[], quads: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < quads; q++) {
    for (let j = 0; j < 4; j++) out.push(bias[4 * q + j]!);
    for (let j = 0; j < 4; j++) out.push(...rq(4 * q + j));
  }
  return out;
}

/** The folded biases and weight e of the widened patch (tap e / cinp, channel e % cinp; 0 in the
 * extra channel) of a layer's constant weights, 8 or sub-byte (the data holds their values). */
function conv1dWeights(ctx: LowerCtx, p: ConvQParams, cinp: number): { bias: number[]; we: (oc: number, e: number) => number } {
  const wdata = intData(ctx, 1)!;
  const cin = p.channels;
  const K = p.kW * cin;
  const zpc = (c: number): number => (p.inZps ? p.inZps[c]! : p.inZp);
  // weight (oc, k) with k = tap·cin + ic: the reference layout [oc][1][kw][ic]
  const w = (oc: number, k: number): number => Number(wdata[oc * K + k]);
  const bias = foldedBias(intData(ctx, 2), p.cout, K, w, (_, k) => zpc(k % cin));
  return { bias, we: (oc, e) => (e % cinp < cin ? w(oc, Math.floor(e / cinp) * cin + (e % cinp)) : 0) };
}

/** The constants of the last cout % 4 channels (their undoubled int16 pair rows, biases, multipliers,
 * shifts) when there are any, then the pad row (per-channel input zero points, or the pad value). */
function conv1dRestAndPadRow(ctx: LowerCtx, p: ConvQParams, plan: Conv1dPlan, bias: number[], we: (oc: number, e: number) => number): string[] {
  const { quads, words } = plan;
  const wpair = (oc: number, s: number): number => pair(we(oc, 2 * s), we(oc, 2 * s + 1));
  const rest = Array.from({ length: p.cout - 4 * quads }, (_, r) => Array.from({ length: words }, (_, s) => wpair(4 * quads + r, s))).flat();
  const padRow = Array.from({ length: p.channels }, (_, c) => (p.padQ ? p.padQ[c]! : p.inZps ? p.inZps[c]! : p.inZp));
  return [
    ...(rest.length > 0
      ? [
          `  const int32_t *const wr = ${ctx.constArray('wc1dr', 'int32_t', rest.map(i32))};`,
          `  const int32_t *const br = ${ctx.constArray('biasr', 'int32_t', bias.slice(4 * quads).map(i32))};`,
          `  const int32_t *const mr = ${ctx.constArray('multr', 'int32_t', p.mult.slice(4 * quads).map(i32))};`,
          `  const int32_t *const sr = ${ctx.constArray('shiftr', 'int32_t', p.shift.slice(4 * quads).map(String))};`,
        ]
      : []),
    `  const int8_t *const pad_row = ${ctx.constArray('padrow', 'int8_t', padRow.map(String))};`,
  ];
}

/** The C body of a harc_s8_conv1d layer with 8-bit weights: the quads' stream (packConv1dQuads, doubled
 * int16 pairs) is a flash constant. */
function conv1dBodyInt16(ctx: LowerCtx, p: ConvQParams): string {
  const plan = conv1dPlan(p);
  const { cinp, words, paddedWords, quads } = plan;
  const cin = p.channels;
  const { bias, we } = conv1dWeights(ctx, p, cinp);
  // the quads accumulate twice the sum (requantWords): doubled weights (int16 still) and biases
  const wpair2 = (oc: number, s: number): number => pair(2 * we(oc, 2 * s), 2 * we(oc, 2 * s + 1));
  const scratch = ctx.scratch(conv1dScratchBytes(p), 'int32_t');
  const rest = p.cout - 4 * quads;
  const restRq = `${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, 1`;
  const rqw = (oc: number): number[] => requantWords(p.mult[oc]!, p.shift[oc]!, p.outZp);
  const inSize = p.inW * cin;
  const outSize = p.outW * p.cout;
  const asm = conv1dAsm(plan, p.cout, p.actMin, p.actMax).map((l) => `      "${l}\\n\\t"`);
  const odd = p.outW % 2 === 1;
  return [
    '#if !defined(HARC_INT8_DSP)',
    '#error "model.c was generated with --kernels harc for the dsp path; regenerate it for this core (or with --kernels portable)"',
    '#endif',
    `  /* 1-D Conv, 4 channels x 2 positions per pass on the int16-widened input (harc_int8_conv1d.h): input zero point folded into the bias, padded rows hold the pad row */`,
    `  const int32_t *const wq = ${ctx.constArray('wc1d', 'int32_t', packConv1dQuads(wpair2, bias.map((b) => 2 * b), rqw, quads, words, paddedWords).map(i32))};`,
    ...conv1dRestAndPadRow(ctx, p, plan, bias, we),
    // an odd last position's quads go to tmp (position 1 of the pair would be past the output)
    ...(odd ? [`  int8_t *const tmp = (int8_t *)${scratch};`] : []),
    `  int32_t *const q = ${scratch} + ${oddWords(p)};`,
    `  for (int n = 0; n < ${p.batch}; ++n) {`,
    `    harc_s8_conv1d_widen(${ctx.arg(0)} + n * ${inSize}, pad_row, ${p.inW}, ${cin}, ${cinp}, ${p.padLeft}, ${plan.rows}, ${plan.tailWords}, q);`,
    `    for (int t = 0; t < ${p.outW}; t += 2) {`,
    `      const int32_t *const patch = q + t * ${(p.strideW * cinp) / 2};`,
    `      int8_t *const out0 = ${ctx.res(0)} + n * ${outSize} + t * ${p.cout};`,
    // out1: position 1's output, none for an odd last position (then the quads write to tmp)
    ...(odd || rest > 0 ? [`      int8_t *const out1 = t + 1 < ${p.outW} ? out0 + ${p.cout} : (int8_t *)0;`] : []),
    `      const uintptr_t args[4] = { (uintptr_t)wq, (uintptr_t)patch - ${4 * plan.unroll}, (uintptr_t)${odd ? '(out1 ? out0 : tmp)' : 'out0'}, ${quads} };`,
    `      __asm__ volatile(`,
    ...asm,
    `      : : [args] "r"(args) : "cc", "memory");`,
    ...(odd ? [`      if (!out1) memcpy(out0, tmp, ${4 * quads});`] : []),
    ...(rest > 0
      ? [`      harc_s8_conv1d_rest(wr, br, mr, sr, ${p.cout - 4 * quads}, ${words}, patch, ${plan.pairOffset / 4}, out0 + ${4 * quads}, out1 ? out1 + ${4 * quads} : (int8_t *)0, ${restRq});`]
      : []),
    `    }`,
    `  }`,
    '',
  ].join('\n');
}

/** The C body of a harc_s8_conv1d layer: int16 pairs in flash for 8-bit weights, else the sub-byte
 * fields unpacked per chunk of quads into scratch. */
export function conv1dBody(ctx: LowerCtx, p: ConvQParams): string {
  const bits = weightBitsOf(ctx.input(1));
  return bits === 8 ? conv1dBodyInt16(ctx, p) : conv1dBodySub(ctx, p, bits as 4 | 2);
}

/** The C body for 4/2-bit weights: packConv1dSub words in flash, unpacked a chunk of quads at a time. */
function conv1dBodySub(ctx: LowerCtx, p: ConvQParams, bits: 4 | 2): string {
  const plan = conv1dPlan(p);
  const { cinp, words, paddedWords, quads } = plan;
  const chunk = conv1dChunk(plan);
  const cin = p.channels;
  const { bias, we } = conv1dWeights(ctx, p, cinp);
  const scratch = ctx.scratch(conv1dScratchBytes(p, bits), 'int32_t');
  const rest = p.cout - 4 * quads;
  const restRq = `${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, 1`;
  // the quads accumulate twice the sum (requantWords): the unpack doubles the weights, the bias is doubled here
  const rqw = (oc: number): number[] => requantWords(p.mult[oc]!, p.shift[oc]!, p.outZp);
  const inSize = p.inW * cin;
  const outSize = p.outW * p.cout;
  const asm = conv1dAsm(plan, p.cout, p.actMin, p.actMax).map((l) => `      "${l}\\n\\t"`);
  const odd = p.outW % 2 === 1;
  const tmpWords = oddWords(p);
  const wqWords = chunk * quadWords(plan);
  const quadLoop =
    quads > 0
      ? [
          `    for (int c = 0; c < ${quads}; c += ${chunk}) {`,
          `      const int32_t nq = ${quads} - c < ${chunk} ? ${quads} - c : ${chunk};`,
          `      harc_s8_conv1d_unpack${bits}(wb + c * ${subWordsPerQuad(words, bits)}, wk + c * 16, nq, ${words}, ${paddedWords}, wq);`,
          `      for (int t = 0; t < ${p.outW}; t += 2) {`,
          `        const int32_t *const patch = q + t * ${(p.strideW * cinp) / 2};`,
          `        int8_t *const out0 = ${ctx.res(0)} + n * ${outSize} + t * ${p.cout} + 4 * c;`,
          // an odd last position's quads go to tmp (position 1 of the pair would be past the output)
          ...(odd ? [`        const int last = t + 1 == ${p.outW};`] : []),
          `        const uintptr_t args[4] = { (uintptr_t)wq, (uintptr_t)patch - ${4 * plan.unroll}, (uintptr_t)${odd ? '(last ? tmp : out0)' : 'out0'}, (uintptr_t)nq };`,
          `        __asm__ volatile(`,
          ...asm.map((l) => `  ${l}`),
          `        : : [args] "r"(args) : "cc", "memory");`,
          ...(odd ? [`        if (last) memcpy(out0, tmp, 4 * nq);`] : []),
          `      }`,
          `    }`,
        ]
      : [];
  const restLoop =
    rest > 0
      ? [
          `    for (int t = 0; t < ${p.outW}; t += 2) {`,
          `      const int32_t *const patch = q + t * ${(p.strideW * cinp) / 2};`,
          `      int8_t *const out0 = ${ctx.res(0)} + n * ${outSize} + t * ${p.cout} + ${4 * quads};`,
          `      harc_s8_conv1d_rest(wr, br, mr, sr, ${p.cout - 4 * quads}, ${words}, patch, ${plan.pairOffset / 4}, out0, t + 1 < ${p.outW} ? out0 + ${p.cout} : (int8_t *)0, ${restRq});`,
          `    }`,
        ]
      : [];
  return [
    '#if !defined(HARC_INT8_DSP)',
    '#error "model.c was generated with --kernels harc for the dsp path; regenerate it for this core (or with --kernels portable)"',
    '#endif',
    `  /* 1-D Conv, 4 channels x 2 positions per pass on the int16-widened input (harc_int8_conv1d.h): ${bits}-bit weights unpacked to doubled int16 pairs ${chunk} quads at a time, input zero point folded into the bias, padded rows hold the pad row */`,
    ...(quads > 0
      ? [
          `  const uint32_t *const wb = ${ctx.constArray(`wc1d${bits}`, 'uint32_t', packConv1dSub(we, quads, words, bits).map((v) => `0x${v.toString(16).padStart(8, '0')}u`))};`,
          `  const int32_t *const wk = ${ctx.constArray('kc1d', 'int32_t', packConv1dConsts(bias.map((b) => 2 * b), rqw, quads).map(i32))};`,
        ]
      : []),
    ...conv1dRestAndPadRow(ctx, p, plan, bias, we),
    ...(odd && quads > 0 ? [`  int8_t *const tmp = (int8_t *)${scratch};`] : []),
    ...(quads > 0 ? [`  int32_t *const wq = ${scratch} + ${tmpWords};`] : []),
    `  int32_t *const q = ${scratch} + ${tmpWords + wqWords};`,
    `  for (int n = 0; n < ${p.batch}; ++n) {`,
    `    harc_s8_conv1d_widen(${ctx.arg(0)} + n * ${inSize}, pad_row, ${p.inW}, ${cin}, ${cinp}, ${p.padLeft}, ${plan.rows}, ${plan.tailWords}, q);`,
    ...quadLoop,
    ...restLoop,
    `  }`,
    '',
  ].join('\n');
}

/** `conv` (the set's Conv lowering) with the 1-D Convs harc_s8_conv1d takes going there. */
export function withConv1d(conv: Lowering): Lowering {
  return withScratch(
    (ctx) => (takesConv1d(ctx.graph, ctx.node) ? conv1dBody(ctx, prepareConvQ(ctx.graph, ctx.node)) : conv(ctx)),
    (g, n) => (takesConv1d(g, n) ? conv1dScratchBytes(prepareConvQ(g, n), weightBitsOf(g.tensors[n.inputs[1]!]!)) : (conv.scratchBytes?.(g, n) ?? 0)),
  );
}
