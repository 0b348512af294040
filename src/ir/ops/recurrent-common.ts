import { inputError } from '../errors.ts';
import { attrFloat, attrInt, attrString, hasAttr, registerOp, unsupported } from '../registry.ts';
import type { AttrValue, Node, Tensor, Value } from '../types.ts';

// ONNX LSTM / GRU / RNN (opset 7–14 semantics, incl. the opset-14 `layout` attribute): shared
// geometry, attribute checks, the float reference implementation and MAC counts.
//
// Inputs:  0 X, 1 W, 2 R, 3 B, 4 sequence_lens, 5 initial_h, (LSTM) 6 initial_c, 7 P.
// Outputs: 0 Y, 1 Y_h, (LSTM) 2 Y_c. Any optional input/output may be '' (omitted).
// Gate order in W/R/B: LSTM i,o,f,c; GRU z,r,h; RNN i. P (LSTM peepholes): i,o,f.

export type RecurrentKind = 'LSTM' | 'GRU' | 'RNN';

export const GATE_COUNT: Record<RecurrentKind, number> = { LSTM: 4, GRU: 3, RNN: 1 };

/** The only activations harc implements: the ONNX defaults (per direction). */
const DEFAULT_ACTIVATIONS: Record<RecurrentKind, string[]> = {
  LSTM: ['sigmoid', 'tanh', 'tanh'],
  GRU: ['sigmoid', 'tanh'],
  RNN: ['tanh'],
};

export const RECURRENT_ATTRS: Record<string, AttrValue | undefined> = {
  activation_alpha: undefined,
  activation_beta: undefined,
  activations: undefined,
  clip: undefined,
  direction: 'forward',
  hidden_size: undefined,
  layout: 0,
};

export interface RecurrentGeometry {
  kind: RecurrentKind;
  /** Time steps T, batch N, input size I, hidden size H, directions D. */
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  dirs: number;
  direction: 'forward' | 'reverse' | 'bidirectional';
  /** 0: X [T,N,I], Y [T,D,N,H], states [D,N,H]. 1 (batchwise): X [N,T,I], Y [N,T,D,H], states [N,D,H]. */
  layout: 0 | 1;
  gates: number;
  /** Clip threshold applied to the gate pre-activations, or undefined. */
  clip: number | undefined;
  /** GRU only. */
  linearBeforeReset: boolean;
  /** LSTM only: a P input is given. */
  peepholes: boolean;
  /** Flat-index strides (elements): X[t][n][i], Y[t][d][n][h], state[d][n][h]. */
  strides: { xt: number; xn: number; yt: number; yd: number; yn: number; sd: number; sn: number };
}

type Shaped = { shape: number[]; data?: ArrayLike<number> } | undefined;

const shapeStr = (s: number[]): string => `[${s.join(',')}]`;

function expectShape(node: Node, what: string, t: Shaped, shape: number[]): void {
  if (!t) return;
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw inputError(`node '${node.name}' (${node.op}): ${what} has shape ${shapeStr(t.shape)}, expected ${shapeStr(shape)}`);
}

/** Validates the node (attributes and input shapes) and returns its geometry. Unsupported
 * features (non-default activations, input_forget, ragged sequence_lens) throw clear errors. */
