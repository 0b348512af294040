// The harc column of docs/seeds.md: for the zoo model of each HAR system in the literature, float
// and int8 accuracy / macro-F1 on the full test split (generated C on the host: `harc eval`), the
// int8 drop, and flash / SRAM / estimated cycles of the Cortex-M4 firmware (`harc measure`, QEMU).
// Every figure comes from running the exact `harc` command printed beside it (and stored in the
// results), so one row can be re-checked by pasting its command.
//   node --import tsx bench/seeds.ts                    # every row; writes bench/results/seeds.json
//   node --import tsx bench/seeds.ts har-cnn seq-gru-hapt   # some rows, by id (the others are kept)
//   node --import tsx bench/seeds.ts --data-only        # only write the test/calibration .npy files
//   node --import tsx bench/seeds.ts --table            # only print the tables of bench/results/seeds.json
// Data (generated, not committed): out/seeds/uci-har/test_{X,y}.npy from $HARC_UCI_HAR_DIR, else
// ../shared/data/uci-har (2996 windows); out/hapt/{test_X,test_y,calib_X}.npy from ../shared/data/hapt by
// `zoo/train_hapt.py --write-data out/hapt` (9502 windows of the test subjects).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { table } from '../src/cli/format.ts';
import { encodeNpy } from '../src/ir/npy.ts';
import { repo } from './data.ts';

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const args = process.argv.slice(2);
const dataOnly = args.includes('--data-only');
const tableOnly = args.includes('--table');
const names = args.filter((a) => !a.startsWith('--'));

const UCI_DIR = join('out', 'seeds', 'uci-har');
const HAPT_DIR = join('out', 'hapt');

interface DataSet {
  /** paths relative to the repository root, as they appear in the printed commands */
  x: string;
  y: string;
  calib: string;
  describe: string;
}

const DATA: Record<'uci-har' | 'hapt', DataSet> = {
  'uci-har': { x: join(UCI_DIR, 'test_X.npy'), y: join(UCI_DIR, 'test_y.npy'), calib: join('zoo', 'data', 'calib_X.npy'), describe: 'UCI-HAR test split, 9 subjects, 2996 windows of [128, 9]; calibration zoo/data/calib_X.npy' },
  hapt: { x: join(HAPT_DIR, 'test_X.npy'), y: join(HAPT_DIR, 'test_y.npy'), calib: join(HAPT_DIR, 'calib_X.npy'), describe: 'HAPT test subjects (stride-25 windows of [50, 6], 12 classes); calibration out/hapt/calib_X.npy' },
};

/** The zoo model that stands for each system of docs/seeds.md, in the page's order. */
const ROWS: { id: string; model: string; system: string; data: keyof typeof DATA; weightBits?: number }[] = [
  { id: 'microbi-convlstm', model: 'microbi-convlstm', system: 'MicroBi-ConvLSTM', data: 'uci-har' },
  { id: 'har-cnn', model: 'har-cnn', system: 'Daghero et al. 2022 (1D CNN)', data: 'uci-har' },
  // Daghero et al. store weights in 8, 4 or 2 bits: the same CNN with 4-bit weights (int8 activations)
  { id: 'har-cnn-w4', model: 'har-cnn', system: 'Daghero et al. 2022 (1D CNN), 4-bit weights', data: 'uci-har', weightBits: 4 },
  { id: 'mobilenet-1d', model: 'mobilenet-1d', system: 'SMLDist MobileNetV3 student', data: 'uci-har' },
  { id: 'seq-rnn', model: 'seq-rnn', system: 'Sequence models: SimpleRNN 256-128-64', data: 'uci-har' },
  { id: 'seq-lstm', model: 'seq-lstm', system: 'Sequence models: LSTM 128-64-32', data: 'uci-har' },
  { id: 'seq-gru', model: 'seq-gru', system: 'Sequence models: GRU 128-64-32', data: 'uci-har' },
  { id: 'seq-rnn-hapt', model: 'seq-rnn-hapt', system: 'Sequence models: SimpleRNN 256-128-64', data: 'hapt' },
  { id: 'seq-lstm-hapt', model: 'seq-lstm-hapt', system: 'Sequence models: LSTM 128-64-32', data: 'hapt' },
  { id: 'seq-gru-hapt', model: 'seq-gru-hapt', system: 'Sequence models: GRU 128-64-32', data: 'hapt' },
];

