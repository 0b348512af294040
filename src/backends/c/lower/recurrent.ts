import { recurrentGeometry, type RecurrentGeometry } from '../../../ir/ops/recurrent-common.ts';
import { cFloat } from '../c-literals.ts';
import { render } from '../templates.ts';
import type { Graph, Node } from '../../../ir/types.ts';
import { requireFloat, type LowerCtx } from './context.ts';

// LSTM / GRU / RNN: one C function per node. A bidirectional layer is one function that runs the
// forward and then the backward direction, each writing its half of Y directly. Scratch is one
// time step of gate values for one batch row, planned in the arena (live only during the layer).
// The hidden (and cell) state lives in the Y_h (Y_c) output buffer when that output is wanted,
// otherwise in the same scratch. Sigmoid is 1/(1+expf(-x)), tanh is tanhf.

/** Input i's C expression, or '' when omitted or a compile-time all-zero constant (PyTorch's
 * zero initial states, which need neither flash nor a copy). */
function optionalArg(ctx: LowerCtx, i: number): string {
  const name = ctx.node.inputs[i];
  if (!name) return '';
  const t = ctx.input(i);
  if (t.data && Array.from(t.data as ArrayLike<number>).every((v) => v === 0)) return '';
  return ctx.arg(i);
}

/** The template context the LSTM / GRU / RNN kernels share, float and int8: geometry, operands,
 * where the hidden state lives, per-direction sizes and strides, the time index of step s. */
export function recurrentContext(ctx: LowerCtx, g: RecurrentGeometry): Record<string, unknown> {
  const { seq, batch, input, hidden: H, dirs, gates: G, strides: s } = g;
  const yh = ctx.res(1);
  return {
    direction: g.direction,
    layoutText: g.layout === 0 ? 'time-major' : 'batch-major (layout 1)',
    seq, batch, input, hidden: H, dirs,
    x: ctx.arg(0),
    w: ctx.arg(1),
    r: ctx.arg(2),
    b: ctx.node.inputs[3] ? ctx.arg(3) : '',
    y: ctx.res(0),
    hStatic: !yh,
    hs: yh || 'h_state',
    stateSize: dirs * batch * H,
    wDir: G * H * input,
    rDir: G * H * H,
    bDir: 2 * G * H,
    gh: G * H,
    h1: H, h2: 2 * H, h3: 3 * H,
    tExpr: g.direction === 'forward' ? 's' : g.direction === 'reverse' ? `${seq - 1} - s` : `d == 0 ? s : ${seq - 1} - s`,
    ...s,
  };
}

function common(ctx: LowerCtx, g: RecurrentGeometry): Record<string, unknown> {
  return { ...recurrentContext(ctx, g), kind: g.kind, h0: optionalArg(ctx, 5), clip: g.clip === undefined ? '' : cFloat(g.clip) };
}

function geometryOf(ctx: LowerCtx): RecurrentGeometry {
  requireFloat(ctx);
  ctx.useMath();
  return recurrentGeometry(ctx.node, ctx.node.inputs.map((n, i) => (n ? ctx.input(i) : undefined)));
}

/** One float scratch block: the gate floats, then each state that has no output buffer. */
function scratchLayout(ctx: LowerCtx, gateFloats: number, states: boolean[], stateSize: number): { scratch: string; scratchBytes: number; offsets: number[] } {
  const offsets: number[] = [];
  let floats = gateFloats;
  for (const needed of states) {
    offsets.push(floats);
    if (needed) floats += stateSize;
  }
  return { scratch: ctx.scratch(4 * floats, 'float'), scratchBytes: 4 * floats, offsets };
}

/** Scratch bytes of the float LSTM / GRU / RNN lowering of `node` (scratchLayout's total): the
 * gate floats of one step, then the hidden (and LSTM cell) state when no output holds it. */
export function recurrentScratchBytes(graph: Graph, node: Node): number {
  const g = recurrentGeometry(node, node.inputs.map((n) => (n ? graph.tensors[n] : undefined)));
  const stateSize = g.dirs * g.batch * g.hidden;
  const gateFloats = g.kind === 'LSTM' ? g.gates * g.hidden : g.kind === 'GRU' ? (g.linearBeforeReset ? 3 : 4) * g.hidden : g.hidden;
  const states = [!node.outputs[1], ...(g.kind === 'LSTM' ? [!node.outputs[2]] : [])];
  return 4 * (gateFloats + states.filter(Boolean).length * stateSize);
}

export function lowerLstm(ctx: LowerCtx): string {
  const g = geometryOf(ctx);
  const base = common(ctx, g);
  const yc = ctx.res(2);
  const p = optionalArg(ctx, 7);
  const sc = scratchLayout(ctx, g.gates * g.hidden, [base['hStatic'] as boolean, !yc], base['stateSize'] as number);
  return render('kernels/lstm.c', {
    ...base,
    c0: optionalArg(ctx, 6),
    cStatic: !yc,
    cs: yc || 'c_state',
    p,
    pDir: 3 * g.hidden,
    scratch: sc.scratch,
    scratchBytes: sc.scratchBytes,
    hOff: sc.offsets[0],
    cOff: sc.offsets[1],
  });
}

export function lowerGru(ctx: LowerCtx): string {
  const g = geometryOf(ctx);
  const base = common(ctx, g);
  const gateFloats = (g.linearBeforeReset ? 3 : 4) * g.hidden;
  const sc = scratchLayout(ctx, gateFloats, [base['hStatic'] as boolean], base['stateSize'] as number);
  return render('kernels/gru.c', { ...base, lbr: g.linearBeforeReset, scratch: sc.scratch, scratchBytes: sc.scratchBytes, hOff: sc.offsets[0] });
}

export function lowerRnn(ctx: LowerCtx): string {
  const g = geometryOf(ctx);
  const base = common(ctx, g);
  const sc = scratchLayout(ctx, g.hidden, [base['hStatic'] as boolean], base['stateSize'] as number);
  return render('kernels/rnn.c', { ...base, scratch: sc.scratch, scratchBytes: sc.scratchBytes, hOff: sc.offsets[0] });
}
