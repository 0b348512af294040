// @module-tag c
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/ir/ops/index.ts';
import { compileGraph } from '../../src/backends/compile.ts';
import { importOnnx } from '../../src/frontends/onnx.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { recurrentStepMacs } from '../../src/ir/ops/recurrent-common.ts';
import { opOf } from '../../src/ir/registry.ts';
import type { Graph, Node, Tensor, Value } from '../../src/ir/types.ts';
import { runC } from './c-run.ts';
import { buildSingleOpModel, excess, randomFloats, type SpecTensor } from './helpers.ts';

// Features the ONNX node tests do not cover (reverse and bidirectional directions, initial states
// as run-time inputs, clip, GRU linear_before_reset 0 bidirectional, RNN bidirectional, batch > 1,
// weights as run-time inputs), checked against onnxruntime; batchwise layout with two directions
// checked against the time-major result; unsupported features; MAC counts.

const ABS = 1e-5;
const REL = 1e-5;
type Kind = 'LSTM' | 'GRU' | 'RNN';
const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, RNN: 1 };

interface Case {
  name: string;
  op: Kind;
  attrs: Record<string, number>;
  T: number;
  N: number;
  I: number;
  H: number;
  dir: 'forward' | 'reverse' | 'bidirectional';
  bias?: boolean;
  /** 'in': a run-time graph input; 'const': an initializer. */
  h0?: 'in' | 'const';
  c0?: 'in' | 'const';
  peepholes?: boolean;
  /** W and R as run-time graph inputs. */
  weightsIn?: boolean;
}

const CASES: Case[] = [
  { name: 'lstm_reverse_batch2', op: 'LSTM', attrs: {}, T: 5, N: 2, I: 3, H: 4, dir: 'reverse', bias: true },
  { name: 'lstm_bidirectional_runtime_states', op: 'LSTM', attrs: {}, T: 6, N: 2, I: 3, H: 5, dir: 'bidirectional', bias: true, h0: 'in', c0: 'in' },
  { name: 'lstm_bidirectional_peepholes_clip', op: 'LSTM', attrs: { clip: 0.4 }, T: 4, N: 1, I: 3, H: 4, dir: 'bidirectional', bias: true, h0: 'const', c0: 'const', peepholes: true },
  { name: 'lstm_clip', op: 'LSTM', attrs: { clip: 0.3 }, T: 6, N: 1, I: 3, H: 4, dir: 'forward', bias: true },
  { name: 'gru_bidirectional_lbr0', op: 'GRU', attrs: {}, T: 5, N: 2, I: 3, H: 4, dir: 'bidirectional', bias: true, h0: 'in' },
  { name: 'gru_reverse_lbr1_clip', op: 'GRU', attrs: { linear_before_reset: 1, clip: 0.5 }, T: 5, N: 2, I: 3, H: 4, dir: 'reverse', bias: true },
  { name: 'gru_lbr1_no_bias_runtime_weights', op: 'GRU', attrs: { linear_before_reset: 1 }, T: 3, N: 1, I: 2, H: 3, dir: 'forward', weightsIn: true },
  { name: 'rnn_bidirectional_clip', op: 'RNN', attrs: { clip: 0.6 }, T: 5, N: 2, I: 3, H: 4, dir: 'bidirectional', bias: true, h0: 'const' },
];

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

