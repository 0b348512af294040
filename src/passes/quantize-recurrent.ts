import { inputError } from '../ir/errors.ts';
import { CELL_LOG2_ATTR } from '../ir/int8/recurrent.ts';
import { recurrentGeometry } from '../ir/ops/recurrent-common.ts';
import { traitsOf } from '../ir/registry.ts';
import { quantizeBiasPerChannel, quantizeTensorSymmetricPerChannel } from '../ir/quant/index.ts';
import { quantizeClippedPerChannel, weightErrorShift } from './subbyte-ptq.ts';
import type { Graph, Node, QuantParams, Tensor, Value } from '../ir/types.ts';
import type { CalibrationTable } from '../ir/calibration.ts';
import { keepsLastAxis, recurrentReaders } from './fold-affine-recurrent.ts';

// Quantization of LSTM / GRU / RNN nodes (TFLite integer LSTM scheme, docs/quantization.md):
//  - W, R: int8 symmetric, one scale per gate row and direction (D·G·H scales, `axis` 1 over the
//    flattened [D·G·H] rows);
//  - B [D, 2·G·H]: int32, the W half at s_x·s_w[row], the R half at s_h·s_r[row];
//  - Y and Y_h: int8 asymmetric from the calibrated hidden-state range; Y_c: int16 at the cell
//    scale 2^q_cell_log2 (LSTM), the smallest power of two with 2^(q_cell_log2 + 15) ≥ max|c|;
//  - zero initial states are dropped (the kernels start from h = 0, c = 0).

/** Calibration-table key of the observed cell-state range of an LSTM node (max |c| over all steps). */
export const cellKey = (node: Node): string => `${node.name}::cell`;

export interface RecurrentQuantizeHelpers {
  addConst(base: string, t: Omit<Tensor, 'name'>): string;
  activationQuant(min: number, max: number, bits: number): QuantParams;
}

/** A graph input read (through last-axis views) only as the X of recurrent layers with constant W
 * can be quantized per channel: the channel scales fold into W's columns (like a Conv input). */
export function recurrentFoldsInputScales(g: Graph, n: Node, name: string): boolean {
  if (n.inputs[0] !== name || n.inputs.slice(1).includes(name)) return false;
  const readers = traitsOf(n.op)?.recurrent ? [n] : keepsLastAxis(g, n) ? recurrentReaders(g, n.outputs[0]!) : undefined;
  return !!readers && readers.length > 0 && readers.every((r) => !!g.tensors[r.inputs[1]!]?.data);
}

const isZeroConst = (t: Tensor | undefined): boolean => !!t?.data && Array.from(t.data as ArrayLike<number>).every((v) => v === 0);

/** The power-of-two cell scale exponent for a calibrated max |c|. */
export function cellScaleLog2(maxAbs: number): number {
  if (!(maxAbs > 0)) return -15;
  return Math.min(0, Math.max(-20, Math.ceil(Math.log2(maxAbs)) - 15));
}

