import type { ConvQParams, GemmQParams } from '../../../ir/int8/prepare.ts';
import { packSubByte } from '../../../ir/quant/subbyte.ts';
import { cLiteral } from '../c-literals.ts';
import type { LowerCtx } from './context.ts';
import { channelsFirstPatch } from './int8-cf-patch.ts';
import { packS2OptWeights, packS4OptWeights } from './subbyte-opt.ts';

// Optimized int8 Conv / Gemm / MatMul (templates/runtime/harc_int8_kernels.h). The lowering emits the
// optimized call next to the reference kernel:
//
//   #if HARC_INT8_FAST      optimized (Cortex-M DSP: SXTB16/SMLAD; RISC-V and -DHARC_INT8_OPT: unrolled C)
//   #else                   reference kernel (host)
//   #endif
//
// so model.c stays target-independent and the C compiler's target picks the path. Everything the
// optimized kernels need that depends only on constants is computed here: the zero point folded into
// the bias (bias' = bias - sum_k zp[k]·w[oc][k], exact because padded taps read the pad row, which
// holds the zero point or the folded pad value), weights re-packed for each path, the pad row.

const i32 = (v: number): string => cLiteral('int32', v);

/** Which code the optimized lowerings emit: 'portable' every path under `#if` next to the reference
 * (one model.c for any core; kernel set `portable`), or one path alone with only its weight packing
 * ('dsp': Cortex-M DSP, 'opt': unrolled C; kernel set `harc`), guarded so a build for another path
 * fails to compile instead of running the wrong kernel. */
export type FastMode = 'portable' | 'dsp' | 'opt';

/** Weight accessor: value of output channel oc at reduction index k. */
type W = (oc: number, k: number) => number;

/** K rounded up to a multiple of 4: the DSP path's reduction length. */
export const dspK = (K: number): number => Math.ceil(K / 4) * 4;

/** Packs cout×K weights for harc_s8_mat2 (layouts documented there). */
export function packS8Weights(w: W, cout: number, K: number, path: 'dsp' | 'opt'): number[] {
  const out: number[] = [];
  let oc = 0;
  if (path === 'dsp') {
    // K padded to a multiple of 4 with zeros (the widened patches are zero there too)
    const K4 = dspK(K);
    const wz = (o: number, k: number): number => (k < K ? w(o, k) : 0);
    for (; oc + 1 < cout; oc += 2)
      for (let k = 0; k < K4; k += 4) {
        for (let i = 0; i < 4; i++) out.push(wz(oc, k + i));
        for (let i = 0; i < 4; i++) out.push(wz(oc + 1, k + i));
      }
    if (oc < cout) for (let k = 0; k < K4; k++) out.push(wz(oc, k));
    return out;
  }
  for (; oc + 7 < cout; oc += 8) for (let k = 0; k < K; k++) for (let i = 0; i < 8; i++) out.push(w(oc + i, k));
  if (oc + 3 < cout) {
    for (let k = 0; k < K; k++) for (let i = 0; i < 4; i++) out.push(w(oc + i, k));
    oc += 4;
  }
  for (; oc < cout; oc++) for (let k = 0; k < K; k++) out.push(w(oc, k));
  return out;
}

/** int4 weights for harc_s4_mat1 / harc_s4_mat2 (harc_int8_kernels.h): per channel pair (a, b)
 * and 4 k, one 32-bit word whose byte i holds a[k+i] in its low nibble and b[k+i] in its high one,
 * so two ANDs and four SXTB16 give the SMLAD operands; zeros past K and for the b of an odd last
 * channel. ceil(cout / 2) · K4 bytes. */
export function packS4DspWeights(w: W, cout: number, K: number): Uint8Array {
  const vals: number[] = [];
  const wz = (o: number, k: number): number => (o < cout && k < K ? w(o, k) : 0);
  for (let oc = 0; oc < cout; oc += 2) for (let k = 0; k < dspK(K); k++) vals.push(wz(oc, k), wz(oc + 1, k));
  return packSubByte(vals, 4);
}

/** int4 depthwise weights for harc_s4_dw_pixel: per tap and channel octet one 32-bit word whose
 * byte i holds channel 8o+i in its low nibble and 8o+4+i in its high one; zero channels past C.
 * taps · ceil(C / 8) · 4 bytes. */
