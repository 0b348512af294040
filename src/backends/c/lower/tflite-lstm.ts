import { prepareTfliteLstmQ } from '../../../ir/int8/tflite-lstm.ts';
import { attrFloat } from '../../../ir/registry.ts';
import { tfliteLstmDims, type TfliteLstmDims } from '../../../ir/ops/tflite-lstm.ts';
import { cLiteral } from '../c-literals.ts';
import { render } from '../templates.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import type { LowerCtx } from './context.ts';
import { dotRow, dotRowPair, pad4, packRowPairs, widenS8 } from './s8-rowpair.ts';

// TFLite UNIDIRECTIONAL_SEQUENCE_LSTM (TFLiteLSTM), float and int8, bit-exact with
// src/ir/int8/tflite-lstm.ts. The state lives in the node's outputs 1 (h) and 2 (c): variable
// tensors carry it from one run to the next (zeroed by <name>_reset()); otherwise (outputs not
// variable, or dropped into the layer's scratch) it is zeroed when the layer starts.

const i32 = (v: number): string => cLiteral('int32', v);

/** C names of x, the gates' W (wi…wo), R (ri…ro) and biases (bi…bo); and Y. */
function operands(ctx: LowerCtx): Record<string, string> {
  const names = ['x', 'wi', 'wf', 'wc', 'wo', 'ri', 'rf', 'rc', 'ro', 'bi', 'bf', 'bc', 'bo'];
  return { ...Object.fromEntries(names.map((n, i) => [n, ctx.arg(i)])), y: ctx.res(0) };
}

function offsets(d: TfliteLstmDims): { xExpr: string; yExpr: string } {
  const at = (w: number) => (d.timeMajor ? `(t * ${d.batch} + n) * ${w}` : `(n * ${d.steps} + t) * ${w}`);
  return { xExpr: at(d.input), yExpr: at(d.hidden) };
}

/** Scratch layout (in elements of `unit` bytes): gates, then each state without an output buffer
 * (an omitted output 1 / 2), then `extraUnits` more from an even offset (4-byte aligned in int16
 * units). A pure function of the node, so the lowering can declare its scratch. */
function scratchUnits(node: Node, d: TfliteLstmDims, hUnits: number, extraUnits = 0) {
  let units = 4 * d.hidden;
  const cOff = units;
  if (!node.outputs[2]) units += d.batch * d.hidden;
  const hOff = units;
  if (!node.outputs[1]) units += hUnits;
  const extraOff = units + (units % 2);
  if (extraUnits) units = extraOff + extraUnits;
  return { units, cOff, hOff, extraOff };
}

/** The int8 kernel's scratch: int16 units, h kept as int8 pairs, x and h widened to int16. */
const int8Units = (node: Node, d: TfliteLstmDims) => scratchUnits(node, d, Math.ceil((d.batch * d.hidden) / 2), pad4(d.input) + pad4(d.hidden));
/** The float kernel's scratch: float units. */
const floatUnits = (node: Node, d: TfliteLstmDims) => scratchUnits(node, d, d.batch * d.hidden);

const dimsOf = (graph: Graph, node: Node): TfliteLstmDims => tfliteLstmDims(node, graph.tensors[node.inputs[0]!]!.shape, graph.tensors[node.inputs[1]!]!.shape);
export const tfliteLstmQScratchBytes = (graph: Graph, node: Node): number => 2 * int8Units(node, dimsOf(graph, node)).units;
export const tfliteLstmScratchBytes = (graph: Graph, node: Node): number => 4 * floatUnits(node, dimsOf(graph, node)).units;

function stateLayout(ctx: LowerCtx, d: TfliteLstmDims, layout: ReturnType<typeof scratchUnits>, ctype: string, unit: number) {
  const stateSize = d.batch * d.hidden;
  const hs = ctx.res(1);
  const cs = ctx.res(2);
  const { units, cOff, hOff, extraOff } = layout;
  // a variable (state) tensor in the graph keeps its value between runs (reset by <name>_reset())
  const persistent = !!hs && !!cs && !!ctx.output(1).variable && !!ctx.output(2).variable;
  return { stateSize, hs, cs, hStatic: !hs, cStatic: !cs, cOff, hOff, extraOff, persistent, scratch: ctx.scratch(unit * units, ctype) };
}

