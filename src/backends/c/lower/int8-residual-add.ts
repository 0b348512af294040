import { prepareAddQ } from '../../../ir/int8/prepare.ts';
import { multiplyByQuantizedMultiplierSmallerThanOneExp } from '../../../ir/quant/fixedpoint.ts';
import { sameShape } from '../../../ir/shape.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { cloneGraph, producerOf, singleConsumer } from '../../../passes/rewrite.ts';
import { cLiteral } from '../c-literals.ts';
import type { Lowering, LowerCtx } from './context.ts';
import { EPILOGUE_OF, EPILOGUE_OP, epilogueTable, unfused } from './int8-epilogue.ts';
import { fastRequant } from './int8-fast.ts';
import { fastAddMulAccepts } from './int8-fast-elementwise.ts';

// A residual Add done by the Conv that produces one of its inputs (kernel set `harc`, Cortex-M DSP
// matrix path; templates/runtime/harc_int8_fused.h): the Conv still requantizes to its own int8
// output, then adds the other input in the same loop with TFLite's AddElementwise, so the bytes are
// the unfused pair's. Each input's rescaling is a function of one int8 code, so it is a 256-entry
// int32 table computed here with the reference's integer function; the Conv's own int8 output
// tensor is never stored (the plan sees the Conv writing the Add's output and reading the skip).

/** Attribute: index of the Add's other input among the Conv's inputs. */
const ADD_SKIP = 'harc_add_skip';
/** Attributes: the rescaled Conv output and other input for each code (-128..127). */
const ADD_TV = 'harc_add_tv';
const ADD_TS = 'harc_add_ts';
/** Attribute: the Add's output requantization [multiplier, shift, zero point, min, max]. */
const ADD_OUT = 'harc_add_out';

const i32 = (v: number): string => cLiteral('int32', v);

/** The 256 rescaled values of one Add input: ((code + offset) << leftShift) times its multiplier. */
function rescaleTable(offset: number, leftShift: number, multiplier: number, shift: number): number[] {
  return Array.from({ length: 256 }, (_, i) => multiplyByQuantizedMultiplierSmallerThanOneExp(((i - 128 + offset) << leftShift) | 0, multiplier, shift));
}

/** Folds every Add one of whose inputs is the only output use of a Conv that `canFuse` runs. */
export function fuseResidualAdds(graph: Graph, canFuse: (g: Graph, conv: Node) => boolean): Graph {
  let g: Graph | undefined;
  for (const add of graph.nodes) {
    if (add.op !== 'Add' || add.inputs.length !== 2 || !fastAddMulAccepts(graph, add)) continue;
    const [a, b] = add.inputs as [string, string];
    if (!sameShape(graph.tensors[a]!.shape, graph.tensors[b]!.shape) || !sameShape(graph.tensors[a]!.shape, graph.tensors[add.outputs[0]!]!.shape)) continue;
    const side = [0, 1].find((i) => {
      const conv = producerOf(graph, add.inputs[i]!);
      return conv?.op === 'Conv' && singleConsumer(graph, add.inputs[i]!) === add && conv.outputs.length === 1 && conv.attrs[EPILOGUE_OF] === undefined && canFuse(graph, conv);
    });
    if (side === undefined) continue;
    const mid = add.inputs[side]!;
    const skip = add.inputs[1 - side]!;
    const conv = producerOf(graph, mid)!;
    g ??= cloneGraph(graph);
    const p = prepareAddQ(graph, add);
    const own = side === 0 ? [p.input1Offset, p.input1Multiplier, p.input1Shift] : [p.input2Offset, p.input2Multiplier, p.input2Shift];
    const other = side === 0 ? [p.input2Offset, p.input2Multiplier, p.input2Shift] : [p.input1Offset, p.input1Multiplier, p.input1Shift];
    const c = g.nodes.find((n) => n.name === conv.name)!;
    c.attrs[EPILOGUE_OF] = mid;
    c.attrs[ADD_SKIP] = c.inputs.length;
    c.attrs[ADD_TV] = rescaleTable(own[0]!, p.leftShift, own[1]!, own[2]!);
    c.attrs[ADD_TS] = rescaleTable(other[0]!, p.leftShift, other[1]!, other[2]!);
    c.attrs[ADD_OUT] = [p.outputMultiplier, p.outputShift, p.outputOffset, p.activationMin, p.activationMax];
    c.inputs = [...c.inputs, skip];
    c.outputs = [add.outputs[0]!];
    // the Conv now reads the skip tensor, which may be produced after it: it takes the Add's place
    // in the order (every input of the Add, hence of the fused Conv, is produced before the Add)
    g.nodes = g.nodes.filter((n) => n !== c).map((n) => (n.name === add.name ? c : n));
  }
  return g ?? graph;
}

