// The zoo's sub-byte quantization-aware models (zoo/train.py --qat-bits, issue 12) are exported
// with every weight on its 4- or 2-bit grid; harc's grid detection (src/passes/subbyte-ptq.ts)
// must find that grid and keep the weights exact, including the first Conv, whose weights harc
// quantizes after folding the input normalisation and the raw input's per-channel scales into
// them. The float model, quantized post-training the same way, is the control: its weights move.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPrecision } from '../../src/backends/precision.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import type { Graph } from '../../src/ir/types.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { isWeightedNode, type WeightBitsSpec } from '../../src/passes/weight-bits.ts';

interface ZooEntry {
  name: string;
  file: string;
  baseModel?: string;
  weightBits?: Record<string, number>;
}

const manifest = JSON.parse(readFileSync('zoo/manifest.json', 'utf8')) as { models: ZooEntry[] };
const qatModels = manifest.models.filter((m) => m.weightBits && existsSync(`zoo/${m.file}`));

const specOf = (bits: Record<string, number>): WeightBitsSpec => ({
  default: bits['default'] as 8 | 4 | 2,
  rules: Object.entries(bits)
    .filter(([k]) => k !== 'default')
    .map(([pattern, b]) => ({ pattern, bits: b as 8 | 4 | 2 })),
});

/** Per sub-byte weight tensor (W and R of recurrent layers too): max |scale·q − w| / max |w|, with
 * w the float weight as harc quantizes it (per-channel input scales folded in). */
function subByteWeightErrors(float: Graph, quant: Graph): Record<string, number> {
  const errors: Record<string, number> = {};
  const floatNodes = new Map(float.nodes.map((n) => [n.name, n]));
  for (const node of quant.nodes.filter(isWeightedNode)) {
    const fnode = floatNodes.get(node.name)!;
    const inScales = quant.tensors[node.inputs[0]!]?.quant?.scale ?? [1];
    for (const idx of node.op === 'LSTM' || node.op === 'GRU' || node.op === 'RNN' ? [1, 2] : [1]) {
      const q = quant.tensors[node.inputs[idx]!]!;
      if ((q.quant?.bits ?? 8) >= 8) continue;
      const w = Float32Array.from(float.tensors[fnode.inputs[idx]!]!.data as ArrayLike<number>);
      const shape = q.shape;
      const last = shape[shape.length - 1]!;
      if (idx === 1 && inScales.length > 1) for (let i = 0; i < w.length; i++) w[i] = Math.fround(w[i]! * inScales[i % last]!);
      const scales = q.quant!.scale;
      const lastAxis = q.quant!.axis === shape.length - 1 && q.quant!.axis !== 0;
      const channelOf = (i: number): number => (lastAxis ? i % scales.length : Math.floor(i / (w.length / scales.length)));
      const values = q.data as ArrayLike<number>;
      let maxErr = 0;
      let maxW = 0;
      for (let i = 0; i < w.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(scales[channelOf(i)]! * values[i]! - w[i]!));
        maxW = Math.max(maxW, Math.abs(w[i]!));
      }
      errors[`${node.name}[${idx}]`] = maxErr / maxW;
    }
  }
  return errors;
}

describe('sub-byte QAT zoo models: harc keeps their weights on the trained grid', () => {
  const calib = readNpy('zoo/data/calib_X.npy');
  for (const m of qatModels) {
    it(`${m.name} (${JSON.stringify(m.weightBits)})`, () => {
      const weightBits = specOf(m.weightBits!);
      const qatFloat = optimize(loadForCli(`zoo/${m.file}`));
      const errors = subByteWeightErrors(qatFloat, applyPrecision(qatFloat, { precision: 'int8', calib, weightBits }).graph);
      expect(Object.keys(errors).length).toBeGreaterThan(0);
      for (const [layer, e] of Object.entries(errors)) expect(e, layer).toBeLessThan(1e-5);
      // control: the float model's weights, quantized post-training, are not on a grid
      const baseFile = `zoo/models/${m.baseModel}.onnx`;
      if (!existsSync(baseFile)) return;
      const base = optimize(loadForCli(baseFile));
      const ptq = subByteWeightErrors(base, applyPrecision(base, { precision: 'int8', calib, weightBits }).graph);
      expect(Math.max(...Object.values(ptq))).toBeGreaterThan(1e-3);
    }, 120_000);
  }
});

// mobilenet-1d-w4: the QAT wrapper snaps the depthwise convs and the squeeze-excitation 1x1 convs
// (which sit outside any nn.Sequential) as well; every one of its weighted layers must be 4-bit on
// its grid, not only the ones a Conv+BN walk finds.
describe('mobilenet-1d-w4: depthwise and squeeze-excitation weights on the trained grid', () => {
  it('every Conv (depthwise, SE fc1/fc2) and the Gemm are 4-bit and exact', () => {
    const entry = manifest.models.find((m) => m.name === 'mobilenet-1d-w4');
    expect(entry?.weightBits).toEqual({ default: 4 });
    const float = optimize(loadForCli(`zoo/${entry!.file}`));
    const errors = subByteWeightErrors(float, applyPrecision(float, { precision: 'int8', calib: readNpy('zoo/data/calib_X.npy'), weightBits: { default: 4 } }).graph);
    const weighted = float.nodes.filter(isWeightedNode);
    expect(Object.keys(errors).sort()).toEqual(weighted.map((n) => `${n.name}[1]`).sort());
    const depthwise = weighted.filter((n) => n.op === 'Conv' && Number(n.attrs['group'] ?? 1) > 1);
    expect(depthwise.length).toBe(4);
    expect(weighted.filter((n) => /\/fc[12]\//.test(n.name)).length).toBe(8);
    for (const [layer, e] of Object.entries(errors)) expect(e, layer).toBeLessThan(1e-5);
  }, 120_000);
});