export function packS4DwDspWeights(w: (c: number, tap: number) => number, C: number, taps: number): Uint8Array {
  const vals: number[] = [];
  const wz = (c: number, t: number): number => (c < C ? w(c, t) : 0);
  for (let t = 0; t < taps; t++) for (let c = 0; c < C; c += 8) for (let i = 0; i < 4; i++) vals.push(wz(c + i, t), wz(c + 4 + i, t));
  return packSubByte(vals, 4);
}

/** int2 depthwise weights for harc_s2_dw_pixel: per tap pair (t, t+1) and channel octet one 32-bit
 * word whose byte i holds w[8o+i][t], w[8o+4+i][t], w[8o+i][t+1], w[8o+4+i][t+1] from its lowest
 * bits up; zeros past C and for the missing t+1 of an odd last tap. ceil(taps / 2) · ceil(C / 8) · 4 bytes. */
export function packS2DwDspWeights(w: (c: number, tap: number) => number, C: number, taps: number): Uint8Array {
  const vals: number[] = [];
  const wz = (c: number, t: number): number => (c < C && t < taps ? w(c, t) : 0);
  for (let t = 0; t < taps; t += 2) for (let c = 0; c < C; c += 8) for (let i = 0; i < 4; i++) vals.push(wz(c + i, t), wz(c + 4 + i, t), wz(c + i, t + 1), wz(c + 4 + i, t + 1));
  return packSubByte(vals, 2);
}

/** int2 weights for harc_s2_mat1 / harc_s2_mat2: per channel pair (a, b) and 8 k, one 32-bit word
 * whose byte i holds a[k+i], b[k+i], a[k+4+i], b[k+4+i] from its lowest bits up; zeros past K and
 * for the b of an odd last channel. ceil(cout / 2) · 4 · ceil(K4 / 8) bytes. */
export function packS2DspWeights(w: W, cout: number, K: number): Uint8Array {
  const vals: number[] = [];
  const wz = (o: number, k: number): number => (o < cout && k < K ? w(o, k) : 0);
  const words = Math.ceil(dspK(K) / 8);
  for (let oc = 0; oc < cout; oc += 2)
    for (let k = 0; k < 8 * words; k += 8) for (let i = 0; i < 4; i++) vals.push(wz(oc, k + i), wz(oc + 1, k + i), wz(oc, k + 4 + i), wz(oc + 1, k + 4 + i));
  return packSubByte(vals, 2);
}

/** Weight bits the optimized matrix kernels take: 8, 4 and 2 on every path. */
export const fastWeightBits = (bits: number, _path: FastMode): boolean => bits === 8 || bits === 4 || bits === 2;

/** The sub-byte packing of the path as a const array: the RISC-V path's words (subbyte-opt.ts), the
 * DSP path's bytes, or (portable) both, selected in C by the path. */
function packedSubByteWeights(ctx: LowerCtx, w: W, groups: number, coutPerGroup: number, K: number, bits: 4 | 2, mode: FastMode): string[] {
  if (mode === 'portable')
    return ['#if defined(HARC_INT8_DSP)', ...packedSubByteWeights(ctx, w, groups, coutPerGroup, K, bits, 'dsp'), '#else', ...packedSubByteWeights(ctx, w, groups, coutPerGroup, K, bits, 'opt'), '#endif'];
  if (mode === 'opt') {
    const words: number[] = [];
    const pack = bits === 4 ? packS4OptWeights : packS2OptWeights;
    for (let g = 0; g < groups; g++) words.push(...pack((oc, k) => w(g * coutPerGroup + oc, k), coutPerGroup, K));
    return [`  const int32_t *const wq = ${ctx.constArray(`w${bits}opt`, 'int32_t', words.map(i32))};`, ...(groups > 1 ? [`  const int wstride = ${words.length / groups};`] : [])];
  }
  const bytes: string[] = [];
  const pack = bits === 4 ? packS4DspWeights : packS2DspWeights;
  let perGroup = 0;
  for (let g = 0; g < groups; g++) {
    const packed = pack((oc, k) => w(g * coutPerGroup + oc, k), coutPerGroup, K);
    perGroup = packed.length;
    for (const b of packed) bytes.push(`0x${b.toString(16).padStart(2, '0')}`);
  }
  return [`  const uint8_t *const wq = ${ctx.constArray(`w${bits}dsp`, 'uint8_t', bytes)};`, ...(groups > 1 ? [`  const int wstride = ${perGroup};`] : [])];
}

