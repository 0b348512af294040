import { prepareHardSwishQ, prepareLogisticTanhQ } from '../../../ir/int8/prepare.ts';
import { hardSwish, logisticInt8, tanhInt8 } from '../../../ir/quant/index.ts';
import { numel } from '../../../ir/shape.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import type { KernelLowering } from '../kernels/registry.ts';
import type { LowerCtx } from './context.ts';

// The int8 HardSwish, Sigmoid and Tanh of TFLite's reference kernels are fixed-point pipelines of
// 30-60 instructions per element (harc_hard_swish_s8, harc_logistic_s8, harc_tanh_s8). Each is a
// function of one int8 code, so the optimized kernel sets emit it as a 256-entry table filled here
// from the same integer functions the TypeScript reference runs (src/ir/quant/activations.ts): the
// bytes equal the reference by construction, at ~4 instructions per element and 256 bytes of flash.

/** Output code for each input code -128..127 of an int8 unary node whose kernel is an integer
 * pipeline (not the float-semantics tables of `int8: 'lut'` ops, which are tables already). */
export function int8UnaryTable(g: Graph, node: Node): number[] {
  const codes = Array.from({ length: 256 }, (_, i) => i - 128);
  if (node.op === 'HardSwish') {
    const p = prepareHardSwishQ(g, node);
    return codes.map((v) => hardSwish(v, p, 8));
  }
  if (node.op === 'Sigmoid' || node.op === 'Tanh') {
    const p = prepareLogisticTanhQ(g, node);
    return codes.map((v) => (node.op === 'Sigmoid' ? logisticInt8(v, p) : tanhInt8(v, p)));
  }
  throw new Error(`int8UnaryTable: no integer pipeline for ${node.op}`);
}

const is8 = (g: Graph, name: string): boolean => {
  const t = g.tensors[name]!;
  return t.dtype === 'int8' && t.quant?.bits === 8;
};

function lowerInt8UnaryTable(ctx: LowerCtx): string {
  const n = numel(ctx.output(0).shape);
  const table = ctx.constArray('lut', 'int8_t', int8UnaryTable(ctx.graph, ctx.node).map(String));
  return [
    `  /* int8 ${ctx.node.op} as a 256-entry table of the reference integer kernel (int8-unary-table.ts) */`,
    `  for (int i = 0; i < ${n}; ++i) ${ctx.res(0)}[i] = ${table}[(int32_t)${ctx.arg(0)}[i] + 128];`,
    '',
  ].join('\n');
}

/** The table lowering for a kernel set; declines anything but 8-bit int8 input and output. */
export const int8UnaryTableLowering = (): KernelLowering =>
  Object.assign((ctx: LowerCtx) => lowerInt8UnaryTable(ctx), {
    accepts: (g: Graph, node: Node) => is8(g, node.inputs[0]!) && is8(g, node.outputs[0]!),
  });
