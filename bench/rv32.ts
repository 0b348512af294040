// The `harc` kernel set on RISC-V rv32imc (QEMU virt, -O2), int8 with the full calibration set, the
// same synthetic input: per zoo model, est. cycles (toolchain timing model), instructions (exact,
// QEMU plugin) and MAC/cycle before and after this path's fused table epilogues (HardSwish /
// Sigmoid / Tanh applied by the producing Conv as it writes; the SE gate Mul and residual Adds stay
// layers on riscv, measured slower fused: src/backends/c/lower/int8-opt-epilogue.ts) and its 1-D
// depthwise kernel channel by channel (int8-dw-rows-opt.ts). "before" is registered here as
// `harc-before`: the set's riscv lowerings as they were before (no epilogue rewrites, the plain
// register-blocked Conv lowering), which is what `--kernels harc` emitted for riscv at commit
// ccaf743 (est. cycles identical: mobilenet-1d 3,409,170 there and in docs/int8-kernels.md). Per op family: instructions per inference and MAC/instruction, so the
// recurrent and depthwise layers' share is visible. Writes bench/results/rv32.json and .md.
// Run: node --import tsx bench/rv32.ts [model ...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSetNamed } from '../src/backends/c/kernels/index.ts';
import { registerKernelSet } from '../src/backends/c/kernels/registry.ts';
import { convQ, hasConstFastWeights } from '../src/backends/c/lower/int8.ts';
import { compileGraph } from '../src/backends/compile.ts';
import { table } from '../src/cli/format.ts';
import { defaultPrefix, loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';
import { measureModel, type Measurement } from '../src/targets/measure.ts';

const repo = join(import.meta.dirname, '..');
const MODELS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['har-cnn', 'microbi-convlstm', 'mobilenet-1d', 'deepconvlstm', 'seq-lstm', 'seq-gru', 'seq-rnn'];
const target = 'riscv';
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));

// "before": the set as it was on riscv before this path's epilogues and depthwise rows: no
// epilogue rewrites, and the register-blocked Conv lowering alone (harc_s8_mat2 / _mat1 /
// harc_s8_dw_pixel), as src/backends/c/kernels/harc.ts had it
const harc = kernelSetNamed('harc')!;
const plainConv = Object.assign(convQ('opt'), { accepts: hasConstFastWeights('opt') });
registerKernelSet({
  ...harc,
  name: 'harc-before',
  summary: 'harc on riscv without its epilogues and depthwise rows (bench/rv32.ts only)',
  int8: (t) => (t === 'riscv' ? { ...harc.int8(t), Conv: plainConv } : harc.int8(t)),
  epilogues: undefined,
});

/** A layer's op family: grouped (depthwise) Convs apart from the other Convs. */
const family = (l: Measurement['layers'][number], graph: { nodes: { name: string; attrs: Record<string, unknown> }[] }): string => {
  const group = graph.nodes.find((n) => n.name === l.name)?.attrs['group'];
  return l.op === 'Conv' && typeof group === 'number' && group > 1 ? 'Conv (grouped/depthwise)' : l.op;
};

interface Run {
  instructions: number;
  cycles: number;
  macPerCycle: number;
  codeBytes: number;
  arenaBytes: number;
  layers: number;
  /** instructions and MACs per op family */
  ops: Record<string, { instructions: number; macs: number }>;
}
interface Row {
  model: string;
  macs: number;
  before: Run;
  after: Run;
}

const rows: Row[] = [];
for (const model of MODELS) {
  const file = join(repo, 'zoo', 'models', `${model}.onnx`);
  const runs: Run[] = [];
  let macs = 0;
  for (const kernels of ['harc-before', 'harc']) {
    const m = compileGraph(loadForCli(file), { prefix: defaultPrefix(file), precision: { precision: 'int8', calib }, memory: { alignment: 4, kernels, target } });
    process.stderr.write(`${model} --kernels ${kernels} (riscv): measuring in QEMU\n`);
    const r = await measureModel(m, { target });
    const ops: Run['ops'] = {};
    for (const l of r.layers) {
      const f = family(l, m.graph);
      ops[f] ??= { instructions: 0, macs: 0 };
      ops[f].instructions += l.instructions;
      ops[f].macs += l.macs;
    }
    macs = r.macs;
    runs.push({ instructions: r.instructions, cycles: r.cyclesEstimate, macPerCycle: r.macs / r.cyclesEstimate, codeBytes: r.flash.code, arenaBytes: r.sram.arena, layers: r.layers.length, ops });
  }
  rows.push({ model, macs, before: runs[0]!, after: runs[1]! });
}

const k = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} K` : String(n));
const head = ['model', 'MACs', 'layers before / after', 'instr before', 'instr after', 'est. cycles before', 'est. cycles after', 'after / before', 'MAC/cycle before', 'MAC/cycle after', 'code B before / after', 'arena B before / after'];
const body = rows.map((r) => [
  r.model,
  k(r.macs),
  `${r.before.layers} / ${r.after.layers}`,
  k(r.before.instructions),
  k(r.after.instructions),
  k(r.before.cycles),
  k(r.after.cycles),
  (r.after.cycles / r.before.cycles).toFixed(3),
  r.before.macPerCycle.toFixed(3),
  r.after.macPerCycle.toFixed(3),
  `${r.before.codeBytes} / ${r.after.codeBytes}`,
  `${r.before.arenaBytes} / ${r.after.arenaBytes}`,
]);
const opHead = ['model', 'op', 'MACs', 'instr before', 'instr after', 'MAC/instr after'];
const opBody = rows.flatMap((r) =>
  [...new Set([...Object.keys(r.before.ops), ...Object.keys(r.after.ops)])].map((op) => {
    const b = r.before.ops[op];
    const a = r.after.ops[op];
    return [r.model, op, b?.macs ?? a?.macs ?? 0, b?.instructions ?? 0, a?.instructions ?? 0, a && a.macs && a.instructions ? (a.macs / a.instructions).toFixed(3) : ''];
  }),
);
console.log(table(head, body));
console.log();
console.log(table(opHead, opBody));

const md = (h: string[], b: (string | number)[][]): string => [`| ${h.join(' | ')} |`, `|${h.map(() => '---').join('|')}|`, ...b.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const out = join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'rv32.json'), JSON.stringify({ target, optLevel: 'O2', models: rows }, null, 1) + '\n');
writeFileSync(
  join(out, 'rv32.md'),
  [
    '# `--kernels harc` on RISC-V rv32imc (QEMU virt, int8, -O2): before / after the fused tables and depthwise rows',
    '',
    'Generated by `node --import tsx bench/rv32.ts`. Est. cycles from the RV32 timing model (toolchain/README.md);',
    '"before" is the set as it was on riscv (commit ccaf743: no epilogues, harc_s8_dw_pixel for depthwise). An op row counts the layers of that op that remain:',
    "after fusion a Conv's row includes the work of the table activations it absorbed (HardSwish / Sigmoid / Tanh),",
    'which then have no row of their own. The SE gate Mul and residual Adds are not fused on riscv (docs/int8-kernels.md).',
    '',
    md(head, body),
    '',
    '## Per op (instructions per inference)',
    '',
    md(opHead, opBody),
    '',
  ].join('\n'),
);
