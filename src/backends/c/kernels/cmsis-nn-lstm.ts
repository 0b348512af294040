import { GATES, prepareTfliteLstmQ, type TfliteLstmQParams } from '../../../ir/int8/tflite-lstm.ts';
import { tfliteLstmDims } from '../../../ir/ops/tflite-lstm.ts';
import { multiplyByQuantizedMultiplier } from '../../../ir/quant/index.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import type { LowerCtx } from '../lower/context.ts';

// TFLite UNIDIRECTIONAL_SEQUENCE_LSTM (TFLiteLSTM, int8) through CMSIS-NN's
// arm_lstm_unidirectional_s8, prepared as TFLM's kernels/cmsis_nn/unidirectional_sequence_lstm.cc
// prepares it: per gate the multipliers of src/ir/int8/tflite-lstm.ts and the zero points folded
// into "effective biases" (b − z_x·ΣW for the input side, −z_h·ΣR for the recurrent side), here
// computed at compile time. The library's step differs from TFLM's reference in two saturations:
//  * the recurrent product r is added to the int16 input product gx before it is saturated
//    (arm_nn_vec_mat_mul_result_acc_s8_s16: sat16(gx + r); TFLM: sat16(gx + sat16(r)));
//  * the i·c̃ term is added to the cell before it is saturated (arm_elementwise_mul_acc_s16).
// Both give TFLM's bytes while the unsaturated term stays in int16. For i·c̃ that is decided at
// compile time from the multiplier (else the layer is declined). For r it depends on h: when no h
// can push it out of int16 the whole sequence is one call; otherwise each step first checks the
// current h: a row whose Σ(h − z_h)²·ΣR_j² is at most A² (A: the largest |sum| that requantizes
// into int16; Cauchy–Schwarz, all integers) cannot overflow, and the few others get their exact sum
// computed. If every row fits, the step is one CMSIS-NN call; else it runs TFLM's step in plain C (the
// "exact step" below), so the bytes are TFLM's on every input.

const I16_MIN = -32768;
const I16_MAX = 32767;

/** MBQM of the extreme sums, or undefined when TFLite's left shift could wrap the int32 first
 * (the requantization is then not monotonic in the sum and no bound follows). */
function requantRange(lo: number, hi: number, mult: number, shift: number): [number, number] | undefined {
  if (Math.max(-lo, hi) >= 2 ** (31 - Math.max(shift, 0))) return undefined;
  return [multiplyByQuantizedMultiplier(lo, mult, shift), multiplyByQuantizedMultiplier(hi, mult, shift)];
}

const fitsInt16 = (r: [number, number] | undefined): boolean => !!r && r[0] >= I16_MIN && r[1] <= I16_MAX;

/** The largest A such that every sum in [−A, A] requantizes into int16 (MBQM is monotonic in the
 * sum while the left shift cannot wrap). */
