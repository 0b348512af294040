// harc's kernels against CMSIS-NN's, per zoo model and per layer, on QEMU Cortex-M4 (mps2-an386),
// int8 with the full calibration set, -O2, the same synthetic input: instructions (exact, QEMU
// plugin), est. cycles (toolchain timing model), code bytes and scratch for `--kernels harc` and
// `--kernels cmsis-nn` (CMSIS-NN from CMSIS_NN_PATH or ../shared/third_party/CMSIS-NN), their
// ratio, MAC/cycle and the % of the SMLAD limit (2 MACs per cycle: MACs / 2 cycles).
// Per layer: instructions and the layer function's code; cycles are estimated per model only (the
// instruction-class counts are per run). A CMSIS-NN layer's code is a call: the library's code is
// in the model's code bytes. Writes bench/results/kernels.json and .md.
// Run: node --import tsx bench/kernels.ts [model ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runsInCmsisNn } from '../src/backends/c/kernels/cmsis-nn.ts';
import { compileGraph } from '../src/backends/compile.ts';
import { measureModel, type Measurement } from '../src/targets/measure.ts';
import type { EmittedModel } from '../src/backends/c/emit-model.ts';
import { table } from '../src/cli/format.ts';
import { defaultPrefix, loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';

const repo = join(import.meta.dirname, '..');
const cmsisNn = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')].find(
  (d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')),
);
if (!cmsisNn) {
  console.error('bench/kernels.ts: CMSIS-NN not found: set CMSIS_NN_PATH');
  process.exit(3);
}
process.env['CMSIS_NN_PATH'] = cmsisNn;

const MODELS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['har-cnn', 'microbi-convlstm', 'mobilenet-1d', 'deepconvlstm', 'seq-lstm', 'seq-gru', 'seq-rnn'];
const SETS = ['harc', 'cmsis-nn'] as const;
const target = 'cortex-m4';
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));

interface SetRun {
  instructions: number;
  cycles: number;
  codeBytes: number;
  arenaBytes: number;
  macPerCycle: number;
  smladPercent: number;
}
interface LayerRow {
  index: number;
  name: string;
  op: string;
  macs: number;
  runsIn: 'cmsis-nn' | 'harc';
  harc: { instructions: number; codeBytes: number; scratchBytes: number };
  cmsisNn: { instructions: number; codeBytes: number; scratchBytes: number };
  ratio: number;
}
interface ModelRow {
  model: string;
  macs: number;
  harc: SetRun;
  cmsisNn: SetRun;
  /** harc / cmsis-nn est. cycles (the goal: ≤ 0.4) */
  cycleRatio: number;
  layers: LayerRow[];
}

const scratchOf = (m: EmittedModel, name: string): number => {
  const step = m.plan.schedule.indexOf(name);
  return m.plan.buffers.filter((b) => b.scratchOf === step).reduce((s, b) => s + b.bytes, 0);
};
const setRun = (r: Measurement): SetRun => ({
  instructions: r.instructions,
  cycles: r.cyclesEstimate,
  codeBytes: r.flash.code,
  arenaBytes: r.sram.arena,
  macPerCycle: r.macs / r.cyclesEstimate,
  smladPercent: (100 * (r.macs / 2)) / r.cyclesEstimate,
});

const rows: ModelRow[] = [];
for (const model of MODELS) {
  const file = join(repo, 'zoo', 'models', `${model}.onnx`);
  const built: Record<string, { m: EmittedModel; r: Measurement }> = {};
  for (const kernels of SETS) {
    const m = compileGraph(loadForCli(file), { prefix: defaultPrefix(file), precision: { precision: 'int8', calib }, memory: { alignment: 4, kernels, target } });
    process.stderr.write(`${model} --kernels ${kernels}: measuring in QEMU\n`);
    built[kernels] = { m, r: await measureModel(m, { target }) };
  }
  const h = built['harc']!;
  const c = built['cmsis-nn']!;
  const layers: LayerRow[] = h.r.layers.map((hl) => {
    const cl = c.r.layers.find((l) => l.name === hl.name)!;
    const node = c.m.graph.nodes.find((n) => n.name === hl.name)!;
    return {
      index: hl.index,
      name: hl.name,
      op: hl.op,
      macs: hl.macs,
      runsIn: runsInCmsisNn(c.m.graph, node) ? 'cmsis-nn' : 'harc',
      harc: { instructions: hl.instructions, codeBytes: hl.codeBytes, scratchBytes: scratchOf(h.m, hl.name) },
      cmsisNn: { instructions: cl?.instructions ?? 0, codeBytes: cl?.codeBytes ?? 0, scratchBytes: scratchOf(c.m, hl.name) },
      ratio: cl?.instructions ? hl.instructions / cl.instructions : NaN,
    };
  });
  rows.push({ model, macs: h.r.macs, harc: setRun(h.r), cmsisNn: setRun(c.r), cycleRatio: h.r.cyclesEstimate / c.r.cyclesEstimate, layers });
}

