import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/frontends/load.ts';
import { accumulateRows } from '../../src/ir/fast/dot.ts';
import { compileInterpreter } from '../../src/ir/fast/interpreter.ts';
import { RowDots } from '../../src/ir/fast/row-dots.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import type { AttrValue, Graph, Value } from '../../src/ir/types.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { graph, rand } from '../graph-builder.ts';

// The fast interpreter must give every value bit for bit as the reference interpreter does: same
// tensors in the same order, same bytes. The calibration table depends on nothing else.

const repo = path.join(import.meta.dirname, '..', '..');
const fixtures = readdirSync(path.join(repo, 'test', 'fixtures', 'onnx')).filter((f) => f.endsWith('.onnx')).map((f) => path.join('test', 'fixtures', 'onnx', f));
const zoo = readdirSync(path.join(repo, 'zoo', 'models')).filter((f) => f.endsWith('.onnx')).map((f) => path.join('zoo', 'models', f));

type Trace = { name: string; dtype: string; shape: string; bytes: Buffer }[];

function trace(run: (onValue: (name: string, v: Value) => void) => void): Trace {
  const out: Trace = [];
  run((name, v) => out.push({ name, dtype: v.dtype, shape: v.shape.join(','), bytes: Buffer.from(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength)) }));
  return out;
}

function expectSameValues(g: Graph, samples: Value[]): void {
  const compiled = compileInterpreter(g);
  for (const x of samples) {
    const inputs = { [g.inputs[0]!]: x };
    const ref = trace((onValue) => interpret(g, inputs, { onValue }));
    const fast = trace((onValue) => compiled.run(inputs, onValue));
    expect(fast.map((t) => `${t.name} ${t.dtype} [${t.shape}]`)).toEqual(ref.map((t) => `${t.name} ${t.dtype} [${t.shape}]`));
    ref.forEach((r, i) => expect(fast[i]!.bytes.equals(r.bytes), `${g.name}: tensor '${r.name}'`).toBe(true));
  }
}

const randomSamples = (g: Graph, n: number, seed: number, scale = 2): Value[] => {
  const shape = g.tensors[g.inputs[0]!]!.shape;
  return Array.from({ length: n }, (_, k) => ({ shape, dtype: 'float32' as const, data: Float32Array.from(rand(numel(shape), seed + k), (v) => v * scale) }));
};

const c = (shape: number[], seed: number, scale = 0.5) => ({ shape, data: rand(numel(shape), seed).map((v) => v * scale) });

function recurrent(op: 'LSTM' | 'GRU' | 'RNN', attrs: Record<string, AttrValue>, o: { T: number; N: number; I: number; H: number; D: number; peepholes?: boolean; layout?: 1 }): Graph {
  const G = { LSTM: 4, GRU: 3, RNN: 1 }[op];
  const { T, N, I, H, D } = o;
  const state = o.layout ? [N, D, H] : [D, N, H];
  const consts: Record<string, { shape: number[]; data: number[] }> = { W: c([D, G * H, I], 3), R: c([D, G * H, H], 4), B: c([D, 2 * G * H], 5), h0: c(state, 6), c0: c(state, 7), P: c([D, 3 * H], 8) };
  const ins = ['x', 'W', 'R', 'B', '', 'h0', ...(op === 'LSTM' ? ['c0', o.peepholes ? 'P' : ''] : [])];
  const outs = op === 'LSTM' ? ['y', 'yh', 'yc'] : ['y', 'yh'];
  return inferShapes(graph({ inputs: { x: o.layout ? [N, T, I] : [T, N, I] }, consts, nodes: [['r', op, ins, outs, { hidden_size: H, ...(o.layout ? { layout: 1 } : {}), ...attrs }]], outputs: outs }));
}

