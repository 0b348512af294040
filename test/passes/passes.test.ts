import { describe, expect, it } from 'vitest';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import type { Graph } from '../../src/ir/types.ts';
import { eliminateDeadCode } from '../../src/passes/dead-code.ts';
import { foldAffineIntoConsumers, foldAffineIntoProducers } from '../../src/passes/fold-affine.ts';
import { foldBatchNorm } from '../../src/passes/fold-batchnorm.ts';
import { foldConstants } from '../../src/passes/fold-constants.ts';
import { fuseActivations } from '../../src/passes/fuse-activation.ts';
import { convertToChannelsLast } from '../../src/passes/layout.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { removeIdentity } from '../../src/passes/remove-identity.ts';
import { transposesToViews } from '../../src/passes/transpose-views.ts';
import { graph, rand } from '../graph-builder.ts';

/** A pass must not change what the graph computes. */
function expectSameFunction(before: Graph, after: Graph, tol = 1e-5): void {
  const a = inferShapes(before);
  const b = inferShapes(after);
  const inputs = Object.fromEntries(
    a.inputs.map((n, k) => {
      const shape = a.tensors[n]!.shape;
      return [n, { shape, dtype: 'float32' as const, data: Float32Array.from(rand(shape.reduce((p, d) => p * d, 1), 7 + k)) }];
    }),
  );
  const ya = interpret(a, inputs);
  const yb = interpret(b, inputs);
  for (const o of a.outputs) {
    const da = ya[o]!.data;
    const db = yb[o]!.data;
    expect(db.length).toBe(da.length);
    for (let i = 0; i < da.length; i++) expect(Math.abs(da[i]! - db[i]!)).toBeLessThan(tol);
  }
}

const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);

const conv1d = (cin: number, cout: number, k: number, pads: number[], extra: object = {}) => ({
  consts: { w: { shape: [cout, cin, k], data: rand(cout * cin * k, 3) }, b: { shape: [cout], data: rand(cout, 4) } },
  attrs: { pads, ...extra },
});

describe('fold-constants', () => {
  it("folds PyTorch's Shape→Gather→Unsqueeze→Concat chain into a constant and removes it", () => {
    const g = graph({
      inputs: { x: [1, 4, 6] },
      consts: { i64_idx: { shape: [], data: [0] }, i64_minus1: { shape: [1], data: [-1] } },
      nodes: [
        ['shape', 'Shape', ['x'], ['s']],
        ['gather', 'Gather', ['s', 'i64_idx'], ['n'], { axis: 0 }],
        ['unsq', 'Unsqueeze', ['n'], ['n1'], { axes: [0] }],
        ['concat', 'Concat', ['n1', 'i64_minus1'], ['shape2'], { axis: 0 }],
        ['reshape', 'Reshape', ['x', 'shape2'], ['y']],
      ],
      outputs: ['y'],
    });
    g.tensors['i64_idx']!.dtype = 'int64';
    g.tensors['i64_idx']!.data = Float64Array.of(0);
    const f = foldConstants(g);
    expect(ops(f)).toEqual(['Reshape']);
    expect(Array.from(f.tensors[f.nodes[0]!.inputs[1]!]!.data!)).toEqual([1, -1]);
    expect(f.tensors['y']!.shape).toEqual([1, 24]);
  });
});

describe('remove-identity and dead code', () => {
  it('drops Identity/Dropout and unused nodes, keeping output names', () => {
    const g = graph({
      inputs: { x: [1, 4] },
      nodes: [
        ['relu', 'Relu', ['x'], ['r']],
        ['drop', 'Dropout', ['r'], ['d']],
        ['dead', 'Sigmoid', ['x'], ['unused']],
        ['id', 'Identity', ['d'], ['y']],
      ],
      outputs: ['y'],
    });
    const out = eliminateDeadCode(removeIdentity(g));
    expect(ops(out)).toEqual(['Relu']);
    expect(out.nodes[0]!.outputs).toEqual(['y']);
    expectSameFunction(g, out);
  });
});