export function quantizeRecurrentNode(g: Graph, node: Node, table: CalibrationTable, bits: number, wbits: number, h: RecurrentQuantizeHelpers, inputMeans?: ArrayLike<number>): void {
  const where = `node '${node.name}' (${node.op})`;
  if (bits !== 8) throw inputError(`${where}: integer ${node.op} needs 8-bit activations`);
  const ins = node.inputs.map((n) => (n ? g.tensors[n] : undefined));
  const geo = recurrentGeometry(node, ins);
  if (geo.clip !== undefined) throw inputError(`${where}: int8 quantization of a clipped ${node.op} is not supported`);
  if (geo.peepholes) throw inputError(`${where}: int8 quantization of LSTM peepholes is not supported`);
  const x = ins[0]!;
  if (!x.quant) throw inputError(`${where}: input '${x.name}' is not quantized`);
  // a per-channel input (a graph input): its channel scales multiply W's columns, the layer sees
  // integers of scale 1 with a zero point per channel
  const xScales = x.quant.scale;
  if (xScales.length > 1 && (xScales.length !== geo.input || x.quant.axis !== x.shape.length - 1))
    throw inputError(`${where}: input '${x.name}' has ${xScales.length} scales for ${geo.input} features`);
  for (const i of [5, 6]) {
    if (!node.inputs[i]) continue;
    if (!isZeroConst(ins[i])) throw inputError(`${where}: int8 ${node.op} supports zero initial states only ('${node.inputs[i]}')`);
    node.inputs[i] = '';
  }
  while (node.inputs.length > 0 && node.inputs[node.inputs.length - 1] === '') node.inputs.pop();
  const [yName, yhName, ycName] = node.outputs;
  const hr = (yName && table[yName]) || table[`${node.name}::h`] || (yhName && table[yhName]);
  if (!hr) throw inputError(`${where}: no calibration range for the hidden state`);
  const hq = h.activationQuant(hr.min, hr.max, bits);
  const sx = xScales.length > 1 ? 1 : xScales[0]!;
  const sh = hq.scale[0]!;
  const { dirs: D, gates: G, hidden: H, input: I } = geo;
  const rows = D * G * H;
  // sub-byte W: the mean shift Σ_k (ŵ − w)·E[x_k] of each gate row, removed from its input bias
  let wShift: Float64Array | undefined;
  const quantW = (idx: number, k: number): Float32Array => {
    const t = ins[idx]!;
    if (!t.data) throw inputError(`${where}: ${idx === 1 ? 'W' : 'R'} must be a constant to quantize`);
    const wf = Float32Array.from(t.data as ArrayLike<number>);
    if (idx === 1 && xScales.length > 1) for (let i = 0; i < wf.length; i++) wf[i] = Math.fround(wf[i]! * xScales[i % k]!);
    // 4 and 2 bits: the kept grid or the MSE-optimal clip per row (subbyte-ptq.ts); no bias correction here
    const qw = wbits < 8 ? quantizeClippedPerChannel(wf, [rows, k], 0, wbits) : quantizeTensorSymmetricPerChannel(wf, [rows, k], 0, wbits);
    if (idx === 1 && wbits < 8 && inputMeans) {
      const m = xScales.length > 1 ? Array.from(inputMeans, (v, c) => v / xScales[c]!) : inputMeans;
      wShift = weightErrorShift(wf, qw, [rows, k], (i) => i % k, m);
    }
    node.inputs[idx] = h.addConst(`${t.name}__q`, {
      shape: t.shape,
      dtype: 'int8',
      quant: { bits: wbits, signed: true, scale: Array.from(qw.scales), zeroPoint: new Array(rows).fill(0), axis: 1 },
      data: Int8Array.from(qw.values),
    });
    return qw.scales;
  };
  const ws = quantW(1, I);
  const rs = quantW(2, H);
  if (node.inputs[3]) {
    const b = ins[3]!;
    if (!b.data) throw inputError(`${where}: B must be a constant to quantize`);
    const bd = b.data as ArrayLike<number>;
    const values = new Int32Array(D * 2 * G * H);
    const scales: number[] = [];
    for (let d = 0; d < D; d++)
      for (const [half, sIn, sw] of [
        [0, sx, ws],
        [1, sh, rs],
      ] as const) {
        const off = d * 2 * G * H + half * G * H;
        const shift = (j: number): number => (half === 0 && wShift ? wShift[d * G * H + j]! : 0);
        const qb = quantizeBiasPerChannel(Float32Array.from({ length: G * H }, (_, j) => bd[off + j]! - shift(j)), sIn, sw.subarray(d * G * H, (d + 1) * G * H));
        values.set(qb.values, off);
        scales.push(...Array.from(qb.scales));
      }
    node.inputs[3] = h.addConst(`${b.name}__q`, { shape: b.shape, dtype: 'int32', quant: { bits: 32, signed: true, scale: scales, zeroPoint: new Array(scales.length).fill(0), axis: 1 }, data: values });
  }
  if (geo.kind === 'LSTM') {
    const c = table[cellKey(node)];
    if (!c) throw inputError(`${where}: no calibrated cell-state range`);
    node.attrs = { ...node.attrs, [CELL_LOG2_ATTR]: cellScaleLog2(Math.max(Math.abs(c.min), Math.abs(c.max))) };
  }
  for (const o of [yName, yhName]) if (o) g.tensors[o] = { ...g.tensors[o]!, dtype: 'int8', quant: { ...hq } };
  if (geo.kind === 'LSTM' && ycName) {
    const cl = node.attrs[CELL_LOG2_ATTR] as number;
    g.tensors[ycName] = { ...g.tensors[ycName]!, dtype: 'int16', quant: { bits: 16, signed: true, scale: [2 ** cl], zeroPoint: [0] } };
  }
}