function caseModel(c: Case, attrs = c.attrs): { bytes: Uint8Array; runtime: SpecTensor[]; outputs: string[] } {
  const G = GATES[c.op];
  const D = c.dir === 'bidirectional' ? 2 : 1;
  let seed = 7;
  const t = (name: string, shape: number[], runtime = false): SpecTensor => ({ name, shape, data: runtime ? undefined : randomFloats(size(shape), seed++) });
  const inputs: (SpecTensor | undefined)[] = [
    t('X', [c.T, c.N, c.I], true),
    t('W', [D, G * c.H, c.I], c.weightsIn),
    t('R', [D, G * c.H, c.H], c.weightsIn),
    c.bias ? t('B', [D, 2 * G * c.H]) : undefined,
    undefined,
    c.h0 ? t('initial_h', [D, c.N, c.H], c.h0 === 'in') : undefined,
  ];
  if (c.op === 'LSTM') inputs.push(c.c0 ? t('initial_c', [D, c.N, c.H], c.c0 === 'in') : undefined, c.peepholes ? t('P', [D, 3 * c.H]) : undefined);
  while (inputs.length > 0 && !inputs[inputs.length - 1]) inputs.pop();
  const outs = [
    { name: 'Y', shape: [c.T, D, c.N, c.H] },
    { name: 'Y_h', shape: [D, c.N, c.H] },
    ...(c.op === 'LSTM' ? [{ name: 'Y_c', shape: [D, c.N, c.H] }] : []),
  ];
  const bytes = buildSingleOpModel(c.op, { ...attrs, hidden_size: c.H, direction: c.dir }, inputs, outs);
  const runtime = inputs.filter((x): x is SpecTensor => !!x && !x.data).map((x, i) => ({ ...x, data: randomFloats(size(x.shape), 100 + i) }));
  return { bytes, runtime, outputs: outs.map((o) => o.name) };
}

const values = (runtime: SpecTensor[]): Record<string, Value> =>
  Object.fromEntries(runtime.map((x) => [x.name, { shape: x.shape, dtype: 'float32' as const, data: x.data as Float32Array }]));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'harc-recurrent-sem-'));
  mkdirSync(path.join(work, 'models'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('recurrent ops vs onnxruntime (single-op models)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { bytes, runtime, outputs } = caseModel(c);
      const file = path.join(work, 'models', `${c.name}.onnx`);
      writeFileSync(file, bytes);
      const session = await ort.InferenceSession.create(file);
      const ref = await session.run(Object.fromEntries(runtime.map((x) => [x.name, new ort.Tensor('float32', x.data as Float32Array, x.shape)])));
      const g = inferShapes(importOnnx(file));
      const ts = interpret(g, values(runtime));
      const cr = await runC(importOnnx(file), g.inputs.map((n) => runtime.find((x) => x.name === n)!.data as Float32Array), path.join(work, c.name));
      outputs.forEach((o, i) => {
        const want = ref[o]!.data as Float32Array;
        expect(excess(ts[o]!.data, want, ABS, REL), `TS ${o}`).toBeLessThanOrEqual(0);
        expect(excess(cr.outputs[i]!, want, ABS, REL), `C ${o}`).toBeLessThanOrEqual(0);
      });
      if (c.attrs['clip'] !== undefined) {
        // the clip must matter in these cases, or the check above proves nothing about it
        const unclipped = caseModel(c, { ...c.attrs, clip: 1e30 });
        const file2 = path.join(work, 'models', `${c.name}_noclip.onnx`);
        writeFileSync(file2, unclipped.bytes);
        const y2 = interpret(inferShapes(importOnnx(file2)), values(runtime))['Y']!.data;
        expect(excess(y2, ts['Y']!.data, 1e-3, 0)).toBeGreaterThan(0);
      }
    });
  }
});

/** A one-node IR graph; constants for every tensor with data. */
function irGraph(op: Kind, attrs: Node['attrs'], tensors: (Tensor | undefined)[], outputs: string[]): Graph {
  const g: Graph = { name: 'g', inputs: [], outputs: outputs.filter(Boolean), tensors: {}, nodes: [] };
  for (const t of tensors) {
    if (!t) continue;
    g.tensors[t.name] = t;
    if (!t.data) g.inputs.push(t.name);
  }
  g.nodes.push({ name: `${op}_0`, op, inputs: tensors.map((t) => t?.name ?? ''), outputs, attrs });
  return g;
}

const f32 = (name: string, shape: number[], seed?: number): Tensor => ({ name, shape, dtype: 'float32', ...(seed === undefined ? {} : { data: randomFloats(size(shape), seed) }) });

/** [T, D, N, H] → [N, T, D, H] */
function toBatchwise(y: ArrayLike<number>, T: number, D: number, N: number, H: number): Float32Array {
  const out = new Float32Array(T * D * N * H);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) out[((n * T + t) * D + d) * H + h] = y[((t * D + d) * N + n) * H + h]!;
  return out;
}

