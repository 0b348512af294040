// @module-tag c
// Per-op int8 tests on tiny graphs: the host C output bytes must equal the TypeScript integer
// reference bytes, and the dequantized result must approximate the float reference.
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.ts';
import { dequantize } from '../../src/ir/quant/index.ts';
import { quantizeForTensor } from '../../src/ir/int8/prepare.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph } from '../../src/ir/types.ts';
import { G, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from './helpers.ts';

interface Case {
  name: string;
  build: (b: G) => string | string[];
  /** the op(s) that must appear quantized in the compiled graph */
  expectOps: string[];
  /** a single op without weights: must match the float op on the dequantized input within 1 step */
  exact?: boolean;
}

const CASES: Case[] = [
  { name: 'Conv1d + bias', expectOps: ['Conv'], build: (b) => b.op('Conv', [b.input([1, 4, 16]), b.const([6, 4, 3]), b.const([6])], { pads: [1, 1], kernel_shape: [3] }) },
  {
    name: 'Conv1d stride 2 dilation 2, fused Relu',
    expectOps: ['Conv'],
    build: (b) => b.op('Relu', [b.op('Conv', [b.input([1, 4, 20]), b.const([5, 4, 3]), b.const([5])], { pads: [2, 2], strides: [2], dilations: [2] })]),
  },
  {
    name: 'depthwise Conv1d + Clip(0, 6) fused',
    expectOps: ['Conv'],
    build: (b) => b.op('Clip', [b.op('Conv', [b.input([1, 4, 16]), b.const([4, 1, 5], 2), b.const([4])], { pads: [2, 2], group: 4 }), b.scalar(0), b.scalar(0.6)]),
  },
  { name: 'Conv2d 3x3 padded', expectOps: ['Conv'], build: (b) => b.op('Conv', [b.input([1, 2, 6, 5]), b.const([3, 2, 3, 3]), b.const([3])], { pads: [1, 1, 1, 1] }) },
  {
    name: 'input normalisation folded into Conv (pad_value)',
    expectOps: ['Conv'],
    build: (b) => {
      // as the zoo models: (x − mean) / std on NTC input, transposed to NCW, then the Conv
      const n = b.op('Div', [b.op('Sub', [b.input([1, 12, 3]), b.const([3], 0.5, 0.8)]), b.const([3], 0.2, 0.7)]);
      return b.op('Conv', [b.op('Transpose', [n], { perm: [0, 2, 1] }), b.const([4, 3, 5]), b.const([4])], { pads: [2, 2] });
    },
  },
  { name: 'Gemm transB=1 + bias', expectOps: ['Gemm'], build: (b) => b.op('Gemm', [b.input([1, 12]), b.const([5, 12]), b.const([5])], { transB: 1 }) },
  { name: 'Gemm transB=0 alpha/beta', expectOps: ['Gemm'], build: (b) => b.op('Gemm', [b.input([1, 12]), b.const([12, 5]), b.const([5])], { alpha: 0.5, beta: 2 }) },
  { name: 'MatMul with constant B', expectOps: ['MatMul'], build: (b) => b.op('MatMul', [b.input([1, 3, 8]), b.const([8, 5])]) },
  { name: 'MaxPool1d', exact: true, expectOps: ['MaxPool'], build: (b) => b.op('MaxPool', [b.input([1, 4, 16])], { kernel_shape: [2], strides: [2] }) },
  { name: 'AveragePool1d padded', exact: true, expectOps: ['AveragePool'], build: (b) => b.op('AveragePool', [b.input([1, 4, 15])], { kernel_shape: [3], strides: [2], pads: [1, 1] }) },
  {
    name: 'AveragePool2d count_include_pad',
    exact: true,
    expectOps: ['AveragePool'],
    build: (b) => b.op('AveragePool', [b.input([1, 3, 7, 6])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }),
  },
  { name: 'GlobalAveragePool', expectOps: ['GlobalAveragePool'], build: (b) => b.op('GlobalAveragePool', [b.op('Conv', [b.input([1, 4, 16]), b.const([6, 4, 1]), b.const([6])])]) },
  { name: 'ReduceMean over time', exact: true, expectOps: ['ReduceMean'], build: (b) => b.op('ReduceMean', [b.input([1, 10, 6])], { axes: [1], keepdims: 0 }) },
  {
    name: 'Add (residual) with fused Relu',
    expectOps: ['Add'],
    build: (b) => {
      const x = b.input([1, 4, 12]);
      return b.op('Relu', [b.op('Add', [x, b.op('Conv', [x, b.const([4, 4, 3]), b.const([4])], { pads: [1, 1] })])]);
    },
  },
  { name: 'Add broadcast constant', exact: true, expectOps: ['Add'], build: (b) => b.op('Add', [b.input([1, 4, 6]), b.const([1, 4, 1], 2)]) },
  {
    name: 'Sub of activations',
    expectOps: ['Sub'],
    build: (b) => {
      const x = b.input([1, 4, 6]);
      return b.op('Sub', [b.op('Conv', [x, b.const([4, 4, 1]), b.const([4])]), x]);
    },
  },
  {
    name: 'Mul broadcast (squeeze-excitation gate)',
    expectOps: ['Mul', 'HardSigmoid'],
    build: (b) => {
      const x = b.input([1, 4, 10]);
      const gate = b.op('HardSigmoid', [b.op('GlobalAveragePool', [x])], { alpha: 1 / 6, beta: 0.5 });
      return b.op('Mul', [x, gate]);
    },
  },
  { name: 'Div by a constant (as Mul)', exact: true, expectOps: ['Mul'], build: (b) => b.op('Div', [b.input([1, 4, 6]), b.const([1, 4, 1], 0.5, 1.5)]) },
  { name: 'Sigmoid', exact: true, expectOps: ['Sigmoid'], build: (b) => b.op('Sigmoid', [b.input([1, 40])]) },
  { name: 'Tanh', exact: true, expectOps: ['Tanh'], build: (b) => b.op('Tanh', [b.input([1, 40])]) },
  { name: 'HardSwish', expectOps: ['HardSwish'], build: (b) => b.op('HardSwish', [b.op('Gemm', [b.input([1, 16]), b.const([24, 16], 1.5), b.const([24])], { transB: 1 })]) },
  { name: 'LeakyRelu (table)', exact: true, expectOps: ['LeakyRelu'], build: (b) => b.op('LeakyRelu', [b.input([1, 40])], { alpha: 0.1 }) },
  { name: 'Elu (table)', exact: true, expectOps: ['Elu'], build: (b) => b.op('Elu', [b.input([1, 40])], { alpha: 0.8 }) },
  { name: 'Softplus (table)', exact: true, expectOps: ['Softplus'], build: (b) => b.op('Softplus', [b.input([1, 40])]) },
  { name: 'Relu standalone', exact: true, expectOps: ['Relu'], build: (b) => b.op('Relu', [b.op('Transpose', [b.input([1, 4, 6])], { perm: [0, 2, 1] })]) },
  { name: 'Softmax', expectOps: ['Softmax'], build: (b) => b.op('Softmax', [b.op('Gemm', [b.input([1, 12]), b.const([6, 12], 2), b.const([6])], { transB: 1 })], { axis: -1 }) },
  {
    name: 'Concat with requantized inputs',
    expectOps: ['Concat'],
    build: (b) => {
      const x = b.input([1, 3, 10]);
      const a = b.op('Conv', [x, b.const([4, 3, 3], 0.3), b.const([4])], { pads: [1, 1] });
      const c = b.op('Conv', [x, b.const([2, 3, 5], 2), b.const([2])], { pads: [2, 2] });
      return b.op('Concat', [a, c], { axis: 1 });
    },
  },
  { name: 'Transpose + Flatten + Gemm', expectOps: ['Gemm'], build: (b) => b.op('Gemm', [b.op('Flatten', [b.op('Transpose', [b.input([1, 3, 4])], { perm: [0, 2, 1] })], { axis: 1 }), b.const([5, 12]), b.const([5])], { transB: 1 }) },
  {
    name: 'Pad (constant 0.5) + Slice',
    exact: true,
    expectOps: ['Pad', 'Slice'],
    build: (b) => {
      const p = b.op('Pad', [b.input([1, 3, 8]), b.constInts([0, 0, 1, 0, 0, 2]), b.scalar(0.5)], { mode: 'constant' });
      return b.op('Slice', [p, b.constInts([2]), b.constInts([9]), b.constInts([2])]);
    },
  },
];

/** |dequantize(int8) − float| relative to the float output's range (float run on the real input). */
function checkApprox(float: Graph, quant: Graph, x: ReturnType<typeof randomInputs>, got: Int8Array, tol: number): void {
  const shape = float.tensors[float.inputs[0]!]!.shape;
  let at = 0;
  let worst = 0;
  for (const row of splitRows(x, shape)) {
    const outs = interpret(float, { [float.inputs[0]!]: row[0]! });
    for (const o of quant.outputs) {
      const q = quant.tensors[o]!.quant!;
      const f = outs[o]!.data as Float32Array;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of f) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
      const range = Math.max(hi - lo, 1e-3);
      for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(dequantize(got[at + i]!, q.scale[0]!, q.zeroPoint[0]!) - f[i]!) / range);
      at += f.length;
    }
  }
  expect(worst).toBeLessThan(tol);
}