// ------------------------------------------------------------------ calibration

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Calibration hook for recurrent nodes: records what the tensors do not show, the LSTM cell
 * state over every time step (max |c|, under cellKey). It replays the LSTM's float equations on
 * the node's input as the float interpreter produces it. */
export function recurrentObserver(graph: Graph): { onValue(name: string, v: Value): void; finish(table: CalibrationTable): void } | undefined {
  const lstms = graph.nodes.filter((n) => n.op === 'LSTM');
  if (lstms.length === 0) return undefined;
  const xs = new Set(lstms.map((n) => n.inputs[0]!));
  const seen = new Map<string, Value>();
  const cmax = new Map<string, number>();
  const at = (name: string | undefined): ArrayLike<number> | undefined => (name ? (graph.tensors[name]?.data ?? seen.get(name)?.data) : undefined);
  return {
    onValue(name, v) {
      if (xs.has(name)) seen.set(name, v);
      for (const node of lstms) {
        if (name !== node.outputs.find(Boolean)) continue;
        const geo = recurrentGeometry(node, node.inputs.map((n) => (n ? graph.tensors[n] : undefined)));
        const { seq, batch, input: I, hidden: H, dirs, strides: s } = geo;
        const [X, W, R, B, , h0, c0] = node.inputs.map((n) => at(n));
        if (!X || !W || !R) continue;
        let m = cmax.get(node.name) ?? 0;
        const G = 4;
        for (let d = 0; d < dirs; d++) {
          const reverse = geo.direction === 'reverse' || (geo.direction === 'bidirectional' && d === 1);
          for (let n = 0; n < batch; n++) {
            const so = d * s.sd + n * s.sn;
            const hh = Float64Array.from({ length: H }, (_, j) => (h0 ? h0[so + j]! : 0));
            const cc = Float64Array.from({ length: H }, (_, j) => (c0 ? c0[so + j]! : 0));
            const pre = new Float64Array(G * H);
            for (let step = 0; step < seq; step++) {
              const t = reverse ? seq - 1 - step : step;
              const xo = t * s.xt + n * s.xn;
              for (let j = 0; j < G * H; j++) {
                let a = B ? B[d * 2 * G * H + j]! + B[d * 2 * G * H + G * H + j]! : 0;
                for (let k = 0; k < I; k++) a += W[d * G * H * I + j * I + k]! * X[xo + k]!;
                for (let k = 0; k < H; k++) a += R[d * G * H * H + j * H + k]! * hh[k]!;
                pre[j] = a;
              }
              for (let j = 0; j < H; j++) {
                const c = sigmoid(pre[2 * H + j]!) * cc[j]! + sigmoid(pre[j]!) * Math.tanh(pre[3 * H + j]!);
                cc[j] = c;
                hh[j] = sigmoid(pre[H + j]!) * Math.tanh(c);
                if (Math.abs(c) > m) m = Math.abs(c);
              }
            }
          }
        }
        cmax.set(node.name, m);
      }
    },
    finish(table) {
      for (const [name, m] of cmax) table[`${name}::cell`] = { min: -m, max: m };
    },
  };
}