interface ManifestEntry {
  name: string;
  file: string;
  params: number;
  macs: number;
  floatTestAccuracy: number;
  floatTestMacroF1: number;
}
const manifest = (JSON.parse(readFileSync(join(repo, 'zoo', 'manifest.json'), 'utf8')) as { models: ManifestEntry[] }).models;

/** The UCI-HAR test split as .npy (the harc CLI reads .npy; the shared data is raw float32). */
function writeUciData(): void {
  if (existsSync(join(repo, DATA['uci-har'].y))) return;
  const dir = process.env['HARC_UCI_HAR_DIR'] ?? join(repo, '..', 'shared', 'data', 'uci-har');
  if (!existsSync(join(dir, 'X_test.f32'))) throw new Error(`bench/seeds.ts needs the full UCI-HAR test split: no ${dir}/X_test.f32 (set HARC_UCI_HAR_DIR)`);
  const raw = readFileSync(join(dir, 'X_test.f32'));
  const y = new Uint8Array(readFileSync(join(dir, 'y_test.u8')));
  const x = new Float32Array(new Uint8Array(raw).buffer);
  mkdirSync(join(repo, UCI_DIR), { recursive: true });
  writeFileSync(join(repo, DATA['uci-har'].x), encodeNpy({ shape: [y.length, 128, 9], dtype: 'float32', data: x }));
  writeFileSync(join(repo, DATA['uci-har'].y), encodeNpy({ shape: [y.length], dtype: 'uint8', data: y }));
  log(`wrote ${UCI_DIR}/test_{X,y}.npy (${y.length} windows from ${dir})`);
}

function writeHaptData(): void {
  if (existsSync(join(repo, DATA.hapt.calib)) && existsSync(join(repo, DATA.hapt.y))) return;
  log(`writing ${HAPT_DIR} (zoo/train_hapt.py --write-data)`);
  execFileSync('/usr/bin/python3', ['zoo/train_hapt.py', '--write-data', HAPT_DIR], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
}

const harcJson = (argv: string[]): unknown => JSON.parse(execFileSync('node', ['bin/harc.js', ...argv], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }));

interface Metrics {
  accuracy: number;
  macroF1: number;
}
interface Firmware {
  flash: number;
  weights: number;
  sram: number;
  arena: number;
  instructions: number;
  cycles: number;
}
interface Row {
  id: string;
  model: string;
  system: string;
  dataset: string;
  params: number;
  macs: number;
  pytorch: Metrics;
  float: Metrics;
  int8: Metrics;
  int8DropF1pp: number;
  m4Float: Firmware;
  m4Int8: Firmware;
  commands: { eval: string; measureFloat: string; measureInt8: string };
}

function measure(argv: string[]): Firmware {
  const m = harcJson(argv) as { flash: { total: number; weights: number }; sram: { total: number; arena: number }; instructions: number; cyclesEstimate: number };
  return { flash: m.flash.total, weights: m.flash.weights, sram: m.sram.total, arena: m.sram.arena, instructions: m.instructions, cycles: m.cyclesEstimate };
}

function runRow(r: (typeof ROWS)[number]): Row {
  const entry = manifest.find((m) => m.name === r.model);
  if (!entry) throw new Error(`zoo/manifest.json has no entry '${r.model}'`);
  const model = join('zoo', entry.file);
  const d = DATA[r.data];
  const bits = r.weightBits === undefined ? [] : ['--weight-bits', String(r.weightBits)];
  const evalArgs = ['eval', model, '--data', d.x, '--labels', d.y, '--calib', d.calib, ...bits, '--json'];
  const floatArgs = ['measure', model, '--target', 'cortex-m4', '--json'];
  const int8Args = ['measure', model, '--target', 'cortex-m4', '--calib', d.calib, ...bits, '--json'];
  log(`${r.id}: ${evalArgs.join(' ')}`);
  const results = harcJson(evalArgs) as Record<string, Metrics>;
  // with --weight-bits, eval's last column is the sub-byte build (int8 activations)
  const ev = { float: results['float']!, int8: results[Object.keys(results).at(-1)!]! };
  log(`${r.id}: measure float, int8 (cortex-m4)`);
  const m4Float = measure(floatArgs);
  const m4Int8 = measure(int8Args);
  const cmd = (a: string[]): string => `harc ${a.filter((x) => x !== '--json').join(' ')}`;
  return {
    id: r.id,
    model: r.model,
    system: r.system,
    dataset: d.describe,
    params: entry.params,
    macs: entry.macs,
    pytorch: { accuracy: entry.floatTestAccuracy, macroF1: entry.floatTestMacroF1 },
    float: { accuracy: ev.float.accuracy, macroF1: ev.float.macroF1 },
    int8: { accuracy: ev.int8.accuracy, macroF1: ev.int8.macroF1 },
    int8DropF1pp: Number((100 * (ev.float.macroF1 - ev.int8.macroF1)).toFixed(2)),
    m4Float,
    m4Int8,
    commands: { eval: cmd(evalArgs), measureFloat: cmd(floatArgs), measureInt8: cmd(int8Args) },
  };
}

