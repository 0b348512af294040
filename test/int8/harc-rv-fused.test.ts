// @module-tag qemu
// The `harc` set's fused epilogues on the RISC-V path (src/backends/c/lower/int8-opt-epilogue.ts,
// the HARC_INT8_OPT kernels of templates/runtime/harc_int8_fused.h): a HardSwish / Sigmoid / Tanh
// applied as the producing Conv writes (matrix path, harc_s8_dw_rows_opt for 1-D depthwise layers,
// harc_s8_dw_pixel_ep for the other depthwise ones); the SE gate's broadcast Mul and
// residual Adds stay layers on this path (measured slower fused), next to fused tables. The riscv
// model.c must hold the fused layers and give the TypeScript integer reference bytes on QEMU
// RISC-V (rv32imc) and, the same model.c, on the host with -DHARC_INT8_OPT. Odd shapes: channel
// counts not multiples of 4 or 8 (the octet, quad and row blocks of harc_s8_mat2_ep), odd pixel
// counts (the last pixel through harc_s8_mat1_ep), K not a multiple of 4, padding, stride 2,
// a grouped Conv, a clamp before the table, and layers that must stay unfused.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import { firstRows, G, quantizeForTest, quantizeInput, randomInputs, referenceBytes } from './helpers.ts';

const conv = (b: G, x: string, cin: number, cout: number, k: number, attrs: Record<string, number[] | number> = {}): string =>
  b.op('Conv', [x, b.const([cout, cin / (typeof attrs['group'] === 'number' ? attrs['group'] : 1), k]), b.const([cout])], attrs);
const pw = (b: G, x: string, cin: number, cout: number): string => conv(b, x, cin, cout, 1);
/** A Conv's output [1, C, L] (so the layout pass keeps the block channels-last, as in mobilenet-1d) */
const feat = (b: G, c: number, l: number): string => conv(b, b.input([1, 3, l]), 3, c, 3, { pads: [1, 1] });
/** x [1, C, L] -> squeeze-excitation gate [1, C, 1] (GlobalAveragePool, 1x1 Convs, HardSigmoid) */
const gateOf = (b: G, x: string, c: number): string => b.op('HardSigmoid', [pw(b, b.op('Relu', [pw(b, b.op('GlobalAveragePool', [x]), c, 3)]), 3, c)], { alpha: 1 / 6, beta: 0.5 });

interface Case {
  name: string;
  build: (b: G) => string | string[];
  /** the ops that must be gone from the riscv model's layers (fused into a Conv) */
  fused: string[];
  /** the ops that must stay layers of their own */
  kept?: string[];
  /** a kernel call the riscv model.c must hold */
  calls?: RegExp;
}