export function recurrentGeometry(node: Node, inputs: Shaped[]): RecurrentGeometry {
  const kind = node.op as RecurrentKind;
  if (!(kind in GATE_COUNT)) throw inputError(`node '${node.name}': ${node.op} is not a recurrent op`);
  const [x, w, r, b, seqLens, h0, c0, p] = inputs;
  if (!x || !w || !r) throw inputError(`node '${node.name}' (${kind}): X, W and R are required`);
  const direction = attrString(node, 'direction');
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional')
    throw inputError(`node '${node.name}' (${kind}): direction '${direction}' must be forward, reverse or bidirectional`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const layout = attrInt(node, 'layout');
  if (layout !== 0 && layout !== 1) throw inputError(`node '${node.name}' (${kind}): layout ${layout} must be 0 or 1`);
  if (x.shape.length !== 3) throw inputError(`node '${node.name}' (${kind}): X must be 3-D, got ${shapeStr(x.shape)}`);
  const [seq, batch, input] = layout === 0 ? [x.shape[0]!, x.shape[1]!, x.shape[2]!] : [x.shape[1]!, x.shape[0]!, x.shape[2]!];
  const gates = GATE_COUNT[kind];
  if (w.shape.length !== 3 || r.shape.length !== 3)
    throw inputError(`node '${node.name}' (${kind}): W ${shapeStr(w.shape)} and R ${shapeStr(r.shape)} must be 3-D`);
  const hidden = hasAttr(node, 'hidden_size') ? attrInt(node, 'hidden_size') : r.shape[2]!;
  if (!(hidden > 0)) throw inputError(`node '${node.name}' (${kind}): hidden_size ${hidden} must be positive`);
  expectShape(node, 'W', w, [dirs, gates * hidden, input]);
  expectShape(node, 'R', r, [dirs, gates * hidden, hidden]);
  expectShape(node, 'B', b, [dirs, 2 * gates * hidden]);
  const stateShape = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  expectShape(node, 'initial_h', h0, stateShape);

  // activations: only the defaults (given once, or once per direction), compared case-insensitively
  if (hasAttr(node, 'activations')) {
    const acts = (node.attrs['activations'] as string[]).map((a) => String(a).toLowerCase());
    const def = DEFAULT_ACTIVATIONS[kind];
    const ok = (acts.length === def.length || acts.length === def.length * dirs) && acts.every((a, i) => a === def[i % def.length]);
    if (!ok)
      throw inputError(
        `node '${node.name}' (${kind}): activations [${(node.attrs['activations'] as string[]).join(', ')}] are not supported; harc implements only the default ${kind} activations (${kind === 'LSTM' ? 'Sigmoid, Tanh, Tanh' : kind === 'GRU' ? 'Sigmoid, Tanh' : 'Tanh'})`,
      );
  }
  let clip: number | undefined;
  if (hasAttr(node, 'clip')) {
    clip = attrFloat(node, 'clip');
    if (!(clip > 0)) throw inputError(`node '${node.name}' (${kind}): clip ${clip} must be positive`);
  }
  let linearBeforeReset = false;
  let peepholes = false;
  if (kind === 'GRU') {
    const lbr = attrInt(node, 'linear_before_reset');
    if (lbr !== 0 && lbr !== 1) throw inputError(`node '${node.name}' (GRU): linear_before_reset ${lbr} must be 0 or 1`);
    linearBeforeReset = lbr === 1;
  }
  if (kind === 'LSTM') {
    if (attrInt(node, 'input_forget') !== 0) throw unsupported(node, 'input_forget=1 (coupled input and forget gates)');
    expectShape(node, 'initial_c', c0, stateShape);
    expectShape(node, 'P', p, [dirs, 3 * hidden]);
    peepholes = !!p;
  } else if (inputs.length > 6 && (inputs[6] || inputs[7])) throw inputError(`node '${node.name}' (${kind}): too many inputs`);

  // sequence_lens: only the trivial case, every sequence running the full length
  if (seqLens) {
    expectShape(node, 'sequence_lens', seqLens, [batch]);
    if (!seqLens.data) throw unsupported(node, 'sequence_lens computed at run time (it must be a constant equal to the sequence length)');
    const lens = Array.from(seqLens.data);
    if (lens.some((l) => l !== seq)) throw unsupported(node, `sequence_lens [${lens.join(',')}] shorter than the sequence length ${seq} (variable-length sequences)`);
  }

  const strides =
    layout === 0
      ? { xt: batch * input, xn: input, yt: dirs * batch * hidden, yd: batch * hidden, yn: hidden, sd: batch * hidden, sn: hidden }
      : { xt: input, xn: seq * input, yt: dirs * hidden, yd: hidden, yn: seq * dirs * hidden, sd: hidden, sn: dirs * hidden };
  return { kind, seq, batch, input, hidden, dirs, direction, layout: layout as 0 | 1, gates, clip, linearBeforeReset, peepholes, strides };
}

export function recurrentOutputShapes(g: RecurrentGeometry): number[][] {
  const { seq, batch, dirs, hidden } = g;
  const y = g.layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state = g.layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return g.kind === 'LSTM' ? [y, state, state] : [y, state];
}

/** Multiply-accumulates of one time step (all directions and batch rows): the W·x and R·h
 * matrix-vector products, plus the LSTM peephole products. Activations are not counted. */
export function recurrentStepMacs(node: Node, inputs: (Tensor | Value | undefined)[]): number {
  const g = recurrentGeometry(node, inputs);
  const perRow = g.gates * g.hidden * (g.input + g.hidden) + (g.peepholes ? 3 * g.hidden : 0);
  return g.dirs * g.batch * perRow;
}

/** MACs of the whole layer (every time step), for `harc inspect`. */
export const recurrentMacs = (node: Node, inputs: (Tensor | Value | undefined)[]): number =>
  recurrentStepMacs(node, inputs) * recurrentGeometry(node, inputs).seq;

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The float reference: ONNX's equations, direction by direction, step by step. */
export function evaluateRecurrent(node: Node, values: (Value | undefined)[]): Value[] {
  const g = recurrentGeometry(node, values);
  const { seq, batch, input: I, hidden: H, dirs, gates: G, strides: s } = g;
  const [X, W, R, B] = [values[0]!.data, values[1]!.data, values[2]!.data, values[3]?.data];
  const h0 = values[5]?.data;
  const c0 = g.kind === 'LSTM' ? values[6]?.data : undefined;
  const P = g.kind === 'LSTM' ? values[7]?.data : undefined;
  const shapes = recurrentOutputShapes(g);
  const Y = new Float32Array(seq * dirs * batch * H);
  const Yh = new Float32Array(dirs * batch * H);
  const Yc = new Float32Array(dirs * batch * H);
  const clip = (v: number): number => (g.clip === undefined ? v : Math.min(Math.max(v, -g.clip), g.clip));
  for (let d = 0; d < dirs; d++) {
    const reverse = g.direction === 'reverse' || (g.direction === 'bidirectional' && d === 1);
    const wOff = d * G * H * I;
    const rOff = d * G * H * H;
    const bOff = d * 2 * G * H;
    for (let n = 0; n < batch; n++) {
      const so = d * s.sd + n * s.sn;
      // states are kept in float32, as every float32 runtime (and the generated C) keeps them
      const h = new Float32Array(H);
      const c = new Float32Array(H);
      for (let j = 0; j < H; j++) {
        h[j] = h0 ? h0[so + j]! : 0;
        c[j] = c0 ? c0[so + j]! : 0;
      }
      for (let step = 0; step < seq; step++) {
        const t = reverse ? seq - 1 - step : step;
        const xo = t * s.xt + n * s.xn;
        // wx[j] = Wb[j] + W[j]·x, rh[j] = Rb[j] + R[j]·h for every gate row j
        const wx = new Float64Array(G * H);
        const rh = new Float64Array(G * H);
        for (let j = 0; j < G * H; j++) {
          let a = B ? B[bOff + j]! : 0;
          for (let k = 0; k < I; k++) a += W[wOff + j * I + k]! * X[xo + k]!;
          wx[j] = a;
          let q = B ? B[bOff + G * H + j]! : 0;
          for (let k = 0; k < H; k++) q += R[rOff + j * H + k]! * h[k]!;
          rh[j] = q;
        }
        const hNew = new Float64Array(H);
        if (g.kind === 'LSTM') {
          const pOff = d * 3 * H;
          for (let j = 0; j < H; j++) {
            const pre = (gate: number): number => wx[gate * H + j]! + rh[gate * H + j]!;
            const it = sigmoid(clip(pre(0) + (P ? P[pOff + j]! * c[j]! : 0)));
            const ft = sigmoid(clip(pre(2) + (P ? P[pOff + 2 * H + j]! * c[j]! : 0)));
            const ct = Math.tanh(clip(pre(3)));
            const cNew = ft * c[j]! + it * ct;
            const ot = sigmoid(clip(pre(1) + (P ? P[pOff + H + j]! * cNew : 0)));
            c[j] = cNew;
            hNew[j] = ot * Math.tanh(cNew);
          }
        } else if (g.kind === 'GRU') {
          const z = new Float64Array(H);
          const r = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            z[j] = sigmoid(clip(wx[j]! + rh[j]!));
            r[j] = sigmoid(clip(wx[H + j]! + rh[H + j]!));
          }
          for (let j = 0; j < H; j++) {
            let pre: number;
            if (g.linearBeforeReset) pre = wx[2 * H + j]! + r[j]! * rh[2 * H + j]!;
            else {
              // (r ⊙ h)·Rhᵀ + Rbh
              let q = B ? B[bOff + G * H + 2 * H + j]! : 0;
              for (let k = 0; k < H; k++) q += R[rOff + (2 * H + j) * H + k]! * r[k]! * h[k]!;
              pre = wx[2 * H + j]! + q;
            }
            const nt = Math.tanh(clip(pre));
            hNew[j] = (1 - z[j]!) * nt + z[j]! * h[j]!;
          }
        } else {
          for (let j = 0; j < H; j++) hNew[j] = Math.tanh(clip(wx[j]! + rh[j]!));
        }
        h.set(hNew);
        for (let j = 0; j < H; j++) Y[t * s.yt + d * s.yd + n * s.yn + j] = h[j]!;
      }
      for (let j = 0; j < H; j++) {
        Yh[so + j] = h[j]!;
        Yc[so + j] = c[j]!;
      }
    }
  }
  const out: Value[] = [
    { shape: shapes[0]!, dtype: 'float32', data: Y },
    { shape: shapes[1]!, dtype: 'float32', data: Yh },
  ];
  if (g.kind === 'LSTM') out.push({ shape: shapes[2]!, dtype: 'float32', data: Yc });
  return out;
}

