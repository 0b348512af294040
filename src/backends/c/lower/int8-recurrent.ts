import { inputError } from '../../../ir/errors.ts';
import { prepareRecurrentQ, type RecurrentQParams } from '../../../ir/int8/recurrent.ts';
import { recurrentGeometry } from '../../../ir/ops/recurrent-common.ts';
import { recurrentContext } from './recurrent.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import { render } from '../templates.ts';
import type { KernelLowering } from '../kernels/registry.ts';
import { withScratch, type LowerCtx } from './context.ts';
import { cUnpackExpr, packSubByte } from '../../../ir/quant/subbyte.ts';

// Integer LSTM / GRU / RNN (TFLite integer LSTM scheme; bit-exact with src/ir/int8/recurrent.ts).
// One C function per node; a bidirectional layer runs both directions and writes both halves of Y.
// Scratch (planned in the arena, live only during the layer): one time step of int16 gate values
// (GRU linear_before_reset=0: plus r ⊙ h), then each state that has no output buffer (int16 cell
// state, int8 hidden state) and the GRU's int16 hidden state.

const i32 = (v: number): string => cLiteral('int32', v);

/** The zero points folded into the biases at compile time (TFLite does the same), so the inner
 * loops are plain int8 · int8 sums: bx = Bw − Σ_k z_x[k]·W[j,k], bh = Br − z_h·Σ_k R[j,k]. The GRU
 * candidate rows with linear_before_reset = 0 read r ⊙ (h − z_h), already centred: bh = Br there.
 * Exact in int32, so the result equals the reference's Σ (x − z)·w + B. */
export function foldedBiases(ctx: LowerCtx, p: RecurrentQParams, arr: (suffix: string, v: number[]) => string): { bx: string; bh: string } {
  const { dirs: D, gates: G, hidden: H, input: I, kind, linearBeforeReset } = p.geo;
  const GH = G * H;
  const W = ctx.input(1).data!;
  const R = ctx.input(2).data!;
  const B = ctx.node.inputs[3] ? ctx.input(3).data! : undefined;
  const bx: number[] = [];
  const bh: number[] = [];
  for (let d = 0; d < D; d++)
    for (let j = 0; j < GH; j++) {
      let sx = B ? B[d * 2 * GH + j]! : 0;
      for (let k = 0; k < I; k++) sx -= (p.xZps ? p.xZps[k]! : p.xZp) * W[(d * GH + j) * I + k]!;
      let sh = B ? B[d * 2 * GH + GH + j]! : 0;
      if (!(kind === 'GRU' && !linearBeforeReset && j >= 2 * H)) for (let k = 0; k < H; k++) sh -= p.hZp * R[(d * GH + j) * H + k]!;
      if (Math.abs(sx) > 2 ** 31 - 1 || Math.abs(sh) > 2 ** 31 - 1) throw inputError(`node '${ctx.node.name}' (${kind}): folded bias overflows int32`);
      bx.push(sx);
      bh.push(sh);
    }
  return { bx: arr('bx', bx), bh: arr('bh', bh) };
}

/** `acc += Σ_k a[k]·b[k]` over n int8 pairs (n a compile-time constant). On Cortex-M4 (DSP
 * extension) four products per two SMLAD on SXTB16-unpacked words; elsewhere unrolled by four. The
 * sum is exact either way, so every target gives the same int32. */