describe('fold-batchnorm', () => {
  it('folds BatchNormalization into the preceding Conv', () => {
    const c = conv1d(3, 5, 3, [1, 1]);
    const g = graph({
      inputs: { x: [1, 3, 10] },
      consts: { ...c.consts, gamma: { shape: [5], data: rand(5, 5).map((v) => 1 + v / 2) }, beta: { shape: [5], data: rand(5, 6) }, mean: { shape: [5], data: rand(5, 8) }, var: { shape: [5], data: rand(5, 9).map((v) => 1.5 + v) } },
      nodes: [
        ['conv', 'Conv', ['x', 'w', 'b'], ['c'], c.attrs],
        ['bn', 'BatchNormalization', ['c', 'gamma', 'beta', 'mean', 'var'], ['y'], { epsilon: 1e-5 }],
      ],
      outputs: ['y'],
    });
    const out = foldBatchNorm(inferShapes(g));
    expect(ops(out)).toEqual(['Conv']);
    expectSameFunction(g, out);
  });

  it('folds BatchNormalization after a Gemm (transB=1)', () => {
    const g = graph({
      inputs: { x: [2, 4] },
      consts: { w: { shape: [3, 4], data: rand(12, 1) }, gamma: { shape: [3], data: [1.5, 0.5, 2] }, beta: { shape: [3], data: [0.1, 0.2, 0.3] }, mean: { shape: [3], data: [0.3, -0.2, 0.1] }, var: { shape: [3], data: [1, 2, 0.5] } },
      nodes: [
        ['fc', 'Gemm', ['x', 'w'], ['h'], { transB: 1 }],
        ['bn', 'BatchNormalization', ['h', 'gamma', 'beta', 'mean', 'var'], ['y']],
      ],
      outputs: ['y'],
    });
    const out = foldBatchNorm(inferShapes(g));
    expect(ops(out)).toEqual(['Gemm']);
    expectSameFunction(g, out);
  });
});

describe('fold-affine', () => {
  it('folds Mul/Add by per-channel constants after a Conv into its weights', () => {
    const c = conv1d(2, 4, 3, [0, 0]);
    const g = graph({
      inputs: { x: [1, 2, 8] },
      consts: { ...c.consts, k: { shape: [4, 1], data: [2, -1, 0.5, 3] }, d: { shape: [4, 1], data: [0.1, 0.2, 0.3, 0.4] } },
      nodes: [
        ['conv', 'Conv', ['x', 'w', 'b'], ['c'], c.attrs],
        ['mul', 'Mul', ['c', 'k'], ['m']],
        ['add', 'Add', ['m', 'd'], ['y']],
      ],
      outputs: ['y'],
    });
    const out = foldAffineIntoProducers(inferShapes(g));
    expect(ops(out)).toEqual(['Conv']);
    expectSameFunction(g, out);
  });

  it('folds input normalisation (x−m)/s into a padded channels-last Conv exactly, via pad_value', () => {
    const c = conv1d(3, 4, 5, [2, 2]);
    const g = graph({
      inputs: { x: [1, 12, 3] },
      consts: { ...c.consts, mean: { shape: [3], data: [0.5, -1, 2] }, std: { shape: [3], data: [2, 0.5, 4] } },
      nodes: [
        ['sub', 'Sub', ['x', 'mean'], ['a']],
        ['div', 'Div', ['a', 'std'], ['n']],
        ['t', 'Transpose', ['n'], ['nt'], { perm: [0, 2, 1] }],
        ['conv', 'Conv', ['nt', 'w', 'b'], ['y'], c.attrs],
      ],
      outputs: ['y'],
    });
    const cl = convertToChannelsLast(inferShapes(g));
    const out = foldAffineIntoConsumers(cl);
    expect(ops(out)).not.toContain('Sub');
    expect(ops(out)).not.toContain('Div');
    expect(out.nodes.find((n) => n.op === 'Conv')!.attrs['pad_value']).toHaveLength(3);
    expectSameFunction(g, out, 1e-4);
  });
});

describe('layout: channels-last', () => {
  it('cancels the transposes between consecutive Conv/Relu/Pool and leaves them at the boundary', () => {
    const c = conv1d(4, 4, 3, [1, 1]);
    const g = graph({
      inputs: { x: [1, 4, 16] },
      consts: { ...c.consts, w2: { shape: [4, 4, 1], data: rand(16, 11) } },
      nodes: [
        ['conv', 'Conv', ['x', 'w', 'b'], ['c'], c.attrs],
        ['relu', 'Relu', ['c'], ['r']],
        ['pool', 'MaxPool', ['r'], ['p'], { kernel_shape: [2], strides: [2] }],
        ['conv2', 'Conv', ['p', 'w2'], ['y']],
      ],
      outputs: ['y'],
    });
    const out = convertToChannelsLast(inferShapes(g));
    expect(ops(out)).toEqual(['Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Transpose']);
    expect(out.nodes.filter((n) => n.op !== 'Transpose').every((n) => n.op === 'Relu' || n.attrs['layout'] === 'NHWC')).toBe(true);
    expectSameFunction(g, out);
  });

  it('pushes transposes through Concat, Add with constants, Softmax, ReduceMean and Pad', () => {
    const c = conv1d(2, 3, 3, [1, 1]);
    const g = graph({
      inputs: { x: [1, 2, 8] },
      consts: { ...c.consts, bias: { shape: [6, 1], data: rand(6, 2) }, i64_pads: { shape: [6], data: [0, 0, 1, 0, 0, 2] }, w2: { shape: [3, 2, 3], data: rand(18, 5) } },
      nodes: [
        ['c1', 'Conv', ['x', 'w', 'b'], ['a'], c.attrs],
        ['c2', 'Conv', ['x', 'w2'], ['b2'], { pads: [1, 1] }],
        ['cat', 'Concat', ['a', 'b2'], ['cc'], { axis: 1 }],
        ['add', 'Add', ['cc', 'bias'], ['ad']],
        ['pad', 'Pad', ['ad', 'i64_pads'], ['pd']],
        ['sm', 'Softmax', ['pd'], ['s'], { axis: 1 }],
        ['mean', 'ReduceMean', ['s'], ['y'], { axes: [2], keepdims: 0 }],
      ],
      outputs: ['y'],
    });
    g.tensors['i64_pads']!.dtype = 'int64';
    const out = convertToChannelsLast(inferShapes(g));
    expect(ops(out).filter((o) => o === 'Transpose')).toHaveLength(1); // only the input's
    expectSameFunction(g, out);
  });
});