/** Runs the float graph on the dequantized int8 inputs and returns the largest difference, in
 * output quantization steps, between the integer result and the float result quantized. */
function maxLsbError(float: Graph, quant: Graph, xq: Int8Array, got: Int8Array): number {
  const t = quant.tensors[quant.inputs[0]!]!;
  const shape = t.shape;
  const per = numel(shape);
  const q = t.quant!;
  const inner = numel(shape.slice((q.axis ?? 0) + 1));
  let at = 0;
  let worst = 0;
  for (let r = 0; r < xq.length / per; r++) {
    const xf = Float32Array.from(xq.subarray(r * per, (r + 1) * per), (v, i) => {
      const c = q.scale.length > 1 ? Math.floor(i / inner) % q.scale.length : 0;
      return dequantize(v, q.scale[c]!, q.zeroPoint[c]!);
    });
    const outs = interpret(float, { [float.inputs[0]!]: { shape, dtype: 'float32', data: xf } });
    for (const o of quant.outputs) {
      const oq = quant.tensors[o]!;
      const f = outs[o]!.data as Float32Array;
      const want = quantizeForTensor(oq, f);
      for (let i = 0; i < f.length; i++) worst = Math.max(worst, Math.abs(got[at + i]! - want[i]!));
      at += f.length;
    }
  }
  return worst;
}