export function dotS8(acc: string, a: string, b: string, n: number, indent = '          '): string {
  const generic = [
    `${indent}{`,
    `${indent}  int k = 0;`,
    `${indent}  for (; k + 4 <= ${n}; k += 4)`,
    `${indent}    ${acc} += (int32_t)${a}[k] * ${b}[k] + (int32_t)${a}[k + 1] * ${b}[k + 1] + (int32_t)${a}[k + 2] * ${b}[k + 2] + (int32_t)${a}[k + 3] * ${b}[k + 3];`,
    `${indent}  for (; k < ${n}; ++k) ${acc} += (int32_t)${a}[k] * ${b}[k];`,
    `${indent}}`,
  ];
  if (n < 8) return [`${indent}for (int k = 0; k < ${n}; ++k) ${acc} += (int32_t)${a}[k] * ${b}[k];`, ''].join('\n');
  return [
    '#if defined(__ARM_FEATURE_DSP)',
    `${indent}{`,
    `${indent}  int k = 0;`,
    `${indent}  for (; k + 4 <= ${n}; k += 4) {`,
    `${indent}    int32_t va, vb, va1, vb1;`,
    `${indent}    __builtin_memcpy(&va, ${a} + k, 4);`,
    `${indent}    __builtin_memcpy(&vb, ${b} + k, 4);`,
    `${indent}    __asm__("sxtb16 %0, %1, ror #8" : "=r"(va1) : "r"(va));`,
    `${indent}    __asm__("sxtb16 %0, %1, ror #8" : "=r"(vb1) : "r"(vb));`,
    `${indent}    __asm__("sxtb16 %0, %1" : "=r"(va) : "r"(va));`,
    `${indent}    __asm__("sxtb16 %0, %1" : "=r"(vb) : "r"(vb));`,
    `${indent}    __asm__("smlad %0, %1, %2, %3" : "=r"(${acc}) : "r"(va), "r"(vb), "r"(${acc}));`,
    `${indent}    __asm__("smlad %0, %1, %2, %3" : "=r"(${acc}) : "r"(va1), "r"(vb1), "r"(${acc}));`,
    `${indent}  }`,
    `${indent}  for (; k < ${n}; ++k) ${acc} += (int32_t)${a}[k] * ${b}[k];`,
    `${indent}}`,
    '#else',
    ...generic,
    '#endif',
    '',
  ].join('\n');
}

/** Scratch bytes of lowerRecurrentQ on `node` (int16 units: gates, [GRU lbr=0: r ⊙ h], [LSTM c
 * state], [GRU int16 h state], [int8 h state when Y_h is not an output]). */
export function recurrentQScratchBytes(graph: Graph, node: Node): number {
  const { batch, hidden: H, dirs, gates: G, kind, linearBeforeReset } = recurrentGeometry(node, node.inputs.map((n) => (n ? graph.tensors[n] : undefined)));
  const stateSize = dirs * batch * H;
  let units = G * H + (kind === 'GRU' && !linearBeforeReset ? H : 0);
  if (kind === 'LSTM' && !node.outputs[2]) units += stateSize;
  if (kind === 'GRU') units += stateSize;
  if (!node.outputs[1]) units += Math.ceil(stateSize / 2);
  return 2 * units;
}

/** 4- or 2-bit W and R (same bits: one per layer): packed const arrays, read by offset; the
 * int8 pointers and SMLAD dot products stay for 8-bit weights. */
function packedRecurrentWeights(ctx: LowerCtx, input: number, hidden: number): Record<string, unknown> | undefined {
  const bits = ctx.input(1).quant?.bits;
  if (bits !== 4 && bits !== 2) return undefined;
  if (ctx.input(2).quant?.bits !== bits) throw inputError(`node '${ctx.node.name}' (${ctx.node.op}): W and R must have the same weight bits`);
  const pack = (i: number, suffix: string): string =>
    ctx.constArray(suffix, 'uint8_t', Array.from(packSubByte(ctx.input(i).data as ArrayLike<number>, bits), (b) => `0x${b.toString(16).padStart(2, '0')}`));
  const w = pack(1, `w${bits}`);
  const r = pack(2, `r${bits}`);
  const dot = (acc: string, a: string, arr: string, off: string, n: number): string =>
    `          for (int k = 0; k < ${n}; ++k) ${acc} += (int32_t)${a}[k] * ${cUnpackExpr(arr, `${off} + k`, bits)}; /* ${bits}-bit weights, packed */
`;
  return { wPacked: true, wbits: bits, dotX: dot('ax', 'x', w, 'wj', input), dotH: dot('ar', 'h', r, 'rj', hidden), rjk: cUnpackExpr(r, 'rj + k', bits) };
}

/** `requant`: the C requantization of the gate pre-activations and the hidden output — the
 * reference's harc_mbqm, or HARC_RQ (harc_int8_kernels.h: harc_s8_requant on the optimized paths,
 * bit-exact with harc_mbqm for the non-negative multipliers every recurrent layer has). */