/** The packings of the mode as const arrays (portable: both, selected in C by the path); wstride
 * is one group's size. */
function packedWeights(ctx: LowerCtx, w: W, groups: number, coutPerGroup: number, K: number, mode: FastMode): string[] {
  const lines: string[] = [];
  const pack = (path: 'dsp' | 'opt'): string[] => {
    const vals: number[] = [];
    for (let g = 0; g < groups; g++) vals.push(...packS8Weights((oc, k) => w(g * coutPerGroup + oc, k), coutPerGroup, K, path));
    return vals.map(String);
  };
  if (mode !== 'portable') {
    lines.push(`  const int8_t *const wq = ${ctx.constArray(mode === 'dsp' ? 'wdsp' : 'wopt', 'int8_t', pack(mode))};`);
    if (groups > 1) lines.push(`  const int wstride = ${coutPerGroup * (mode === 'dsp' ? dspK(K) : K)};`);
    return lines;
  }
  lines.push('#if defined(HARC_INT8_DSP)');
  lines.push(`  const int8_t *const wq = ${ctx.constArray('wdsp', 'int8_t', pack('dsp'))};`);
  if (groups > 1) lines.push(`  const int wstride = ${coutPerGroup * dspK(K)};`);
  lines.push('#else');
  lines.push(`  const int8_t *const wq = ${ctx.constArray('wopt', 'int8_t', pack('opt'))};`);
  if (groups > 1) lines.push(`  const int wstride = ${coutPerGroup * K};`);
  lines.push('#endif');
  return lines;
}

export const intData = (ctx: LowerCtx, i: number): ArrayLike<number> | undefined => (ctx.node.inputs[i] ? (ctx.input(i).data as ArrayLike<number> | undefined) : undefined);

/** The zero point folded into the bias: bias[oc] - sum_k zp(oc, k)·w(oc, k), wrapped to int32. */
export function foldedBias(bias: ArrayLike<number> | undefined, cout: number, K: number, w: W, zp: (oc: number, k: number) => number): number[] {
  const out: number[] = [];
  for (let oc = 0; oc < cout; oc++) {
    let acc = bias ? Number(bias[oc]) : 0;
    for (let k = 0; k < K; k++) acc -= zp(oc, k) * w(oc, k);
    out.push(acc | 0);
  }
  return out;
}

/** Every channel can use harc_s8_requant_fast: multiplier > 2^30 and shift <= -2. */
export const fastRequant = (mult: number[], shift: number[]): boolean => mult.every((m, i) => m > 2 ** 30 && shift[i]! <= -2);

const GUARD = { dsp: 'HARC_INT8_DSP', opt: 'HARC_INT8_OPT' } as const;

function wrap(fast: string[], reference: string | undefined, mode: FastMode, scratch?: string, dspOnly = false): string {
  if (dspOnly && mode === 'portable')
    // a kernel the DSP path alone has (sub-byte depthwise): else the reference (which reads the weights packed)
    return ['#if defined(HARC_INT8_DSP)', ...fast, '#else', ...(scratch ? [`  (void)${scratch};`] : []), reference!.replace(/\n$/, ''), '#endif', ''].join('\n');
  if (mode !== 'portable')
    return [`#if !defined(${GUARD[mode]})`, `#error "model.c was generated with --kernels harc for the ${mode} path; regenerate it for this core (or with --kernels portable)"`, '#endif', ...fast, ''].join('\n');
  return ['#if HARC_INT8_FAST', ...fast, '#else', ...(scratch ? [`  (void)${scratch};`] : []), reference!.replace(/\n$/, ''), '#endif', ''].join('\n');
}

/** The loop over `count` pixels (rows) in pairs for harc_s8_mat2, and an odd last one alone for
 * harc_s8_mat1 (the matrix-vector kernel: no row computed twice). `body(a, b)` gets C expressions
 * for the pair's indices, b undefined for the single one; its lines come back indented. */