const CASES: Case[] = [
  { name: 'pointwise 6 -> 13 (octet + quad + row), 13 pixels + HardSwish', fused: ['HardSwish'], build: (b) => b.op('HardSwish', [pw(b, b.input([1, 6, 13]), 6, 13)]) },
  { name: 'k5 pad 2, 7 -> 11, 10 pixels + Sigmoid', fused: ['Sigmoid'], build: (b) => b.op('Sigmoid', [conv(b, b.input([1, 7, 10]), 7, 11, 5, { pads: [2, 2] })]) },
  {
    name: 'k3 stride 2 pad 1, 5 -> 9 + Clip + Tanh',
    fused: ['Tanh'],
    build: (b) => b.op('Tanh', [b.op('Clip', [conv(b, b.input([1, 5, 15]), 5, 9, 3, { pads: [1, 1], strides: [2] }), b.scalar(-0.4), b.scalar(0.7)])]),
  },
  { name: 'single-pixel 1x1 Conv, 11 -> 5 + Sigmoid (mat1)', fused: ['Sigmoid'], build: (b) => b.op('Sigmoid', [pw(b, b.op('GlobalAveragePool', [b.input([1, 11, 9])]), 11, 5)]) },
  { name: 'grouped k3, 6 -> 10 in 2 groups + HardSwish', fused: ['HardSwish'], build: (b) => b.op('HardSwish', [conv(b, b.input([1, 6, 11]), 6, 10, 3, { pads: [1, 1], group: 2 })]) },
  {
    name: 'pointwise -> HardSwish -> depthwise k5 stride 2 (15 channels) -> HardSwish, both fused',
    fused: ['HardSwish', 'HardSwish'],
    calls: /harc_s8_dw_rows_opt\(/,
    build: (b) => {
      const e = b.op('HardSwish', [pw(b, b.input([1, 5, 12]), 5, 15)]);
      return b.op('HardSwish', [conv(b, e, 15, 15, 5, { pads: [2, 2], strides: [2], group: 15 })]);
    },
  },
  {
    name: 'depthwise k3 dilation 2 (harc_s8_dw_pixel_ep), 10 channels, + Tanh',
    fused: ['Tanh'],
    calls: /harc_s8_dw_pixel_ep\(/,
    build: (b) => b.op('Tanh', [conv(b, pw(b, b.input([1, 3, 14]), 3, 10), 10, 10, 3, { pads: [2, 2], dilations: [2], group: 10 })]),
  },
  {
    name: 'depthwise k7 stride 3, asymmetric padding (harc_s8_dw_rows_opt), 9 channels, + HardSwish',
    fused: ['HardSwish'],
    calls: /harc_s8_dw_rows_opt\(/,
    build: (b) => b.op('HardSwish', [conv(b, pw(b, b.input([1, 3, 17]), 3, 9), 9, 9, 7, { pads: [3, 1], strides: [3], group: 9 })]),
  },
  { name: 'SE gate Mul (a layer) before the 1x1 Conv 11 -> 7, gate first, 9 pixels', fused: [], kept: ['Mul'], build: (b) => { const x = feat(b, 11, 9); return pw(b, b.op('Mul', [gateOf(b, x, 11), x]), 11, 7); } },
  {
    name: 'SE gate Mul + Clip (a layer), then a 1x1 Conv with a fused HardSwish, 7 -> 9, 10 pixels',
    fused: ['HardSwish'],
    kept: ['Mul'],
    build: (b) => { const x = feat(b, 7, 10); return b.op('HardSwish', [pw(b, b.op('Clip', [b.op('Mul', [x, gateOf(b, x, 7)]), b.scalar(-0.3), b.scalar(0.4)]), 7, 9)]); },
  },
  { name: 'residual Add(skip, k3 conv), 5 channels, 8 pixels (the Add stays a layer on riscv)', fused: [], kept: ['Add'], build: (b) => { const x = feat(b, 5, 8); return b.op('Add', [x, conv(b, x, 5, 5, 3, { pads: [1, 1] })]); } },
  { name: 'residual Add(conv, skip) + Relu after a fused HardSwish, 12 channels, 11 pixels', fused: ['HardSwish'], kept: ['Add'], build: (b) => { const x = feat(b, 12, 11); return b.op('Relu', [b.op('Add', [b.op('HardSwish', [pw(b, x, 12, 12)]), x])]); } },
  {
    name: 'SE block of mobilenet-1d: gate Mul, project Conv, residual Add (all layers), 9 channels',
    fused: [],
    kept: ['Mul', 'Add'],
    build: (b) => { const x = feat(b, 9, 10); return b.op('Add', [x, pw(b, b.op('Mul', [x, gateOf(b, x, 9)]), 9, 9)]); },
  },
  {
    name: 'Sigmoid on a depthwise Conv, then a residual Add, 6 channels, 7 pixels',
    fused: ['Sigmoid'],
    kept: ['Add'],
    build: (b) => { const x = feat(b, 6, 7); return b.op('Add', [b.op('Sigmoid', [conv(b, x, 6, 6, 3, { pads: [1, 1], group: 6 })]), x]); },
  },
  {
    name: 'Conv output also read by an Add, gated tensor also a graph output (not fused)',
    fused: [],
    kept: ['HardSwish', 'Mul'],
    build: (b) => {
      const x = feat(b, 4, 6);
      const y = pw(b, x, 4, 4);
      const m = b.op('Mul', [x, gateOf(b, x, 4)]);
      return [b.op('Add', [b.op('HardSwish', [y]), y]), pw(b, m, 4, 3), m];
    },
  },
];

const BUILDS: [TargetName, Record<string, boolean> | undefined][] = [
  ['riscv', undefined],
  ['host', { HARC_INT8_OPT: true }],
];

async function run(m: EmittedModel, xq: Int8Array, target: TargetName, defines?: Record<string, boolean>): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'harc-rv-fused-'));
  try {
    await writeModelDir(m, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    const r = await runFirmware({ target, elf, input: new Uint8Array(xq.buffer, xq.byteOffset, xq.byteLength), inputBytes: m.inputBytes, outputBytes: m.outputBytes });
    return Array.from(new Int8Array(r.output.buffer, r.output.byteOffset, r.output.length));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('harc fused epilogues on the RISC-V path == TS reference (QEMU rv32imc, host -DHARC_INT8_OPT)', () => {
  for (const [i, c] of CASES.entries())
    it(c.name, async () => {
      const b = new G(700 + i);
      const g = b.graph(c.build(b));
      const { quant } = quantizeForTest(g, randomInputs(g, 16, 1700 + i));
      const xq = quantizeInput(quant, randomInputs(g, 3, 2700 + i, -3, 3));
      const ref = Array.from(referenceBytes(quant, xq));
      const m = emitModel(quant, { prefix: 'rv', memory: { kernels: 'harc', target: 'riscv', alignment: 4 } });
      const ops = m.layers.map((l) => l.op);
      for (const op of c.fused) expect(ops, `${op} fused`).not.toContain(op);
      for (const op of c.kept ?? []) expect(ops, `${op} kept`).toContain(op);
      const tables = [...m.files['model.c']!.matchAll(/the fused (\w+) table applied/g)].map((x) => x[1]);
      expect(tables.sort()).toEqual(c.fused.filter((op) => op !== 'Mul' && op !== 'Add').sort());
      if (c.calls) expect(m.files['model.c']).toMatch(c.calls);
      if (c.fused.length === 0) expect(m.files['model.c']).not.toMatch(/_ep\(|dw_rows_opt\(/);
      for (const [target, defines] of BUILDS) expect(await run(m, xq, target, defines), `${target}${defines ? ' -DHARC_INT8_OPT' : ''}`).toEqual(ref);
    }, 180_000);
});

describe('zoo mobilenet-1d under --kernels harc on the RISC-V path == TS reference', () => {
  it('real weights and calibration (32 windows), 2 test windows: every HardSwish fused', async () => {
    const g = loadForCli('zoo/models/mobilenet-1d.onnx');
    const per = numel(g.tensors[g.inputs[0]!]!.shape);
    const { quant } = quantizeForTest(g, firstRows(readNpy('zoo/data/calib_X.npy'), 32, per));
    const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 2, per));
    const ref = Array.from(referenceBytes(quant, xq));
    const m = emitModel(quant, { prefix: 'rz', memory: { kernels: 'harc', target: 'riscv', alignment: 4 } });
    const ops = m.layers.map((l) => l.op);
    expect(ops).not.toContain('HardSwish');
    for (const [target, defines] of BUILDS) expect(await run(m, xq, target, defines), target).toEqual(ref);
  }, 300_000);
});
