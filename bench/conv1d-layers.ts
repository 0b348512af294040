// Per-layer MAC/cycle of the int8 1-D Conv kernels on QEMU Cortex-M4 (mps2-an386, -O2): each of
// har-cnn's three Conv shapes (k 5 / 5 / 3, 'same' padding, stride 1, + Relu) as a one-layer model with random
// weights, calibrated on random inputs, measured with `--kernels portable` (harc_s8_mat2, what
// `harc` ran before harc_s8_conv1d), `--kernels harc` (harc_s8_conv1d) and `--kernels cmsis-nn`
// (arm_convolve_wrapper_s8; CMSIS-NN from CMSIS_NN_PATH or ../shared/third_party/CMSIS-NN).
// `harc measure` reports cycles per model only, so a one-layer model is how a layer's cycles are
// measured (its cycles include the model's call glue, ~100). Run: node --import tsx bench/conv1d-layers.ts
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { emitModel } from '../src/backends/c/emit-model.ts';
import { table } from '../src/cli/format.ts';
import { measureModel } from '../src/targets/measure.ts';
import { calibrate } from '../src/planning/calibrate.ts';
import { optimize } from '../src/passes/pipeline.ts';
import { quantizeGraph } from '../src/passes/quantize.ts';
import { G, randomInputs, splitRows } from '../test/int8/helpers.ts';

const repo = join(import.meta.dirname, '..');
const cmsisNn = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')].find(
  (d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')),
);
if (cmsisNn) process.env['CMSIS_NN_PATH'] = cmsisNn;

// features.0 reads the graph input, quantized per channel as in har-cnn (CMSIS-NN declines it: harc's
// harc_s8_mat2 runs it in the cmsis-nn set); the others read a per-tensor activation
const SHAPES = [
  { name: 'features.0: 9 -> 24 ch, k 5, 128 long', cin: 9, cout: 24, w: 128, k: 5, perChannelInput: true },
  { name: 'features.2: 24 -> 48 ch, k 5, 64 long', cin: 24, cout: 48, w: 64, k: 5, perChannelInput: false },
  { name: 'features.4: 48 -> 64 ch, k 3, 32 long', cin: 48, cout: 64, w: 32, k: 3, perChannelInput: false },
];
const SETS = ['portable', 'harc', ...(cmsisNn ? ['cmsis-nn'] : [])];

const rows: string[][] = [];
for (const [i, s] of SHAPES.entries()) {
  const b = new G(60 + i);
  // channels-last in and out, so the layout pass cancels the transposes and the model is the layer
  const x = b.op('Transpose', [b.input([1, s.w, s.cin])], { perm: [0, 2, 1] });
  const y = b.op('Relu', [b.op('Conv', [x, b.const([s.cout, s.cin, s.k]), b.const([s.cout])], { pads: [(s.k - 1) / 2, (s.k - 1) / 2] })]);
  const float = optimize(b.graph(b.op('Transpose', [y], { perm: [0, 2, 1] })));
  const calib = calibrate(float, splitRows(randomInputs(float, 16, 70 + i), float.tensors[float.inputs[0]!]!.shape), { method: 'minmax' });
  const quant = quantizeGraph(float, calib, { perChannelInput: s.perChannelInput });
  const row = [s.name];
  for (const kernels of SETS) {
    const m = emitModel(quant, { prefix: 'c1', memory: { kernels, target: 'cortex-m4', alignment: 4 } });
    const r = await measureModel(m, { target: 'cortex-m4' });
    row.push(`${r.instructions.toLocaleString('en-US')} instr, ${r.cyclesEstimate.toLocaleString('en-US')} cyc, ${(r.macs / r.cyclesEstimate).toFixed(3)} MAC/cyc, arena ${r.sram.arena} B`);
  }
  rows.push(row);
  process.stderr.write(`${s.name}: done\n`);
}
console.log(table(['layer (same padding, + Relu)', ...SETS.map((k) => `--kernels ${k}`)], rows));
