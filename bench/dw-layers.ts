// Per-layer MAC/cycle of the int8 depthwise kernels on QEMU Cortex-M4 (mps2-an386, -O2): each of
// mobilenet-1d's four depthwise shapes (k 5, pad 2; strides 1 and 2) as a one-layer model with random
// weights, calibrated on random inputs, measured with `--kernels portable` (harc_s8_dw_pixel) and
// `--kernels harc` (harc_s8_dwq_rows). `harc measure` reports cycles per model only, so a one-layer
// model is how a layer's cycles are measured. Run: node --import tsx bench/dw-layers.ts
import { emitModel } from '../src/backends/c/emit-model.ts';
import { table } from '../src/cli/format.ts';
import { measureModel } from '../src/targets/measure.ts';
import { G, quantizeForTest, randomInputs } from '../test/int8/helpers.ts';

const SHAPES = [
  { name: 'blocks.0 dw: 32 ch, 64 long, stride 1', c: 32, w: 64, stride: 1 },
  { name: 'blocks.1 dw: 48 ch, 64 long, stride 2', c: 48, w: 64, stride: 2 },
  { name: 'blocks.2 dw: 72 ch, 32 long, stride 1', c: 72, w: 32, stride: 1 },
  { name: 'blocks.3 dw: 96 ch, 32 long, stride 2', c: 96, w: 32, stride: 2 },
];

const rows: string[][] = [];
for (const [i, s] of SHAPES.entries()) {
  const b = new G(40 + i);
  // channels-last in and out, so the layout pass cancels the transposes and the model is the layer
  const x = b.op('Transpose', [b.input([1, s.w, s.c])], { perm: [0, 2, 1] });
  const y = b.op('Conv', [x, b.const([s.c, 1, 5]), b.const([s.c])], { pads: [2, 2], strides: [s.stride], group: s.c });
  const g = b.graph(b.op('Transpose', [y], { perm: [0, 2, 1] }));
  const { quant } = quantizeForTest(g, randomInputs(g, 16, 50 + i));
  const row = [s.name];
  for (const kernels of ['portable', 'harc']) {
    const m = emitModel(quant, { prefix: 'dw', memory: { kernels, target: 'cortex-m4', alignment: 4 } });
    const r = await measureModel(m, { target: 'cortex-m4' });
    row.push(`${r.instructions.toLocaleString('en-US')} instr, ${r.cyclesEstimate.toLocaleString('en-US')} cyc, ${(r.macs / r.cyclesEstimate).toFixed(3)} MAC/cyc`);
  }
  rows.push(row);
  process.stderr.write(`${s.name}: done\n`);
}
console.log(table(['layer (k 5, pad 2)', 'portable (harc_s8_dw_pixel)', 'harc (harc_s8_dwq_rows)'], rows));
