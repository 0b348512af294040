// ONNX QDQ fixtures (test/fixtures/make_qdq_fixtures.py, PyTorch QAT exports) against
// onnxruntime-node. onnxruntime runs float between each DequantizeLinear and QuantizeLinear, harc
// the integer kernels with the same scales and zero points: every output is allowed one
// quantization step of difference, and the test prints how many elements differ.
import { describe, expect, it } from 'vitest';
import { loadForCli } from '../../src/cli/model-input.ts';
import { numel } from '../../src/ir/shape.ts';
import * as ort from 'onnxruntime-node';
import { quantizeInput, randomInputs, referenceBytes } from '../int8/helpers.ts';
import { QDQ_FIXTURES } from './fixtures.ts';

describe('ONNX QDQ: harc within one quantization step of onnxruntime', () => {
  for (const file of QDQ_FIXTURES) {
    it(file.split('/').pop()!, async () => {
      const g = loadForCli(file);
      expect(g.nodes.some((n) => n.op === 'QuantizeLinear' || n.op === 'DequantizeLinear')).toBe(false);
      const conv = g.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.op));
      expect(conv.length).toBeGreaterThan(0);
      expect(conv.every((n) => g.tensors[n.outputs[0]!]!.dtype === 'int8' && g.tensors[n.inputs[1]!]!.dtype === 'int8')).toBe(true);
      const inShape = g.tensors[g.inputs[0]!]!.shape;
      const n = 64;
      const x = randomInputs(g, n, 7);
      const xq = quantizeInput(g, x);
      const got = referenceBytes(g, xq);
      const out = g.tensors[g.outputs[0]!]!;
      const per = numel(out.shape);
      const [s, z] = [out.quant!.scale[0]!, out.quant!.zeroPoint[0]!];
      // graph optimizations off: onnxruntime would otherwise fuse the pairs into its own QLinear
      // kernels; the oracle is the graph as written (float between DequantizeLinear and QuantizeLinear)
      const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
      let differ = 0;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const data = (x.data as Float32Array).slice(i * numel(inShape), (i + 1) * numel(inShape));
        const ref = Object.values(await session.run({ x: new ort.Tensor('float32', data, inShape) }))[0]!.data as Float32Array;
        for (let j = 0; j < per; j++) {
          const steps = Math.abs((got[i * per + j]! - z) - ref[j]! / s);
          worst = Math.max(worst, steps);
          if (steps > 1e-3) differ++;
        }
      }
      console.log(`${file.split('/').pop()}: ${differ} of ${n * per} output elements differ from onnxruntime (largest ${worst.toFixed(3)} steps)`);
      expect(worst).toBeLessThanOrEqual(1 + 1e-3);
    }, 60_000);
  }
});