describe('batchwise layout (layout=1), bidirectional', () => {
  for (const op of ['LSTM', 'GRU', 'RNN'] as const) {
    it(`${op}: layout 1 equals the transposed layout-0 result, in TS and in host C`, async () => {
      const [T, N, I, H, D, G] = [4, 3, 2, 3, 2, GATES[op]];
      const x0 = randomFloats(T * N * I, 5);
      const x1 = new Float32Array(T * N * I);
      for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) for (let i = 0; i < I; i++) x1[(n * T + t) * I + i] = x0[(t * N + n) * I + i]!;
      const h0 = randomFloats(D * N * H, 9);
      const h0b = toBatchwise(h0, 1, D, N, H); // [D,N,H] → [N,D,H]
      const weights = [f32('W', [D, G * H, I], 1), f32('R', [D, G * H, H], 2), f32('B', [D, 2 * G * H], 3), undefined];
      const outs = op === 'LSTM' ? ['Y', 'Y_h', ''] : ['Y', 'Y_h'];
      const extra = op === 'LSTM' ? [undefined] : [];
      const attrs = { hidden_size: H, direction: 'bidirectional', ...(op === 'GRU' ? { linear_before_reset: 1 } : {}) };
      const g0 = irGraph(op, attrs, [f32('X', [T, N, I]), ...weights, { ...f32('initial_h', [D, N, H]), data: h0 }, ...extra], outs);
      const g1 = irGraph(op, { ...attrs, layout: 1 }, [f32('X', [N, T, I]), ...weights, { ...f32('initial_h', [N, D, H]), data: h0b }, ...extra], outs);
      const r0 = interpret(inferShapes(g0), { X: { shape: [T, N, I], dtype: 'float32', data: x0 } });
      const r1 = interpret(inferShapes(g1), { X: { shape: [N, T, I], dtype: 'float32', data: x1 } });
      expect(r1['Y']!.shape).toEqual([N, T, D, H]);
      expect(r1['Y_h']!.shape).toEqual([N, D, H]);
      expect(excess(r1['Y']!.data, toBatchwise(r0['Y']!.data, T, D, N, H), 1e-6, 0)).toBeLessThanOrEqual(0);
      expect(excess(r1['Y_h']!.data, toBatchwise(r0['Y_h']!.data, 1, D, N, H), 1e-6, 0)).toBeLessThanOrEqual(0);
      const c = await runC(g1, [x1], path.join(work, `layout1_${op}`));
      expect(excess(c.outputs[0]!, r1['Y']!.data, ABS, REL)).toBeLessThanOrEqual(0);
      expect(excess(c.outputs[1]!, r1['Y_h']!.data, ABS, REL)).toBeLessThanOrEqual(0);
    });
  }
});