function largestInt16Sum(mult: number, shift: number): number {
  let lo = 0;
  let hi = 2 ** (31 - Math.max(shift, 0)) - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (fitsInt16(requantRange(-mid, mid, mult, shift))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Whether each step must check h first, and what it checks. Per gate: A, the largest |sum| that
 * requantizes into int16, and the rows by ΣR_j² descending; a row is safe when Σ(h − z_h)²·ΣR_j² ≤ A²
 * (Cauchy–Schwarz), and the others get their exact sum computed. sMax: the Σ(h − z_h)² below which
 * every row is safe (min over rows of ⌊A² / ΣR_j²⌋). */
export interface LstmStepGuard {
  guarded: boolean;
  sMax: number;
  gates: { a: number; rows: number[]; norms: number[] }[];
}

export function lstmStepGuard(g: Graph, n: Node): LstmStepGuard {
  const p = prepareTfliteLstmQ(g, n);
  const H = p.hidden;
  const hLo = -128 - p.hZp;
  const hHi = 127 - p.hZp;
  let guarded = false;
  let sMax = 255 * 255 * H;
  const gates = GATES.map((_, gi) => {
    const R = g.tensors[n.inputs[5 + p.slots[gi]!]!]!.data!;
    const a = largestInt16Sum(p.rMult[gi]!, p.rShift[gi]!);
    const norms: number[] = [];
    for (let j = 0; j < H; j++) {
      let lo = 0;
      let hi = 0;
      let sq = 0;
      for (let k = 0; k < H; k++) {
        const r = Number(R[j * H + k]!);
        lo += Math.min(r * hLo, r * hHi);
        hi += Math.max(r * hLo, r * hHi);
        sq += r * r;
      }
      norms.push(sq);
      if (fitsInt16(requantRange(lo, hi, p.rMult[gi]!, p.rShift[gi]!))) continue;
      guarded = true;
      sMax = Math.min(sMax, Number((BigInt(a) * BigInt(a)) / BigInt(sq)));
    }
    const rows = norms.map((_, j) => j).sort((x, y) => norms[y]! - norms[x]! || x - y);
    return { a, rows, norms: rows.map((j) => norms[j]!) };
  });
  return { guarded, sMax, gates };
}

/** Why CMSIS-NN's arm_lstm_unidirectional_s8 cannot run this node with TFLM's bytes, or undefined
 * when it can. */
export function lstmDeclineReason(g: Graph, n: Node): string | undefined {
  if (g.tensors[n.inputs[0]!]!.dtype !== 'int8' || g.tensors[n.outputs[0]!]!.dtype !== 'int8') return 'not int8 in and out';
  for (let i = 1; i < 13; i++) {
    const t = n.inputs[i] ? g.tensors[n.inputs[i]!] : undefined;
    if (!t?.data) return `input ${i} is not a constant (CMSIS-NN takes constant weights and biases)`;
    if (i < 9 && (t.dtype !== 'int8' || (t.quant?.bits ?? 8) !== 8)) return `weight input ${i} is not 8-bit`;
  }
  const p = prepareTfliteLstmQ(g, n);
  // i ∈ [0, 32767] (logistic), c̃ ∈ [−32768, 32767] (tanh)
  if (!fitsInt16(requantRange(I16_MAX * I16_MIN, I16_MAX * I16_MAX, p.inputMul.mult, p.inputMul.shift)))
    return 'the input-gate term i·c̃ can leave int16 (cell scale below 2^-15), which CMSIS-NN adds to the cell before saturating (TFLM saturates it first)';
  // a checked step is one call over every batch row, contiguous only time-major or with one row
  if (p.batch > 1 && !p.timeMajor && p.steps > 1 && lstmStepGuard(g, n).guarded)
    return 'batch > 1, batch-major, and the recurrent product can leave int16: each step must be checked, and a step of several rows is not contiguous';
  return undefined;
}

/** Scratch layout in bytes: temp1 and temp2 (int16 gate buffers, [batch, hidden] each, as TFLM's
 * cmsis_nn kernel asks), then the exact step's 4 gate rows (int16) when steps are checked. The state
 * is the node's outputs 1 and 2 (src/ir/int8/tflite-lstm.ts takes their quantization from them). */
function scratchLayout(batch: number, hidden: number, guarded: boolean): { temp2: number; gates: number; bytes: number } {
  const temp2 = 2 * batch * hidden;
  const gates = 2 * temp2;
  return { temp2, gates, bytes: gates + (guarded ? 8 * hidden : 0) };
}

export function lstmScratchBytes(g: Graph, n: Node): number {
  const d = tfliteLstmDims(n, g.tensors[n.inputs[0]!]!.shape, g.tensors[n.inputs[1]!]!.shape);
  return scratchLayout(d.batch, d.hidden, lstmStepGuard(g, n).guarded).bytes;
}

/** Effective biases of gate `gi` (order GATES): input side b − z_x·ΣW, recurrent side −z_h·ΣR. */
function effectiveBiases(ctx: LowerCtx, p: TfliteLstmQParams, gi: number): { input: number[]; hidden: number[] } {
  const slot = p.slots[gi]!;
  const W = ctx.input(1 + slot).data!;
  const R = ctx.input(5 + slot).data!;
  const B = ctx.input(9 + slot).data!;
  const rowSum = (m: ArrayLike<number | bigint>, j: number, k: number): number => {
    let s = 0;
    for (let i = 0; i < k; i++) s += Number(m[j * k + i]!);
    return s;
  };
  const input: number[] = [];
  const hidden: number[] = [];
  for (let j = 0; j < p.hidden; j++) {
    input.push(Number(B[j]!) - p.xZp * rowSum(W, j, p.input));
    hidden.push(-p.hZp * rowSum(R, j, p.hidden));
  }
  return { input, hidden };
}

const i32 = (v: number): string => cLiteral('int32', v);

/** TFLM's step for every batch row of one time step, on the same effective biases (plain C; the
 * checked loop's fallback): the recurrent product saturated to int16 before the add. */
function exactStep(p: TfliteLstmQParams, gateBuf: string): string[] {
  const { hidden: H, input: I } = p;
  return [
    `    for (int n = 0; n < ${p.batch}; ++n) {`,
    `      const int8_t *xn = xt + n * ${I};`,
    `      int8_t *hn = hs + n * ${H};`,
    `      int16_t *cn = cs + n * ${H};`,
    '      for (int g = 0; g < 4; ++g) {',
    `        for (int j = 0; j < ${H}; ++j) {`,
    '          int32_t ax = ebx[g][j], ar = ebh[g][j];',
    `          const int8_t *w = wg[g] + j * ${I}, *r = rg[g] + j * ${H};`,
    `          for (int k = 0; k < ${I}; ++k) ax += xn[k] * w[k];`,
    `          for (int k = 0; k < ${H}; ++k) ar += hn[k] * r[k];`,
    '          const int32_t pre = harc_clamp32(harc_clamp32(harc_mbqm(ax, wmul[g], wshf[g]), -32768, 32767) + harc_clamp32(harc_mbqm(ar, rmul[g], rshf[g]), -32768, 32767), -32768, 32767);',
    `          ${gateBuf}[g * ${H} + j] = g == 2 ? harc_tanh_s16((int16_t)pre, 0, 0) : harc_logistic_s16((int16_t)pre, 0, 0);`,
    '        }',
    '      }',
    `      for (int j = 0; j < ${H}; ++j) {`,
    `        const int32_t fg = ${gateBuf}[j], ig = ${gateBuf}[${H} + j], cg = ${gateBuf}[${2 * H} + j], og = ${gateBuf}[${3 * H} + j];`,
    `        int32_t cv = harc_clamp32(harc_mbqm(fg * (int32_t)cn[j], ${i32(p.forgetMul.mult)}, ${p.forgetMul.shift}), -32768, 32767);`,
    `        cv = harc_clamp32(cv + harc_clamp32(harc_mbqm(ig * cg, ${i32(p.inputMul.mult)}, ${p.inputMul.shift}), -32768, 32767), -32768, 32767);`,
    ...(p.cellClip > 0 ? [`        cv = harc_clamp32(cv, -${p.cellClip}, ${p.cellClip});`] : []),
    '        cn[j] = (int16_t)cv;',
    `        const int32_t tc = harc_tanh_s16(cn[j], ${i32(p.tanhCell.inputMultiplier)}, ${p.tanhCell.inputLeftShift});`,
    `        hn[j] = (int8_t)harc_clamp32(harc_mbqm(tc * og, ${i32(p.hiddenMul.mult)}, ${p.hiddenMul.shift}) + (${p.hZp}), -128, 127);`,
    `        yt[n * ${H} + j] = hn[j];`,
    '      }',
    '    }',
  ];
}

export function lowerCmsisNnLstm(ctx: LowerCtx): string {
  const p = prepareTfliteLstmQ(ctx.graph, ctx.node);
  const guard = lstmStepGuard(ctx.graph, ctx.node);
  const { guarded, sMax } = guard;
  const state = p.batch * p.hidden;
  const layout = scratchLayout(p.batch, p.hidden, guarded);
  const scratch = ctx.scratch(layout.bytes, 'int8_t');
  // variable state tensors keep h and c between runs (<name>_reset() zeroes them), as harc's kernel
  const persistent = !!ctx.output(1).variable && !!ctx.output(2).variable;
  const biases = GATES.map((_, gi) => {
    const eb = effectiveBiases(ctx, p, gi);
    return { x: ctx.constArray(`eb_x_${GATES[gi]}`, 'int32_t', eb.input.map(i32)), h: ctx.constArray(`eb_h_${GATES[gi]}`, 'int32_t', eb.hidden.map(i32)) };
  });
  const gate = (gi: number): string => {
    const slot = p.slots[gi]!;
    const act = GATES[gi] === 'c' ? 'ARM_TANH' : 'ARM_SIGMOID';
    return `      { ${i32(p.wMult[gi]!)}, ${p.wShift[gi]}, ${ctx.arg(1 + slot)}, ${biases[gi]!.x}, ${i32(p.rMult[gi]!)}, ${p.rShift[gi]}, ${ctx.arg(5 + slot)}, ${biases[gi]!.h}, ${ctx.arg(9 + slot)}, ${act} }`;
  };
  // a checked step is one call of one time step (time-major: a step's rows are contiguous, and
  // with one row both layouts are)
  const [timeMajor, steps] = guarded ? [1, 1] : [p.timeMajor ? 1 : 0, p.steps];
  const lines = [
    `  /* CMSIS-NN arm_lstm_unidirectional_s8: ${p.steps} steps, batch ${p.batch}, ${p.input} -> ${p.hidden}, cell at 2^${p.cellLog2}${p.cellClip ? `, clip +-${p.cellClip}` : ''}.`,
    guarded
      ? `   * Step by step: CMSIS-NN when every recurrent product fits int16 (all do while sum (h - z_h)^2 <= ${sMax}), else TFLM's step.`
      : '   * No h can take a recurrent product out of int16: one call for the whole sequence.',
    `   * State: ${persistent ? 'kept between runs in the variable tensors (<name>_reset() zeroes it)' : 'zeroed on entry'}. */`,
    // cmsis_nn_lstm_params takes its gates in the order forget, input, cell, output (GATES' order)
    '  static const cmsis_nn_lstm_params params = {',
    `    ${timeMajor}, ${p.batch}, ${steps}, ${p.input}, ${p.hidden}, ${i32(-p.xZp)},`,
    `    ${i32(p.forgetMul.mult)}, ${p.forgetMul.shift}, ${i32(p.inputMul.mult)}, ${p.inputMul.shift}, ${p.cellClip}, ${p.cellLog2},`,
    `    ${i32(p.hiddenMul.mult)}, ${p.hiddenMul.shift}, ${i32(p.hZp)},`,
    GATES.map((_, gi) => gate(gi)).join(',\n'),
    '  };',
    `  int8_t *hs = ${ctx.res(1)};`,
    `  int16_t *cs = ${ctx.res(2)};`,
    ...(persistent ? [] : [`  for (int i = 0; i < ${state}; ++i) {`, `    hs[i] = (int8_t)(${p.hZp});`, '    cs[i] = 0;', '  }']),
    `  cmsis_nn_lstm_context buffers = { ${scratch}, ${scratch} + ${layout.temp2}, cs, hs };`,
  ];
  if (!guarded) return [...lines, `  (void)arm_lstm_unidirectional_s8(${ctx.arg(0)}, ${ctx.res(0)}, &params, &buffers);`, ''].join('\n');
  const table = (f: (gi: number) => string): string => `{ ${GATES.map((_, gi) => f(gi)).join(', ')} }`;
  const rowsType = p.hidden <= 256 ? 'uint8_t' : 'uint16_t';
  const H = p.hidden;
  return [
    ...lines,
    `  static const int8_t *const wg[4] = ${table((gi) => ctx.arg(1 + p.slots[gi]!))}, *const rg[4] = ${table((gi) => ctx.arg(5 + p.slots[gi]!))};`,
    `  static const int32_t *const ebx[4] = ${table((gi) => biases[gi]!.x)}, *const ebh[4] = ${table((gi) => biases[gi]!.h)};`,
    `  static const int32_t wmul[4] = { ${p.wMult.map(i32).join(', ')} }, wshf[4] = { ${p.wShift.join(', ')} };`,
    `  static const int32_t rmul[4] = { ${p.rMult.map(i32).join(', ')} }, rshf[4] = { ${p.rShift.join(', ')} };`,
    '  /* per gate: rows of R by sum of squares, descending, those sums, and A^2 (A: the largest |sum| that requantizes into int16) */',
    `  static const ${rowsType} rrow[4][${H}] = ${table((gi) => `{ ${guard.gates[gi]!.rows.join(', ')} }`)};`,
    `  static const int32_t rnrm[4][${H}] = ${table((gi) => `{ ${guard.gates[gi]!.norms.join(', ')} }`)};`,
    `  static const int64_t ra2[4] = ${table((gi) => `${BigInt(guard.gates[gi]!.a) * BigInt(guard.gates[gi]!.a)}LL`)};`,
    `  int16_t *gates = (int16_t *)(void *)(${scratch} + ${layout.gates});`,
    `  for (int t = 0; t < ${p.steps}; ++t) {`,
    `    const int8_t *xt = ${ctx.arg(0)} + t * ${p.batch * p.input};`,
    `    int8_t *yt = ${ctx.res(0)} + t * ${state};`,
    '    /* CMSIS-NN gives TFLM\'s bytes for this step if no recurrent product leaves int16: rows where',
    '     * sum (h - z_h)^2 * sum R_j^2 <= A^2 cannot; the others are computed exactly */',
    '    int fits = 1;',
    `    for (int n = 0; n < ${p.batch} && fits; ++n) {`,
    `      const int8_t *hn = hs + n * ${H};`,
    '      int32_t s = 0;',
    `      for (int k = 0; k < ${H}; ++k) s += (hn[k] - (${p.hZp})) * (hn[k] - (${p.hZp}));`,
    '      for (int g = 0; g < 4 && fits; ++g) {',
    `        for (int i = 0; i < ${H} && (int64_t)s * rnrm[g][i] > ra2[g]; ++i) {`,
    '          const int j = rrow[g][i];',
    `          const int8_t *r = rg[g] + j * ${H};`,
    '          int32_t acc = ebh[g][j];',
    `          for (int k = 0; k < ${H}; ++k) acc += hn[k] * r[k];`,
    '          const int32_t v = harc_mbqm(acc, rmul[g], rshf[g]);',
    '          if (v < -32768 || v > 32767) {',
    '            fits = 0;',
    '            break;',
    '          }',
    '        }',
    '      }',
    '    }',
    '    if (fits) {',
    '      (void)arm_lstm_unidirectional_s8(xt, yt, &params, &buffers);',
    '      continue;',
    '    }',
    '    /* a recurrent product leaves int16: TFLM\'s step, which saturates it before the add */',
    ...exactStep(p, 'gates'),
    '  }',
    '',
  ].join('\n');
}