function pixelPairs(count: number, body: (a: string, b?: string) => string[]): string[] {
  const lines: string[] = [];
  if (count >= 2) lines.push(`  for (int q = 0; q + 1 < ${count}; q += 2) {`, ...body('q', '(q + 1)').map((l) => `    ${l}`), '  }');
  if (count % 2 === 1) lines.push('  {', ...body(String(count - 1)).map((l) => `    ${l}`), '  }');
  return lines;
}

/** Scratch bytes fastConvQ asks for: none for depthwise or non-constant weights; else the DSP
 * path's widened patch, plus two gathered patches when the patch is not contiguous in x. */
export function fastConvScratchBytes(p: ConvQParams, constWeights: boolean): number {
  if (!constWeights || (p.cinPerGroup === 1 && p.group === p.channels && p.cout / p.group === 1)) return 0;
  const K = p.kH * p.kW * p.cinPerGroup;
  const anyPad = p.padTop > 0 || p.padLeft > 0 || p.padBottom > 0 || p.padRight > 0;
  const contiguous = p.kH === 1 && p.dilW === 1 && p.group === 1 && !p.channelsFirstInput;
  return 4 * dspK(K) + (!contiguous || anyPad ? 2 * K : 0);
}

/** Scratch bytes fastGemmQ asks for (the DSP path's widened row; none without constant weights). */
export const fastGemmScratchBytes = (p: GemmQParams, constWeights: boolean): number => (constWeights ? 4 * dspK(p.k) : 0);