/** Registers one of the three recurrent ops. */
export function registerRecurrentOp(kind: RecurrentKind, extraAttrs: Record<string, AttrValue | undefined>): void {
  registerOp({
    op: kind,
    attrs: { ...RECURRENT_ATTRS, ...extraAttrs },
    arity: kind === 'LSTM' ? [3, 8] : [3, 6],
    traits: { recurrent: true, quant: { kind: 'recurrent' }, int8: 'kernel' },
    infer(node, inputs) {
      const g = recurrentGeometry(node, inputs);
      // integer form (src/passes/quantize-recurrent.ts): int8 X / W / R, int32 B; Y and Y_h int8, Y_c int16
      const q = inputs[0]?.dtype === 'int8';
      const want = (i: number): string => (!q ? 'float32' : i === 3 ? 'int32' : 'int8');
      const bad = inputs.find((t, i) => t && i !== 4 && t.dtype !== want(i));
      if (bad) throw unsupported(node, `a ${bad.dtype} input ('${bad.name}'); float32 only`);
      return recurrentOutputShapes(g).map((shape, i) => ({ shape, dtype: !q ? ('float32' as const) : i === 2 ? ('int16' as const) : ('int8' as const) }));
    },
    evaluate: evaluateRecurrent,
    macs: (node, inputs) => recurrentMacs(node, inputs),
  });
}