if (!tableOnly) {
  writeUciData();
  writeHaptData();
}
if (dataOnly) process.exit(0);

const unknown = names.filter((n) => !ROWS.some((r) => r.id === n));
if (unknown.length) throw new Error(`unknown row(s) ${unknown.join(', ')}; rows: ${ROWS.map((r) => r.id).join(', ')}`);

// each finished row is merged into the results at once (a long run that stops keeps what it measured;
// rows not run this time are kept), in the page's order
const outFile = join(repo, 'bench', 'results', 'seeds.json');
function save(row: Row): void {
  const previous: Row[] = existsSync(outFile) ? ((JSON.parse(readFileSync(outFile, 'utf8')) as { rows?: Row[] }).rows ?? []) : [];
  const merged = ROWS.map((r) => (r.id === row.id ? row : previous.find((p) => p.id === r.id))).filter((r): r is Row => r !== undefined);
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), machine: cpus()[0]?.model ?? 'unknown', target: 'cortex-m4 (QEMU mps2-an386), -O2', host: 'accuracy: generated C on the host (harc eval)', rows: merged }, null, 1) + '\n');
}
const rows: Row[] = [];
for (const r of tableOnly ? [] : ROWS.filter((x) => names.length === 0 || names.includes(x.id))) {
  const row = runRow(r);
  save(row);
  rows.push(row);
}
if (rows.length) log('wrote bench/results/seeds.json');

const pct = (v: number): string => `${(100 * v).toFixed(2)}`;
const kib = (b: number): string => `${(b / 1024).toFixed(1)}`;
console.log('harc on the zoo model of each seed system (accuracy / F1 in %, full test split, host C; firmware: cortex-m4, -O2)\n');
console.log(
  table(
    ['row', 'data', 'float acc', 'float F1', 'int acc', 'int F1', 'F1 drop pp', 'int flash KiB', 'int SRAM KiB', 'int cycles', 'float flash KiB', 'float SRAM KiB', 'float cycles'],
    rows.map((r) => [r.id, r.dataset.startsWith('HAPT') ? 'HAPT' : 'UCI-HAR', pct(r.float.accuracy), pct(r.float.macroF1), pct(r.int8.accuracy), pct(r.int8.macroF1), r.int8DropF1pp.toFixed(2), kib(r.m4Int8.flash), kib(r.m4Int8.sram), String(r.m4Int8.cycles), kib(r.m4Float.flash), kib(r.m4Float.sram), String(r.m4Float.cycles)]),
  ),
);

// the table of docs/seeds.md, from every row in the results file (this run's and earlier ones)
const all = (JSON.parse(readFileSync(outFile, 'utf8')) as { rows: Row[] }).rows;
const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
console.log('\nMarkdown (docs/seeds.md):\n');
console.log('| row | data | params | float acc / F1 (%) | int acc / F1 (%) | F1 drop (pp) | flash int / float | SRAM int / float | est. cycles int / float (M4) |');
console.log('|---|---|---:|---|---|---:|---|---|---|');
for (const r of all)
  console.log(`| \`${r.id}\` | ${r.dataset.startsWith('HAPT') ? 'HAPT' : 'UCI-HAR'} | ${r.params.toLocaleString('en-US')} | ${pct(r.float.accuracy)} / ${pct(r.float.macroF1)} | ${pct(r.int8.accuracy)} / ${pct(r.int8.macroF1)} | ${r.int8DropF1pp.toFixed(2)} | ${kb(r.m4Int8.flash)} / ${kb(r.m4Float.flash)} | ${kb(r.m4Int8.sram)} / ${kb(r.m4Float.sram)} | ${r.m4Int8.cycles.toLocaleString('en-US')} / ${r.m4Float.cycles.toLocaleString('en-US')} |`);
console.log('\n| row | commands (from the repository root; `harc` is `node bin/harc.js`) |\n|---|---|');
for (const r of all) console.log(`| \`${r.id}\` | \`${r.commands.eval}\`<br>\`${r.commands.measureInt8}\`<br>\`${r.commands.measureFloat}\` |`);