describe('unsupported features give clear errors', () => {
  const base = (op: Kind, attrs: Node['attrs'], extra: (Tensor | undefined)[] = []): Graph => {
    const G = GATES[op];
    return irGraph(op, { hidden_size: 2, ...attrs }, [f32('X', [3, 1, 2]), f32('W', [1, 2 * G, 2], 1), f32('R', [1, 2 * G, 2], 2), ...extra], ['Y', 'Y_h']);
  };
  it('non-default activations', () => {
    expect(() => inferShapes(base('RNN', { activations: ['Relu'] }))).toThrow(/activations \[Relu\] are not supported; harc implements only the default RNN activations \(Tanh\)/);
    expect(() => inferShapes(base('GRU', { activations: ['Sigmoid', 'Relu'] }))).toThrow(/not supported/);
    expect(() => inferShapes(base('LSTM', { activations: ['HardSigmoid', 'Tanh', 'Tanh'] }))).toThrow(/not supported/);
  });
  it('the default activations, spelled out (per direction), are accepted', () => {
    expect(() => inferShapes(base('RNN', { activations: ['Tanh'] }))).not.toThrow();
    const bi = irGraph('LSTM', { hidden_size: 2, direction: 'bidirectional', activations: ['Sigmoid', 'Tanh', 'Tanh', 'sigmoid', 'tanh', 'tanh'] }, [f32('X', [3, 1, 2]), f32('W', [2, 8, 2], 1), f32('R', [2, 8, 2], 2)], ['Y']);
    expect(() => inferShapes(bi)).not.toThrow();
  });
  it('input_forget', () => {
    expect(() => inferShapes(base('LSTM', { input_forget: 1 }))).toThrow(/input_forget=1.*not supported/);
  });
  it('sequence_lens shorter than the sequence, or computed at run time', () => {
    const lens = (data: number[]): Tensor => ({ name: 'sl', shape: [1], dtype: 'int32', data: Int32Array.from(data) });
    expect(() => inferShapes(base('GRU', {}, [undefined, lens([2])]))).toThrow(/sequence_lens \[2\].*not supported/);
    expect(() => inferShapes(base('GRU', {}, [undefined, { name: 'sl', shape: [1], dtype: 'int32' }]))).toThrow(/sequence_lens computed at run time/);
    expect(() => inferShapes(base('GRU', {}, [undefined, lens([3])]))).not.toThrow();
  });
  it('shape mismatches name the input', () => {
    const g = irGraph('LSTM', { hidden_size: 3 }, [f32('X', [3, 1, 2]), f32('W', [1, 8, 2], 1), f32('R', [1, 8, 2], 2)], ['Y']);
    expect(() => inferShapes(g)).toThrow(/W has shape \[1,8,2\], expected \[1,12,2\]/);
  });
});

describe('MACs', () => {
  it('per time step and per layer', () => {
    // bidirectional LSTM, batch 1, 9 → 12 (bilstm_small): 2 · 4·12·(9+12) per step, 16 steps
    const g = inferShapes(irGraph('LSTM', { hidden_size: 12, direction: 'bidirectional' }, [f32('X', [16, 1, 9]), f32('W', [2, 48, 9], 1), f32('R', [2, 48, 12], 2)], ['Y']));
    const n = g.nodes[0]!;
    const ins = n.inputs.map((i) => (i ? g.tensors[i] : undefined));
    expect(recurrentStepMacs(n, ins)).toBe(2 * 4 * 12 * 21);
    expect(opOf(n).macs!(n, ins as Tensor[], [g.tensors['Y']!])).toBe(16 * 2 * 4 * 12 * 21);
    // GRU, batch 2, 3 → 4; peephole LSTM adds 3·H per row
    const gru = inferShapes(irGraph('GRU', { hidden_size: 4 }, [f32('X', [5, 2, 3]), f32('W', [1, 12, 3], 1), f32('R', [1, 12, 4], 2)], ['Y']));
    expect(recurrentStepMacs(gru.nodes[0]!, gru.nodes[0]!.inputs.map((i) => gru.tensors[i]))).toBe(2 * 3 * 4 * 7);
    const peep = irGraph('LSTM', { hidden_size: 2 }, [f32('X', [3, 1, 2]), f32('W', [1, 8, 2], 1), f32('R', [1, 8, 2], 2), undefined, undefined, undefined, undefined, f32('P', [1, 6], 3)], ['Y']);
    expect(recurrentStepMacs(peep.nodes[0]!, peep.nodes[0]!.inputs.map((i) => (i ? peep.tensors[i] : undefined)))).toBe(4 * 2 * 4 + 6);
  });
  it('the emitted layer reports them', () => {
    const g = irGraph('RNN', { hidden_size: 4 }, [f32('X', [5, 1, 3]), f32('W', [1, 4, 3], 1), f32('R', [1, 4, 4], 2)], ['', 'Y_h']);
    const m = compileGraph(g);
    expect(m.layers.find((l) => l.op === 'RNN')!.macs).toBe(5 * 4 * 7);
    // one step of gates (4 floats) is planned arena scratch, not a static array
    expect(m.files['model.c']).toContain('float *gates = s0;');
    expect(m.files['model.c']).not.toContain('static float');
    expect(m.plan.buffers.filter((b) => b.scratchOf !== undefined).map((b) => b.bytes)).toEqual([16]);
  });
});
