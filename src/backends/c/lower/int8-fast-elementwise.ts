import { prepareAddQ, prepareMulQ } from '../../../ir/int8/prepare.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cLiteral } from '../c-literals.ts';
import type { KernelLowering } from '../kernels/registry.ts';
import type { LowerCtx } from './context.ts';
import { elementwise, int8Lowerings } from './int8.ts';
import { fastRequant, type FastMode } from './int8-fast.ts';

// int8 Add / Mul (incl. the SE gate's broadcast Mul) with the requantizations of the optimized
// kernels (harc_s8_requant / harc_s8_requant_fast in harc_int8_kernels.h: one 64-bit multiply-add
// instead of harc_mbqm's saturating SRDHM and branchy RDBPOT), every parameter a literal so the C
// compiler folds the shifts. Bit-exact with the reference: both requantizations equal harc_mbqm
// for multiplier >= 0 (test/int8/fast-kernels.test.ts), which `accepts` checks; Sub (input 2's
// multiplier negated) and anything else go to the reference lowering.

const i32 = (v: number): string => cLiteral('int32', v);

/** The requantization of one int32 expression, the fast variant where the layer allows it. */
const requant = (v: string, m: number, s: number): string => (fastRequant([m], [s]) ? `harc_s8_requant_fast(${v}, ${i32(m)}, ${s})` : `harc_s8_requant(${v}, ${i32(m)}, ${s})`);

const is8 = (g: Graph, name: string): boolean => g.tensors[name]?.dtype === 'int8' && g.tensors[name]?.quant?.bits === 8;

function accepts(g: Graph, node: Node): boolean {
  if (![...node.inputs, ...node.outputs].every((n) => is8(g, n))) return false;
  if (node.op === 'Add') {
    const p = prepareAddQ(g, node);
    return [p.input1Multiplier, p.input2Multiplier, p.outputMultiplier].every((m) => m >= 0) && [p.input1Shift, p.input2Shift, p.outputShift].every((s) => s <= 0);
  }
  return node.op === 'Mul' && prepareMulQ(g, node).outputMultiplier >= 0;
}

/** The per-element expression of TFLite's AddElementwise / MulElementwise on int8 values a, b. */
function expression(ctx: LowerCtx): (a: string, b: string) => string {
  if (ctx.node.op === 'Add') {
    const p = prepareAddQ(ctx.graph, ctx.node);
    const scaled = (v: string, off: number, m: number, s: number): string => requant(`(int32_t)((uint32_t)((int32_t)${v} + ${i32(off)}) << ${p.leftShift})`, m, s);
    return (a, b) =>
      `(int8_t)harc_clamp32(harc_wrap_add32(${requant(`harc_wrap_add32(${scaled(a, p.input1Offset, p.input1Multiplier, p.input1Shift)}, ${scaled(b, p.input2Offset, p.input2Multiplier, p.input2Shift)})`, p.outputMultiplier, p.outputShift)}, ${i32(p.outputOffset)}), ${i32(p.activationMin)}, ${i32(p.activationMax)})`;
  }
  return mulExpression(prepareMulQ(ctx.graph, ctx.node));
}

/** TFLite's MulElementwise on int8 values a, b with the optimized requantization (multiplier >= 0). */
export function mulExpression(p: Pick<ReturnType<typeof prepareMulQ>, 'input1Offset' | 'input2Offset' | 'outputOffset' | 'outputMultiplier' | 'outputShift' | 'activationMin' | 'activationMax'>): (a: string, b: string) => string {
  const prod = (a: string, b: string): string => `(int32_t)((uint32_t)((int32_t)${a} + ${i32(p.input1Offset)}) * (uint32_t)((int32_t)${b} + ${i32(p.input2Offset)}))`;
  return (a, b) => mulOutput(p)(prod(a, b));
}

/** The int8 output of MulElementwise from the int32 product of the offset inputs. */
export function mulOutput(p: Pick<ReturnType<typeof prepareMulQ>, 'outputOffset' | 'outputMultiplier' | 'outputShift' | 'activationMin' | 'activationMax'>): (prod: string) => string {
  return (prod) => `(int8_t)harc_clamp32(harc_wrap_add32(${i32(p.outputOffset)}, ${requant(prod, p.outputMultiplier, p.outputShift)}), ${i32(p.activationMin)}, ${i32(p.activationMax)})`;
}

/** Whether the optimized Add / Mul takes this node (every multiplier >= 0, 8-bit tensors). */
export const fastAddMulAccepts = (g: Graph, node: Node): boolean => accepts(g, node);

function lowerFastAddMulQ(ctx: LowerCtx, mode: FastMode): string {
  const fast = elementwise(ctx, [`/* int8 ${ctx.node.op} with the optimized requantization (int8-fast-elementwise.ts) */`], expression(ctx), 2).replace(/\n$/, '');
  if (mode !== 'portable') return `${fast}\n`;
  const reference = int8Lowerings[ctx.node.op]!(ctx).replace(/\n$/, '');
  return ['#if HARC_INT8_FAST', fast, '#else', reference, '#endif', ''].join('\n');
}

/** Add / Mul for a kernel set: every path under `#if` ('portable') or the optimized one alone. */
export const fastAddMulLowering = (mode: FastMode): KernelLowering => Object.assign((ctx: LowerCtx) => lowerFastAddMulQ(ctx, mode), { accepts });