/** Conv (incl. 1-D, pointwise, grouped, depthwise): the optimized path around the reference body. */
export function fastConvQ(ctx: LowerCtx, p: ConvQParams, mult: string, shift: string, referenceBody: () => string, mode: FastMode, wbits = 8): string {
  // portable: the reference first (its constants come first in weights.c); a single path has none
  const reference = mode === 'portable' ? referenceBody() : undefined;
  const wdata = intData(ctx, 1);
  if (!wdata) {
    if (!reference) throw new Error(`node '${ctx.node.name}': the optimized Conv needs constant weights (the kernel set should have declined it)`);
    return reference;
  }
  const cin = p.channels;
  const cpg = p.cout / p.group;
  const taps = p.kH * p.kW;
  const K = taps * p.cinPerGroup;
  const zpc = (c: number): number => (p.inZps ? p.inZps[c]! : p.inZp);
  const padRowVals = Array.from({ length: cin }, (_, c) => (p.padQ ? p.padQ[c]! : zpc(c)));
  // weight (oc, k) with k = tap·cinPerGroup + ic: the reference layout [oc][kh][kw][ic]
  const w: W = (oc, k) => Number(wdata[oc * K + k]);
  const bias = foldedBias(intData(ctx, 2), p.cout, K, w, (oc, k) => zpc(Math.floor(oc / cpg) * p.cinPerGroup + (k % p.cinPerGroup)));
  const anyPad = p.padTop > 0 || p.padLeft > 0 || p.padBottom > 0 || p.padRight > 0;
  const outPix = p.outH * p.outW;
  const inSize = p.inH * p.inW * cin;
  const outSize = outPix * p.cout;
  const common = { zo: i32(p.outZp), lo: i32(p.actMin), hi: i32(p.actMax), frq: fastRequant(p.mult, p.shift) ? 1 : 0 };
  const s4 = `s${wbits}`; // harc_s8_*, harc_s4_*, harc_s2_*
  const head = `  /* optimized int8 Conv${wbits === 8 ? '' : `, ${wbits}-bit weights`} (harc_int8_kernels.h): input zero point folded into the bias, padded taps read the pad row */`;
  const x = ctx.arg(0);
  const y = ctx.res(0);

  if (p.cinPerGroup === 1 && p.group === cin && cpg === 1) {
    if (p.channelsFirstInput) return reference ?? referenceBody(); // the depthwise kernels read channels-last pixels
    // sub-byte depthwise on the DSP path: harc_s4_dw_pixel / harc_s2_dw_pixel; on RISC-V the reference kernel (which reads the weights packed)
    if (wbits !== 8 && mode === 'opt') return reference ?? referenceBody();
    // depthwise, channels innermost: weights [tap][channel]
    const wd: number[] = [];
    for (let t = 0; t < taps; t++) for (let c = 0; c < cin; c++) wd.push(w(c, t));
    const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
    const fast = [
      head,
      wbits === 8
        ? `  const int8_t *const wq = ${ctx.constArray('wdw', 'int8_t', wd.map(String))};`
        : `  const uint8_t *const wq = ${ctx.constArray(`w${wbits}dw`, 'uint8_t', Array.from((wbits === 4 ? packS4DwDspWeights : packS2DwDspWeights)((c, t) => w(c, t), cin, taps), hex))};`,
      `  const int32_t *const bq = ${ctx.constArray('biasf', 'int32_t', bias.map(i32))};`,
      ...(anyPad ? [`  const int8_t *const pad_row = ${ctx.constArray('padrow', 'int8_t', padRowVals.map(String))};`] : []),
      `  for (int n = 0; n < ${p.batch}; ++n)`,
      `  for (int oh = 0; oh < ${p.outH}; ++oh)`,
      `  for (int ow = 0; ow < ${p.outW}; ++ow) {`,
      `    const int8_t *src[${taps}];`,
      `    int t = 0;`,
      `    for (int kh = 0; kh < ${p.kH}; ++kh) {`,
      `      const int ih = oh * ${p.strideH} - ${p.padTop} + kh * ${p.dilH};`,
      `      for (int kw = 0; kw < ${p.kW}; ++kw, ++t) {`,
      `        const int iw = ow * ${p.strideW} - ${p.padLeft} + kw * ${p.dilW};`,
      anyPad
        ? `        src[t] = (ih >= 0 && ih < ${p.inH} && iw >= 0 && iw < ${p.inW}) ? ${x} + n * ${inSize} + (ih * ${p.inW} + iw) * ${cin} : pad_row;`
        : `        src[t] = ${x} + n * ${inSize} + (ih * ${p.inW} + iw) * ${cin};`,
      `      }`,
      `    }`,
      `    harc_${s4}_dw_pixel(src, ${taps}, wq, bq, ${mult}, ${shift}, ${cin}, ${y} + n * ${outSize} + (oh * ${p.outW} + ow) * ${cin}, ${common.zo}, ${common.lo}, ${common.hi}, ${common.frq});`,
      `  }`,
    ];
    return wrap(fast, reference, mode, undefined, wbits !== 8);
  }

  const contiguous = p.kH === 1 && p.dilW === 1 && p.group === 1 && !p.channelsFirstInput;
  const needBuf = !contiguous || anyPad;
  // scratch: the DSP path's widened patches (4·K4 bytes, 32-bit words), then two gathered patches
  const K4 = dspK(K);
  const buf = ctx.scratch(4 * K4 + (needBuf ? 2 * K : 0), 'int32_t');
  const wg = p.group > 1 ? 'wq + g * wstride' : 'wq';
  // a channels-first input read in place is gathered at a stride (int8-cf-patch.ts)
  const patch = (b: string, q: string, name: string): string[] =>
    p.channelsFirstInput
      ? channelsFirstPatch(p, `${x} + n * ${inSize}`, b, q, name)
      : [`const int8_t *${name} = harc_s8_patch(&geo, ${x} + n * ${inSize}, pad_row, ${b}, g * ${p.cinPerGroup}, ${q} / ${p.outW}, ${q} % ${p.outW});`];
  const rq = `bq + g * ${cpg}, ${mult} + g * ${cpg}, ${shift} + g * ${cpg}, ${cpg}, ${K}`;
  const tail = `${common.zo}, ${common.lo}, ${common.hi}, ${common.frq}, ${buf}`;
  const fast = [
    head,
    ...(p.channelsFirstInput ? [] : [`  static const harc_s8_geo geo = { ${[p.inH, p.inW, cin, p.cinPerGroup, p.kH, p.kW, p.strideH, p.strideW, p.dilH, p.dilW, p.padTop, p.padLeft, contiguous ? 1 : 0].join(', ')} };`]),
    ...(wbits !== 8 ? packedSubByteWeights(ctx, w, p.group, cpg, K, wbits as 4 | 2, mode) : packedWeights(ctx, w, p.group, cpg, K, mode)),
    `  const int32_t *const bq = ${ctx.constArray('biasf', 'int32_t', bias.map(i32))};`,
    ...(p.channelsFirstInput && !anyPad ? [] : [`  const int8_t *const pad_row = ${anyPad ? ctx.constArray('padrow', 'int8_t', padRowVals.map(String)) : '(const int8_t *)0'};`]),
    `  int8_t *const b0 = ${needBuf ? `(int8_t *)(${buf} + ${K4})` : '(int8_t *)0'};`,
    // the second patch only for pixel pairs (a single pixel goes to harc_s8_mat1)
    ...(outPix >= 2 ? [`  int8_t *const b1 = ${needBuf ? `b0 + ${K}` : '(int8_t *)0'};`] : []),
    `  for (int n = 0; n < ${p.batch}; ++n)`,
    `  for (int g = 0; g < ${p.group}; ++g) {`,
    `    int8_t *yn = ${y} + n * ${outSize} + g * ${cpg};`,
    ...pixelPairs(outPix, (q, q1) => [
      ...patch('b0', q, 'c0'),
      ...(q1 === undefined
        ? [`harc_${s4}_mat1(${wg}, ${rq}, c0, yn + ${q} * ${p.cout}, ${tail});`]
        : [
            ...patch('b1', q1, 'c1'),
            `harc_${s4}_mat2(${wg}, ${rq}, c0, c1, yn + ${q} * ${p.cout}, yn + ${q1} * ${p.cout}, ${tail});`,
          ]),
    ]).map((l) => `  ${l}`),
    `  }`,
  ];
  return wrap(fast, reference, mode, buf);
}

