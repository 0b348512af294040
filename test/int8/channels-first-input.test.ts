// @module-tag qemu
// An int8 model whose input is channels-first ([N, C, T], as PyTorch HAR exports feed it): its first
// Conv reads the input in place (x_layout NCHW, src/passes/absorb-input-transpose.ts), so the
// layout transpose layer goes, for the kernel sets that say so (KernelSet.int8ChannelsFirstInput:
// reference and portable; harc keeps the transpose, whose one pass costs less than the gathers).
// The TS integer reference of the absorbed graph must equal that of the graph with the transpose,
// and every kernel set's C (reference: strided reads; portable / harc: the matrix kernels on a patch
// gathered from the planes, int8-cf-patch.ts) must give those bytes on the host, QEMU Cortex-M4 and
// QEMU RISC-V.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { runPipeline } from '../../src/backends/pipeline.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import type { Graph, Value } from '../../src/ir/types.ts';
import { calibrate } from '../../src/planning/calibrate.ts';
import { optimize, optimizeQuantizedOnly } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/passes/quantize.ts';
import { G, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC, splitRows } from './helpers.ts';

const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);

/** quantizeForTest with every weighted layer's weights at `bits` (packed in flash). */
function quantizeWithWeightBits(g: Graph, calib: Value, bits: number): Graph {
  const float = optimize(g);
  return quantizeGraph(float, calibrate(float, splitRows(calib, float.tensors[float.inputs[0]!]!.shape)), { weightBits: bits });
}

/** har-cnn fed channels-first: its [1, 128, 9] input becomes [1, 9, 128] behind a Transpose (the
 * export's own normalisation and padded first Conv follow). */
function harCnnChannelsFirst(): Graph {
  const g = loadForCli('zoo/models/har-cnn.onnx');
  const x = g.inputs[0]!;
  const [n, t, c] = g.tensors[x]!.shape as [number, number, number];
  g.tensors['x_ncw'] = { name: 'x_ncw', shape: [n, c, t], dtype: 'float32' };
  g.nodes.unshift({ name: 'to_nwc', op: 'Transpose', inputs: ['x_ncw'], outputs: [x], attrs: { perm: [0, 2, 1] } });
  g.inputs[0] = 'x_ncw';
  return g;
}

/** [N, C, T] windows of the real data set, from its [N, T, C] rows. */
function channelsFirstRows(v: Value, rows: number): Value {
  const [, t, c] = v.shape as [number, number, number];
  const d = v.data as Float32Array;
  const out = new Float32Array(rows * t * c);
  for (let r = 0; r < rows; r++) for (let i = 0; i < t; i++) for (let j = 0; j < c; j++) out[(r * c + j) * t + i] = d[(r * t + i) * c + j]!;
  return { shape: [rows, c, t], dtype: 'float32', data: out };
}

const CASES: { name: string; graph: () => Graph; calib: (g: Graph) => Value; x: (g: Graph) => Value; weightBits?: number }[] = [
  {
    name: 'har_ncw_norm_cnn (normalisation folded into the padded first Conv: per-channel pad values)',
    graph: () => loadForCli('test/fixtures/onnx/har_ncw_norm_cnn.onnx'),
    calib: (g) => randomInputs(g, 32, 11),
    x: (g) => randomInputs(g, 3, 12),
  },
  {
    name: 'har_ncw_norm_cnn with 4-bit weights (packed: the sub-byte matrix kernels on the gathered patch)',
    graph: () => loadForCli('test/fixtures/onnx/har_ncw_norm_cnn.onnx'),
    calib: (g) => randomInputs(g, 32, 11),
    x: (g) => randomInputs(g, 3, 12),
    weightBits: 4,
  },
  {
    name: 'har-cnn fed channels-first [1, 9, 128]',
    graph: harCnnChannelsFirst,
    calib: () => channelsFirstRows(readNpy('zoo/data/calib_X.npy'), 32),
    x: () => channelsFirstRows(readNpy('zoo/data/test_X.npy'), 2),
  },
  {
    name: 'Conv2d 3x3 stride 2 pad 1, 5 -> 6 channels over a 7x9 channels-first input',
    graph: () => {
      const b = new G(3);
      return b.graph(b.op('Conv', [b.input([1, 5, 7, 9]), b.const([6, 5, 3, 3]), b.const([6])], { pads: [1, 1, 1, 1], strides: [2, 2] }));
    },
    calib: (g) => randomInputs(g, 16, 5),
    x: (g) => randomInputs(g, 3, 6),
  },
  {
    name: 'Conv1d k3 without padding, 4 -> 7 channels, 11 steps',
    graph: () => {
      const b = new G(4);
      return b.graph(b.op('Relu', [b.op('Conv', [b.input([1, 4, 11]), b.const([7, 4, 3]), b.const([7])])]));
    },
    calib: (g) => randomInputs(g, 16, 7),
    x: (g) => randomInputs(g, 3, 8),
  },
];