describe('int8 ops: host C == TypeScript integer reference', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const b = new G(100 + k);
      const g = b.graph(c.build(b));
      const calib = randomInputs(g, 48, 7 + k);
      const { float, quant } = quantizeForTest(g, calib);
      if (c.name.includes('pad_value')) expect(quant.nodes.find((n) => n.op === 'Conv')!.attrs['pad_value']).toBeDefined();
      for (const op of c.expectOps) {
        const n = quant.nodes.find((n) => n.op === op);
        expect(n, `${op} in the compiled graph`).toBeDefined();
        expect(quant.tensors[n!.outputs[0]!]!.dtype).toBe('int8');
      }
      // inputs from the calibration distribution, plus some beyond it (saturation paths)
      const x = randomInputs(g, 6, 1000 + k, -2.5, 2.5);
      const xq = quantizeInput(quant, x);
      const ref = referenceBytes(quant, xq);
      const got = await runC(quant, xq, 'host');
      expect(got.length).toBe(ref.length);
      expect(Array.from(got)).toEqual(Array.from(ref));
      // inputs inside the calibrated range: the int8 result approximates the float one
      const xin = randomInputs(g, 4, 2000 + k, -1.9, 1.9);
      checkApprox(float, quant, xin, referenceBytes(quant, quantizeInput(quant, xin)), 0.06);
      // ops without weights or intermediate requantization: the integer result is the float op on
      // the dequantized input, quantized, to within one output step (the kernels round twice)
      if (c.exact) expect(maxLsbError(float, quant, xq, ref), 'max |int8 − quantize(float(dequantize(x)))| in output steps').toBeLessThanOrEqual(1);
    });
  });
});