export function lowerRecurrentQ(ctx: LowerCtx, requant: 'harc_mbqm' | 'HARC_RQ' = 'harc_mbqm'): string {
  const node = ctx.node;
  const p = prepareRecurrentQ(ctx.graph, node);
  const { batch, input, hidden: H, dirs, gates: G, kind } = p.geo;
  if (ctx.output(0) && node.outputs[0] && ctx.output(0).dtype !== 'int8') throw inputError(`node '${node.name}' (${kind}): Y must be int8`);
  const stateSize = dirs * batch * H;
  const yh = ctx.res(1);
  const yc = kind === 'LSTM' ? ctx.res(2) : '';
  // scratch layout in int16 units: gates, [GRU lbr=0: r ⊙ h], [c state], [h state (int8)]
  let units = G * H + (kind === 'GRU' && !p.geo.linearBeforeReset ? H : 0);
  const cOff = units;
  if (kind === 'LSTM' && !yc) units += stateSize;
  // GRU: the int16 Q0.15 hidden state
  const h16Off = units;
  if (kind === 'GRU') units += stateSize;
  const hOff = units;
  if (!yh) units += Math.ceil(stateSize / 2);
  const scratchBytes = 2 * units;
  const scratch = ctx.scratch(scratchBytes, 'int16_t');
  const arr = (suffix: string, v: number[]): string => ctx.constArray(suffix, 'int32_t', v.map(i32));
  const tmpl = { LSTM: 'kernels/int8/lstm.c', GRU: 'kernels/int8/gru.c', RNN: 'kernels/int8/rnn.c' }[kind];
  const packed = packedRecurrentWeights(ctx, input, H);
  // sub-byte W / R: the per-row shifts (|s| ≤ 31) stored as int8, 3 of every 4 shift bytes were
  // flash the small-weight layers exist to save (int8 layers keep their int32 arrays unchanged)
  const shiftType = packed ? 'int8_t' : 'int32_t';
  const shifts = (suffix: string, v: number[]): string => (packed ? ctx.constArray(suffix, shiftType, v.map(String)) : arr(suffix, v));
  // packed weights: W and R are not emitted as int8 arrays (ctx.arg would emit them)
  const argCtx: LowerCtx = packed ? { ...ctx, arg: (i) => (i === 1 || i === 2 ? '' : ctx.arg(i)) } : ctx;
  return render(tmpl, {
    ...recurrentContext(argCtx, p.geo),
    cStatic: !yc,
    cs: yc || 'c_state',
    lbr: p.geo.linearBeforeReset,
    xZp: p.xZps ? 'per feature, scales folded into W' : p.xZp,
    ...foldedBiases(ctx, p, arr),
    rq: requant,
    dotX: dotS8('ax', 'x', 'wj', input),
    dotH: dotS8('ar', 'h', 'rj', H),
    wPacked: false,
    rjk: 'rj[k]',
    ...packed,
    hZp: p.hZp,
    wMult: arr('wmult', p.wMult),
    wShift: shifts('wshift', p.wShift),
    rMult: arr('rmult', p.rMult),
    rShift: shifts('rshift', p.rShift),
    shiftType,
    sigM: i32(p.sigmoid.inputMultiplier),
    sigS: p.sigmoid.inputLeftShift,
    tanM: i32(p.tanhGate.inputMultiplier),
    tanS: p.tanhGate.inputLeftShift,
    tcM: i32(p.tanhCell?.inputMultiplier ?? 0),
    tcS: p.tanhCell?.inputLeftShift ?? 0,
    cellLog2: p.cellLog2,
    igShift: p.igShift,
    hMult: i32(p.hMult),
    hShift: p.hShift,
    scratch,
    scratchBytes,
    cOff,
    h16Off,
    hOff,
  });
}

/** LSTM / GRU / RNN for the optimized kernel sets: HARC_RQ requantization; declines a layer with a
 * negative multiplier (none arise from positive scales), which then gets the reference lowering. */
export const fastRecurrentLowering = (): KernelLowering =>
  Object.assign(
    withScratch((ctx) => lowerRecurrentQ(ctx, 'HARC_RQ'), recurrentQScratchBytes),
    {
      accepts: (g: Graph, node: Node): boolean => {
        const p = prepareRecurrentQ(g, node);
        return [...p.wMult, ...p.rMult, p.hMult].every((m) => m >= 0);
      },
    },
  );