describe('int8 channels-first input read in place by the first Conv', () => {
  it('the pipeline absorbs the transpose for the reference and portable sets, not for harc', () => {
    const g = loadForCli('test/fixtures/onnx/har_ncw_norm_cnn.onnx');
    const layers = (kernels: string) =>
      runPipeline(g, { prefix: 'cf', precision: { precision: 'int8', calib: randomInputs(g, 8, 3) }, memory: { kernels, target: 'cortex-m4', alignment: 4 } }).layers.map((l) => l.op);
    expect(layers('reference')).toEqual(['Conv', 'Conv', 'ReduceMean', 'Gemm']);
    expect(layers('portable')).toEqual(['Conv', 'Conv', 'ReduceMean', 'Gemm']);
    expect(layers('harc')).toEqual(['Transpose', 'Conv', 'Conv', 'ReduceMean', 'Gemm']);
  });

  it('the transposed copy leaves the arena where the first Conv sets its peak', () => {
    // 16 channels x 64 steps (1,024 B) into 3 channels: with the transpose, the copy and the Conv's
    // output are live together; read in place, only the output (the graph input is outside the arena).
    // 3 output channels: harc's 1-D Conv kernel (≥ 4, its own widened scratch) declines it, so both
    // sets run the same DSP Conv
    const b = new G(9);
    const g = b.graph(b.op('ReduceMean', [b.op('Conv', [b.input([1, 16, 64]), b.const([3, 16, 3]), b.const([3])], { pads: [1, 1] })], { axes: [2], keepdims: 0 }));
    const arena = (kernels: string) =>
      runPipeline(g, { prefix: 'cf', precision: { precision: 'int8', calib: randomInputs(g, 8, 3) }, memory: { kernels, target: 'cortex-m4', alignment: 4 } }).plan.bytes;
    // both run the same DSP Conv, with the same scratch (its widened and gathered patches)
    expect(arena('harc') - arena('portable')).toBe(1024);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const g = c.graph();
      const quant = c.weightBits ? quantizeWithWeightBits(g, c.calib(g), c.weightBits) : quantizeForTest(g, c.calib(g)).quant;
      expect(ops(quant)[0]).toBe('Transpose');
      const absorbed = optimizeQuantizedOnly(quant);
      expect(ops(absorbed)).toEqual(ops(quant).slice(1));
      expect(absorbed.nodes[0]!.inputs[0]).toBe(absorbed.inputs[0]);
      expect(absorbed.nodes[0]!.attrs['x_layout']).toBe('NCHW');
      const x = c.x(g);
      const xq = quantizeInput(quant, x);
      expect(xq.length).toBe(numel(x.shape));
      // the TS reference with the transpose layer is the oracle of the absorbed graph
      const ref = Array.from(referenceBytes(quant, xq));
      expect(Array.from(referenceBytes(absorbed, xq))).toEqual(ref);
      const runs: [string, 'host' | 'cortex-m4' | 'riscv'][] = [
        ['reference', 'host'],
        ['portable', 'host'],
        ['portable', 'cortex-m4'],
        ['harc', 'cortex-m4'],
        ['harc', 'riscv'],
      ];
      for (const [kernels, target] of runs) {
        const model = emitModel(absorbed, { prefix: 'cf', memory: { kernels, target, alignment: 4 } });
        expect(model.layers[0]!.op).toBe('Conv');
        // which path reads the planes: the reference's strided loop, or the gathered patch of the matrix kernels
        const src = model.files['model.c']!;
        expect(src).toContain(kernels === 'reference' || target === 'host' ? 'channels-first, read in place' : 'channel planes');
        if (c.weightBits && kernels !== 'reference') expect(src).toContain('harc_s4_mat');
        const got = Array.from(await runC(absorbed, xq, target, model));
        expect(got, `${kernels} on ${target}`).toEqual(ref);
      }
    }, 600_000);
  }
});