/** The C declaration of a fused Add's epilogue (`ep`) and the expression passing it, or the null
 * pointer when the Conv has none. */
export function addEpilogue(ctx: LowerCtx): { decl: string[]; arg: string } {
  const n = ctx.node;
  if (typeof n.attrs[ADD_SKIP] !== 'number') return { decl: [], arg: '(const harc_s8_add_ep *)0' };
  const [m, s, zo, lo, hi] = n.attrs[ADD_OUT] as number[];
  const tv = ctx.constArray('addtv', 'int32_t', (n.attrs[ADD_TV] as number[]).map(i32));
  const ts = ctx.constArray('addts', 'int32_t', (n.attrs[ADD_TS] as number[]).map(i32));
  const fields = [tv, ts, i32(m!), String(s), i32(zo!), i32(lo!), i32(hi!), fastRequant([m!], [s!]) ? '1' : '0', ctx.res(0), ctx.arg(n.attrs[ADD_SKIP])];
  return { decl: [`  /* the residual Add, done as each output is written (int8-residual-add.ts) */`, `  const harc_s8_add_ep ep = { ${fields.join(', ')} };`], arg: '&ep' };
}

/** A fused Conv (a table, a residual Add, or both) whose optimized body calls harc_s8_mat2 /
 * harc_s8_mat1 (int8-fast.ts), or on the RISC-V path (`dwPixel`) also harc_s8_dw_pixel: the same
 * body with its own int8 output's parameters, each call made to the epilogue variant
 * (harc_int8_fused.h). Throws rather than emit a layer that would skip it. */
export function fusedMatEpilogue(conv: Lowering, ctx: LowerCtx, dwPixel = false): string {
  const table = epilogueTable(ctx.node);
  const ep = addEpilogue(ctx);
  if (!table && ep.decl.length === 0) return conv(ctx);
  const body = conv({ ...ctx, node: unfused(ctx.node) });
  const lut = table ? ctx.constArray('lut', 'int8_t', table.map(String)) : '(const int8_t *)0';
  let calls = 0;
  const kernel = dwPixel ? /harc_s8_(mat[12]|dw_pixel)\(([^;]*)\);/g : /harc_s8_(mat[12])\(([^;]*)\);/g;
  const fused = body.replace(kernel, (_m, k: string, args: string) => {
    calls++;
    return `harc_s8_${k}_ep(${args}, ${lut}, ${ep.arg});`;
  });
  const what = [table ? `the fused ${String(ctx.node.attrs[EPILOGUE_OP])} table` : '', ep.decl.length ? 'the residual Add' : ''].filter(Boolean).join(' and ');
  if (calls === 0 || /harc_s8_(dw_pixel|s4_|s2_)\(/.test(fused)) throw new Error(`node '${ctx.node.name}': ${what} fused on a Conv path without an epilogue variant`);
  return [...ep.decl, fused.replace('(harc_int8_kernels.h)', `(harc_int8_kernels.h; ${what} applied as each output is written, harc_int8_fused.h)`)].join('\n');
}