describe('row dots', () => {
  // the scalar loop of the reference ops, one row at a time
  const reference = (acc: Float64Array, M: Float32Array, mOff: number, rows: number, cols: number, v: ArrayLike<number>, vOff: number) => {
    for (let j = 0; j < rows; j++) {
      let a = acc[j]!;
      for (let k = 0; k < cols; k++) a += M[mOff + j * cols + k]! * v[vOff + k]!;
      acc[j] = a;
    }
  };
  it.each([
    [512, 128],
    [24, 9],
    [37, 5],
    [8, 1],
    [5, 3],
  ])('%i×%i rows: SIMD, JavaScript and the scalar loop give the same doubles', (rows, cols) => {
    const M = Float32Array.from(rand(rows * cols + 3, rows), (x) => x * 3);
    const v32 = Float32Array.from(rand(cols + 2, cols), (x) => x * 7);
    const v64 = Float64Array.from(rand(cols + 2, cols + 1), (x) => x / 3);
    for (const v of [v32, v64]) {
      const init = Float64Array.from(rand(rows, 99));
      const ref = init.slice();
      reference(ref, M, 3, rows, cols, v, 2);
      const js = init.slice();
      accumulateRows(js, Float64Array.from(M), 3, rows, cols, v, 2);
      expect(Buffer.from(js.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      for (const simd of [true, false]) {
        const dots = new RowDots(simd);
        const got = init.slice();
        const prepared = dots.rowsOf(M, 3, rows, cols);
        expect(prepared.simdRows).toBe(simd ? rows - (rows % 8) : 0); // Node ≥ 16.4 has WebAssembly SIMD
        dots.accumulate(prepared, got, v, 2);
        expect(Buffer.from(got.buffer).equals(Buffer.from(ref.buffer)), `simd ${simd}`).toBe(true);
      }
    }
  });
});

describe('fast interpreter: every value bit-identical to the reference interpreter', () => {
  it.each([
    ['LSTM bidirectional, peepholes, clip, batch 2', recurrent('LSTM', { direction: 'bidirectional', clip: 0.7 }, { T: 5, N: 2, I: 3, H: 6, D: 2, peepholes: true })],
    ['LSTM batchwise layout', recurrent('LSTM', {}, { T: 4, N: 3, I: 5, H: 9, D: 1, layout: 1 })],
    ['GRU reverse, linear_before_reset 0, clip', recurrent('GRU', { direction: 'reverse', clip: 0.5 }, { T: 6, N: 2, I: 4, H: 10, D: 1 })],
    ['GRU bidirectional, linear_before_reset 1', recurrent('GRU', { direction: 'bidirectional', linear_before_reset: 1 }, { T: 5, N: 1, I: 3, H: 8, D: 2 })],
    ['RNN bidirectional', recurrent('RNN', { direction: 'bidirectional' }, { T: 7, N: 2, I: 3, H: 5, D: 2 })],
  ])('%s', (_name, g) => expectSameValues(g, randomSamples(g, 3, 11)));

  it('Conv channels-last: groups, strides, dilations, padding with pad_value, 2-D, remainder channels', () => {
    const g = inferShapes(
      graph({
        inputs: { x: [1, 9, 11, 4] },
        consts: { w1: c([6, 3, 2, 2], 21), b1: c([6], 22), w2: c([5, 2, 3, 6], 23), w3: c([6, 3, 1, 1], 24), b3: c([6], 25) },
        nodes: [
          ['c1', 'Conv', ['x', 'w1', 'b1'], ['y1'], { layout: 'NHWC', group: 2, strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 1], pad_value: [0.25, -1.5, 3, 0.125], act_min: 0, act_max: 1.5 }],
          ['c2', 'Conv', ['y1', 'w2'], ['y2'], { layout: 'NHWC', pads: [1, 1, 1, 1] }],
          ['c3', 'Conv', ['y1', 'w3', 'b3'], ['y3'], { layout: 'NHWC', group: 6, kernel_shape: [3, 1] }],
        ],
        outputs: ['y2', 'y3'],
      }),
    );
    expectSameValues(g, randomSamples(g, 3, 31));
  });

  it('Gemm (transA, alpha, beta, broadcast C, clamp) and MatMul', () => {
    const g = inferShapes(
      graph({
        inputs: { x: [7, 3] },
        consts: { b: c([7, 9], 41), cc: c([9], 42), b2: c([9, 5], 43), i64_shape: { shape: [3], data: [3, 1, 9] } },
        nodes: [
          ['g', 'Gemm', ['x', 'b', 'cc'], ['y'], { transA: 1, alpha: 0.5, beta: 2, act_max: 0.9 }],
          ['r', 'Reshape', ['y', 'i64_shape'], ['yr']],
          ['m', 'MatMul', ['yr', 'b2'], ['z'], { act_min: -0.2 }],
        ],
        outputs: ['z'],
      }),
    );
    expectSameValues(g, randomSamples(g, 3, 51));
  });

  it.each(fixtures)('fixture %s (optimized)', (file) => {
    const g = optimize(loadModel(path.join(repo, file)));
    expectSameValues(g, randomSamples(g, 2, 61, 3));
  });

  it.each(zoo)('zoo %s on calibration windows (optimized)', (file) => {
    const g = optimize(loadModel(path.join(repo, file)));
    const calib = readNpy(path.join(repo, 'zoo', 'data', 'calib_X.npy'));
    const per = numel(g.tensors[g.inputs[0]!]!.shape);
    const shape = g.tensors[g.inputs[0]!]!.shape;
    const samples = [0, 97].map((k) => ({ shape, dtype: 'float32' as const, data: (calib.data as Float32Array).slice(k * per, (k + 1) * per) }));
    expectSameValues(g, samples);
  }, 60_000);
});
