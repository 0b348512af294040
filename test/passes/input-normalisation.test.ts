// A channels-first input normalised per channel, (x − m)/s, before a padded Conv: after the layout
// pass the transpose stands between the affine ops and the Conv. hoist-affine-transpose moves it
// above them so that fold-affine-consumers folds them into the Conv (pad_value = m per channel).
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/frontends/load.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import type { Graph } from '../../src/ir/types.ts';
import { absorbInputTranspose } from '../../src/passes/absorb-input-transpose.ts';
import { foldAffineIntoConsumers } from '../../src/passes/fold-affine.ts';
import { hoistAffineAboveTranspose } from '../../src/passes/hoist-affine-transpose.ts';
import { convertToChannelsLast } from '../../src/passes/layout.ts';
import { optimize, optimizeFloatOnly } from '../../src/passes/pipeline.ts';
import { graph, rand } from '../graph-builder.ts';
import { fixture } from '../helpers.ts';

const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);

function maxDiff(a: Graph, b: Graph): number {
  const x = a.tensors[a.inputs[0]!]!;
  const input = { shape: x.shape, dtype: 'float32' as const, data: Float32Array.from(rand(x.shape.reduce((p, d) => p * d, 1), 5)) };
  const ya = interpret(inferShapes(a), { [x.name]: input })[a.outputs[0]!]!.data;
  const yb = interpret(inferShapes(b), { [x.name]: input })[b.outputs[0]!]!.data;
  return Math.max(...Array.from(ya, (v, i) => Math.abs(v - yb[i]!)));
}

const ncwNorm = (extra: [string, string, string[], string[]][] = [], outputs = ['y']) =>
  graph({
    inputs: { x: [1, 3, 10] },
    consts: {
      m: { shape: [3, 1], data: [0.5, -1, 2] },
      s: { shape: [3, 1], data: [2, 0.5, 4] },
      w: { shape: [4, 3, 5], data: rand(60, 3) },
      b: { shape: [4], data: rand(4, 4) },
    },
    nodes: [
      ['sub', 'Sub', ['x', 'm'], ['a']],
      ['div', 'Div', ['a', 's'], ['n']],
      ['conv', 'Conv', ['n', 'w', 'b'], ['y'], { pads: [2, 2] }],
      ...extra,
    ],
    outputs,
  });

describe('hoist-affine-transpose', () => {
  it('moves the layout transpose above Sub/Div so they fold into the padded Conv', () => {
    const g = ncwNorm();
    const cl = convertToChannelsLast(inferShapes(g));
    expect(ops(cl)).toEqual(['Sub', 'Div', 'Transpose', 'Conv', 'Transpose']);
    const hoisted = inferShapes(hoistAffineAboveTranspose(cl));
    expect(ops(hoisted)).toEqual(['Transpose', 'Sub', 'Div', 'Conv', 'Transpose']);
    expect(maxDiff(g, hoisted)).toBeLessThan(1e-6);
    const folded = foldAffineIntoConsumers(hoisted);
    expect(ops(folded)).toEqual(['Transpose', 'Conv', 'Transpose']);
    // the raw value that normalises to zero is the mean
    expect(folded.nodes[1]!.attrs['pad_value']).toEqual([0.5, -1, 2]);
    expect(maxDiff(g, folded)).toBeLessThan(1e-5);
  });

  it('leaves the ops alone when the normalised tensor is also read elsewhere', () => {
    const g = ncwNorm([['relu', 'Relu', ['n'], ['r']]], ['y', 'r']);
    const out = optimize(g);
    expect(ops(out)).toContain('Sub');
    expect(ops(out)).toContain('Div');
  });

  it('the PyTorch NCW fixture optimizes to Transpose → Conv with per-channel pad values', () => {
    const opt = optimize(loadModel(fixture('har_ncw_norm_cnn')));
    expect(ops(opt)).not.toContain('Sub');
    expect(ops(opt)).not.toContain('Div');
    const conv = opt.nodes.find((n) => n.op === 'Conv')!;
    const HAR_MEAN = [0.00022, -0.00023, 0.00002, 0.00495, -0.00225, -0.00824, 0.80482, 0.02821, 0.08574];
    const pad = conv.attrs['pad_value'] as number[];
    pad.forEach((p, c) => expect(p).toBeCloseTo(HAR_MEAN[c]!, 6));
  });
});

describe('absorb-input-transpose (float)', () => {
  it('the first Conv reads the channels-first input directly; the function is unchanged', () => {
    const g = loadModel(fixture('har_ncw_norm_cnn'));
    const opt = optimize(g);
    expect(ops(opt)[0]).toBe('Transpose');
    const fl = optimizeFloatOnly(opt);
    expect(ops(fl)).toEqual(['Conv', 'Conv', 'ReduceMean', 'Gemm']);
    expect(fl.nodes[0]!.inputs[0]).toBe(fl.inputs[0]);
    expect(fl.nodes[0]!.attrs['x_layout']).toBe('NCHW');
    expect(maxDiff(opt, fl)).toBe(0);
  });

  it('keeps a transpose that feeds anything but one channels-last Conv', () => {
    const g = ncwNorm([['relu', 'Relu', ['n'], ['r']]], ['y', 'r']);
    const opt = optimize(g);
    expect(ops(optimizeFloatOnly(opt))).toEqual(ops(opt));
  });
});