/** Gemm / MatMul with constant weights: rows of x are the patches. */
export function fastGemmQ(ctx: LowerCtx, p: GemmQParams, mult: string, shift: string, referenceBody: () => string, mode: FastMode, wbits = 8): string {
  const reference = mode === 'portable' ? referenceBody() : undefined;
  const wdata = intData(ctx, 1);
  if (!wdata) {
    if (!reference) throw new Error(`node '${ctx.node.name}': the optimized ${ctx.node.op} needs constant weights (the kernel set should have declined it)`);
    return reference;
  }
  const w: W = p.transB ? (j, k) => Number(wdata[j * p.k + k]) : (j, k) => Number(wdata[k * p.n + j]);
  const bias = foldedBias(intData(ctx, 2), p.n, p.k, w, (_, k) => (p.inZps ? p.inZps[k]! : p.inZp));
  const x = ctx.arg(0);
  const y = ctx.res(0);
  const buf = ctx.scratch(4 * dspK(p.k), 'int32_t');
  const rq = `bq, ${mult}, ${shift}, ${p.n}, ${p.k}`;
  const s4 = `s${wbits}`; // harc_s8_*, harc_s4_*, harc_s2_*
  const tail = `${i32(p.outZp)}, ${i32(p.actMin)}, ${i32(p.actMax)}, ${fastRequant(p.mult, p.shift) ? 1 : 0}, ${buf}`;
  const fast = [
    `  /* optimized int8 ${ctx.node.op}${wbits === 8 ? '' : `, ${wbits}-bit weights`} (harc_int8_kernels.h): input zero point folded into the bias */`,
    ...(wbits !== 8 ? packedSubByteWeights(ctx, w, 1, p.n, p.k, wbits as 4 | 2, mode) : packedWeights(ctx, w, 1, p.n, p.k, mode)),
    `  const int32_t *const bq = ${ctx.constArray('biasf', 'int32_t', bias.map(i32))};`,
    ...pixelPairs(p.rows, (i, i1) =>
      i1 === undefined
        ? [`harc_${s4}_mat1(wq, ${rq}, ${x} + ${i} * ${p.k}, ${y} + ${i} * ${p.n}, ${tail});`]
        : [`harc_${s4}_mat2(wq, ${rq}, ${x} + ${i} * ${p.k}, ${x} + ${i1} * ${p.k}, ${y} + ${i} * ${p.n}, ${y} + ${i1} * ${p.n}, ${tail});`],
    ),
  ];
  return wrap(fast, reference, mode, buf);
}