const k = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} K` : String(n));
const summaryHead = ['model', 'MACs', 'harc instr', 'harc est. cycles', 'CMSIS-NN instr', 'CMSIS-NN est. cycles', 'harc / CMSIS-NN cycles', 'harc MAC/cycle', 'CMSIS-NN MAC/cycle', 'harc % SMLAD limit', 'CMSIS-NN % SMLAD limit', 'code B harc / CMSIS-NN', 'arena B harc / CMSIS-NN'];
const summary = rows.map((r) => [
  r.model,
  k(r.macs),
  k(r.harc.instructions),
  k(r.harc.cycles),
  k(r.cmsisNn.instructions),
  k(r.cmsisNn.cycles),
  r.cycleRatio.toFixed(2),
  r.harc.macPerCycle.toFixed(3),
  r.cmsisNn.macPerCycle.toFixed(3),
  `${r.harc.smladPercent.toFixed(0)}%`,
  `${r.cmsisNn.smladPercent.toFixed(0)}%`,
  `${r.harc.codeBytes} / ${r.cmsisNn.codeBytes}`,
  `${r.harc.arenaBytes} / ${r.cmsisNn.arenaBytes}`,
]);
const layerHead = ['model', '#', 'layer', 'op', 'MACs', 'runs in', 'harc instr', 'CMSIS-NN instr', 'harc / CMSIS-NN', 'harc MAC/instr', 'code B harc / CMSIS-NN', 'scratch B harc / CMSIS-NN'];
const layerRows = rows.flatMap((r) =>
  r.layers.map((l) => [
    r.model,
    String(l.index),
    l.name,
    l.op,
    l.macs,
    l.runsIn,
    l.harc.instructions,
    l.cmsisNn.instructions,
    Number.isFinite(l.ratio) ? l.ratio.toFixed(2) : '',
    l.macs && l.harc.instructions ? (l.macs / l.harc.instructions).toFixed(2) : '',
    `${l.harc.codeBytes} / ${l.cmsisNn.codeBytes}`,
    `${l.harc.scratchBytes} / ${l.cmsisNn.scratchBytes}`,
  ]),
);
console.log(table(summaryHead, summary));
console.log();
console.log(table(layerHead, layerRows));

const md = (head: string[], body: (string | number)[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const out = join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'kernels.json'), JSON.stringify({ target, optLevel: 'O2', cmsisNn: 'ARM-software/CMSIS-NN (../shared/third_party/README.md)', models: rows }, null, 1) + '\n');
writeFileSync(
  join(out, 'kernels.md'),
  [
    '# harc kernels vs CMSIS-NN (QEMU mps2-an386 Cortex-M4, int8, -O2)',
    '',
    'Generated by `node --import tsx bench/kernels.ts`. Est. cycles from the instruction-class timing model',
    '(toolchain/README.md); SMLAD limit = MACs / 2 cycles. `--kernels cmsis-nn` runs in CMSIS-NN the layers it',
    "can (column 'runs in'), the rest in harc's kernels; per-layer code is the layer function (CMSIS-NN's",
    "library code is counted in the model's code bytes only). Under `--kernels harc` a Conv may absorb the layer",
    'after it (a HardSwish / Sigmoid / Tanh table, the SE gate Mul, a residual Add; docs/int8-kernels.md): its harc',
    "row then includes the absorbed layers' work, which have no row of their own, while its CMSIS-NN column is",
    'that Conv alone; compare such blocks by their sum, or the models by their totals.',
    '',
    md(summaryHead, summary),
    '',
    '## Per layer (instructions per inference)',
    '',
    md(layerHead, layerRows),
    '',
  ].join('\n'),
);