export function lowerTfliteLstmQ(ctx: LowerCtx): string {
  const p = prepareTfliteLstmQ(ctx.graph, ctx.node);
  const H = p.hidden;
  const I = p.input;
  const data = (i: number) => ctx.input(i).data!;
  // gate order f, i, c, o; input slots W 1 + k, R 5 + k, b 9 + k (k in i, f, c, o)
  const bx: number[] = [];
  const bh: number[] = [];
  for (const k of p.slots) {
    const W = data(1 + k);
    const R = data(5 + k);
    const B = data(9 + k);
    for (let j = 0; j < H; j++) {
      let sw = 0;
      for (let m = 0; m < I; m++) sw += W[j * I + m]!;
      let sr = 0;
      for (let m = 0; m < H; m++) sr += R[j * H + m]!;
      bx.push(B[j]! - p.xZp * sw);
      bh.push(-p.hZp * sr);
    }
  }
  const arr = (suffix: string, v: number[]): string => ctx.constArray(suffix, 'int32_t', v.map(i32));
  // weights of the 4 gates (order f, i, c, o), each packed in row pairs (s8-rowpair.ts)
  const packed = (base: number, k: number): string => {
    const all: number[] = [];
    for (const slot of p.slots) {
      const W = data(base + slot);
      all.push(...packRowPairs(H, k, (r, i) => W[r * k + i]!));
    }
    return ctx.constArray(base === 1 ? 'wpk' : 'rpk', 'int8_t', all.map(String));
  };
  const ind = '          ';
  const gate = (ax: string, ar: string, j: string): string =>
    `${ind}gates[g * ${H} + ${j}] = harc_tfl_gate(g, harc_clamp32(harc_mbqm(${ax}, wmul[g], wshf[g]), -32768, 32767) + harc_clamp32(harc_mbqm(${ar}, rmul[g], rshf[g]), -32768, 32767));`;
  return render('kernels/int8/tflite-lstm.c', {
    wp: packed(1, I),
    rp: packed(5, H),
    wGate: H * pad4(I),
    rGate: H * pad4(H),
    k4x: pad4(I),
    k4h: pad4(H),
    oddH: H % 2 === 1,
    lastH: H - 1,
    widenX: widenS8('x', 'xq', I, '      '),
    widenH: widenS8('h', 'hq', H, '      '),
    dotX2: dotRowPair('ax0', 'ax1', 'x', 'xq', 'wj', I, ind),
    dotH2: dotRowPair('ar0', 'ar1', 'h', 'hq', 'rj', H, ind),
    dotX1: dotRow('ax0', 'x', 'xq', 'wj', I, ind),
    dotH1: dotRow('ar0', 'h', 'hq', 'rj', H, ind),
    gate0: gate('ax0', 'ar0', 'j'),
    gate1: gate('ax1', 'ar1', 'j + 1'),
    xqOff: 0,
    steps: p.steps,
    batch: p.batch,
    input: I,
    hidden: H,
    xZp: p.xZp,
    hZp: p.hZp,
    cellLog2: p.cellLog2,
    cellClip: p.cellClip,
    // the weights are read through their packed copies only (ctx.arg would emit the originals too)
    x: ctx.arg(0),
    y: ctx.res(0),
    ...offsets(p),
    ...stateLayout(ctx, p, int8Units(ctx.node, p), 'int16_t', 2),
    hqOff: pad4(I) / 2,
    bx: arr('bx', bx),
    bh: arr('bh', bh),
    wMult: arr('wmult', p.wMult),
    wShift: arr('wshift', p.wShift),
    rMult: arr('rmult', p.rMult),
    rShift: arr('rshift', p.rShift),
    fMult: i32(p.forgetMul.mult),
    fShift: p.forgetMul.shift,
    iMult: i32(p.inputMul.mult),
    iShift: p.inputMul.shift,
    hMult: i32(p.hiddenMul.mult),
    hShift: p.hiddenMul.shift,
    tcM: i32(p.tanhCell.inputMultiplier),
    tcS: p.tanhCell.inputLeftShift,
    h1: H,
    h2: 2 * H,
    h3: 3 * H,
  });
}

export function lowerTfliteLstm(ctx: LowerCtx): string {
  ctx.useMath();
  const d = tfliteLstmDims(ctx.node, ctx.input(0).shape, ctx.input(1).shape);
  const H = d.hidden;
  const clip = attrFloat(ctx.node, 'cell_clip', 0);
  return render('kernels/tflite-lstm.c', {
    steps: d.steps,
    batch: d.batch,
    input: d.input,
    hidden: H,
    cellClip: clip > 0 ? cLiteral('float32', clip) : '',
    ...operands(ctx),
    ...offsets(d),
    ...stateLayout(ctx, d, floatUnits(ctx.node, d), 'float', 4),
    h1: H,
    h2: 2 * H,
    h3: 3 * H,
  });
}