describe('fuse-activations and transpose views', () => {
  it('Relu and Clip(0, 6) become output clamps of their producer', () => {
    const g = graph({
      inputs: { x: [1, 6] },
      consts: { w: { shape: [6, 4], data: rand(24, 2) }, lo: { shape: [], data: [0] }, hi: { shape: [], data: [6] }, w2: { shape: [4, 3], data: rand(12, 3) } },
      nodes: [
        ['fc', 'Gemm', ['x', 'w'], ['h']],
        ['relu6', 'Clip', ['h', 'lo', 'hi'], ['r']],
        ['fc2', 'MatMul', ['r', 'w2'], ['m']],
        ['relu', 'Relu', ['m'], ['y']],
      ],
      outputs: ['y'],
    });
    const out = fuseActivations(inferShapes(g));
    expect(ops(out)).toEqual(['Gemm', 'MatMul']);
    expect(out.nodes[0]!.attrs).toMatchObject({ act_min: 0, act_max: 6 });
    expect(out.nodes[1]!.attrs).toMatchObject({ act_min: 0 });
    expect(out.nodes[1]!.outputs).toEqual(['y']);
    expectSameFunction(g, out);
  });

  it('a transpose that only moves size-1 axes becomes a Reshape view', () => {
    const g = graph({ inputs: { x: [1, 1, 8] }, nodes: [['t', 'Transpose', ['x'], ['t1'], { perm: [0, 2, 1] }], ['r', 'Relu', ['t1'], ['y']]], outputs: ['y'] });
    const out = transposesToViews(inferShapes(g));
    expect(ops(out)).toEqual(['Reshape', 'Relu']);
    expectSameFunction(g, out);
  });
});

describe('the whole pipeline', () => {
  it('keeps the function of a conv net with BN, normalisation and a flatten head', () => {
    const c = conv1d(3, 4, 3, [1, 1], { strides: [2] });
    const g = graph({
      inputs: { x: [1, 16, 3] },
      consts: {
        ...c.consts, mean: { shape: [3], data: [1, 2, 3] }, std: { shape: [3], data: [2, 3, 4] },
        gamma: { shape: [4], data: [1, 2, 3, 4] }, beta: { shape: [4], data: [0, 1, 0, 1] }, mu: { shape: [4], data: [0.1, 0.2, 0.3, 0.4] }, v: { shape: [4], data: [1, 1, 2, 2] },
        fw: { shape: [2, 32], data: rand(64, 12) },
      },
      nodes: [
        ['sub', 'Sub', ['x', 'mean'], ['a']],
        ['div', 'Div', ['a', 'std'], ['n']],
        ['t', 'Transpose', ['n'], ['nt'], { perm: [0, 2, 1] }],
        ['conv', 'Conv', ['nt', 'w', 'b'], ['c'], c.attrs],
        ['bn', 'BatchNormalization', ['c', 'gamma', 'beta', 'mu', 'v'], ['bnout']],
        ['relu', 'Relu', ['bnout'], ['r']],
        ['flat', 'Flatten', ['r'], ['f']],
        ['fc', 'Gemm', ['f', 'fw'], ['y'], { transB: 1 }],
      ],
      outputs: ['y'],
    });
    const out = optimize(g);
    expect(ops(out)).toEqual(['Conv', 'Transpose', 'Flatten', 'Gemm']);
    expectSameFunction(g, out, 1e-4);
  });
});
