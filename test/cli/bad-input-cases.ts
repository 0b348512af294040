import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import onnxProto from 'onnx-proto';
import { encodeNpy } from '../../src/ir/npy.ts';

// The bad-input table: every case runs the real CLI in a workspace of small files (paths relative,
// so messages are the same on every machine). test/cli/bad-input.test.ts asserts each case and that
// docs/errors.md is this table; `npm run docs:errors` rewrites that file.

export const repo = join(import.meta.dirname, '..', '..');

export interface BadInputCase {
  /** What the user did wrong. */
  what: string;
  args: string[];
  exit: number;
  /** A fragment the first line of stderr must contain. */
  says: string;
  /** Paths (relative to the workspace) the command is expected to create; nothing else may change. */
  writes?: string[];
}

const f32 = (values: number[]) => ({ base64: Buffer.from(new Float32Array(values).buffer).toString('base64') });
const graph = (name: string, tensors: object[], nodes: object[], extra: object = {}) => ({ format: 'harc-graph', version: 1, name, inputs: ['x'], outputs: ['y'], tensors, nodes, ...extra });
const addGraph = (name: string, w: object, extra: object = {}) =>
  graph(name, [{ name: 'x', shape: [1, 4], dtype: 'float32' }, { name: 'w', shape: [4], dtype: 'float32', data: w }], [{ name: 'add', op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], extra);

/** Writes the workspace: models, data and the user's own files the cases must not touch. */
export function prepareWorkspace(dir: string): void {
  const json = (name: string, obj: unknown) => writeFileSync(join(dir, name), JSON.stringify(obj));
  const npy = (name: string, shape: number[], dtype: 'float32' | 'int64', fill: (i: number) => number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = dtype === 'float32' ? Float32Array.from({ length: n }, (_, i) => fill(i)) : Float64Array.from({ length: n }, (_, i) => fill(i));
    writeFileSync(join(dir, name), encodeNpy({ shape, dtype, data }));
  };
  copyFileSync(join(repo, 'test', 'fixtures', 'onnx', 'mlp.onnx'), join(dir, 'mlp.onnx'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(join(dir, 'mlp.onnx'), join(dir, 'models', 'mlp.onnx'));
  // the same model with a symbolic batch dimension, as exporters write it with dynamic_axes
  const { onnx } = onnxProto;
  const m = onnx.ModelProto.decode(readFileSync(join(dir, 'mlp.onnx')));
  m.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'batch' });
  writeFileSync(join(dir, 'dynamic-batch.onnx'), onnx.ModelProto.encode(m).finish());
  json('nan.json', addGraph('nan', f32([1, NaN, 2, Infinity])));
  json('huge.json', graph('huge', [{ name: 'x', shape: [1, 1_000_000_000, 9], dtype: 'float32' }], [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['y'] }]));
  json('escape.json', addGraph('escape', { offset: 0, bytes: 16 }, { weightsFile: '../../../../etc/passwd' }));
  json('absolute.json', addGraph('absolute', { offset: 0, bytes: 16 }, { weightsFile: '/etc/passwd' }));
  // 1.2 MB of weights: more than the 1 MiB flash of an nRF52840
  json('big.json', graph('big', [{ name: 'x', shape: [1, 1000], dtype: 'float32' }, { name: 'w', shape: [1000, 300], dtype: 'float32', data: f32(new Array(300_000).fill(0.01)) }], [{ name: 'mm', op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }]));
  json('control.json', graph('control', [{ name: 'x', shape: [1, 4], dtype: 'float32' }], [{ name: 'evil\u001b[2J\u001b[H', op: 'FancyOp', inputs: ['x'], outputs: ['y'] }]));
  npy('calib.npy', [4, 64], 'float32', (i) => Math.sin(i));
  npy('calib-wrong-shape.npy', [4, 32, 2], 'float32', (i) => Math.sin(i)); // 64 values a window, but not [N, 64]
  npy('x.npy', [8, 64], 'float32', (i) => Math.sin(i));
  npy('labels-out-of-range.npy', [8], 'int64', (i) => (i === 5 ? 9 : i % 6));
  npy('labels.npy', [8], 'int64', (i) => i % 6);
  npy('labels-too-few.npy', [7], 'int64', (i) => i % 6);
  npy('labels-float.npy', [8], 'float32', (i) => i % 6);
  // the outputs of two harc sweep shards of different targets (harc sweep merge refuses them)
  for (const [d, target] of [['sweep-m4', 'cortex-m4'], ['sweep-rv', 'riscv']] as const) {
    mkdirSync(join(dir, d));
    json(join(d, 'sweep.json'), { harc: 'sweep', model: 'mlp.onnx', modelSha256: 'a', target, strategy: 'exhaustive', bits: [8, 4], layers: ['fc'], seed: 1, max: null, sweepKey: target, candidates: 2, shard: '1/2' });
    writeFileSync(join(dir, d, 'results.jsonl'), '');
  }
  // the user's own files
  mkdirSync(join(dir, 'project', 'src'), { recursive: true });
  writeFileSync(join(dir, 'project', 'notes.txt'), 'my notes\n');
  writeFileSync(join(dir, 'project', 'src', 'main.c'), 'int main(void) { return 0; }\n');
  writeFileSync(join(dir, 'notes.txt'), 'keep me\n');
  mkdirSync(join(dir, 'harc-out'));
  writeFileSync(join(dir, 'harc-out', '.harc-output'), 'This directory was written by harc compile, which replaces it on the next compile to it.\nmodel.h\n');
  writeFileSync(join(dir, 'harc-out', 'model.h'), '/* generated */\n');
  writeFileSync(join(dir, 'harc-out', 'mine.c'), '/* the user added this */\n');
}

const budget = ['--max-flash', '1MiB'];

export const CASES: BadInputCase[] = [
  // usage
  { what: 'unknown command', args: ['compiel', 'mlp.onnx'], exit: 2, says: 'Did you mean compile?' },
  { what: 'unknown option', args: ['inspect', 'mlp.onnx', '--bogus'], exit: 2, says: 'Unknown argument: bogus' },
  { what: 'no -o for compile', args: ['compile', 'mlp.onnx'], exit: 2, says: 'Missing required argument: out' },
  { what: 'no --input for run', args: ['run', 'mlp.onnx'], exit: 2, says: 'Missing required argument: input' },
  { what: 'unknown target', args: ['compile', 'mlp.onnx', '--target', 'esp32', '-o', 'out'], exit: 2, says: 'Invalid values' },
  { what: 'unknown board', args: ['check', 'mlp.onnx', '--board', 'esp32', ...budget], exit: 2, says: "--board esp32: unknown board 'esp32'" },
  { what: 'board of another target', args: ['check', 'mlp.onnx', '--target', 'riscv', '--board', 'mps2-an386', ...budget], exit: 2, says: 'is a cortex-m4 board, not riscv' },
  { what: 'measuring the host', args: ['check', 'mlp.onnx', '--target', 'host', ...budget], exit: 2, says: 'only a microcontroller target can be measured' },
  { what: 'a size with an unknown unit', args: ['check', 'mlp.onnx', '--max-flash', '12 parsecs'], exit: 2, says: "--max-flash '12 parsecs': expected a size" },
  { what: 'a size in exponent notation', args: ['check', 'mlp.onnx', '--max-flash', '1e3'], exit: 2, says: "--max-flash '1e3': expected a size" },
  { what: 'an empty size', args: ['check', 'mlp.onnx', '--max-sram', ''], exit: 2, says: "--max-sram '': expected a size" },
  { what: 'a lower-case k (kilobit? kibibyte?)', args: ['check', 'mlp.onnx', '--max-sram', '64k'], exit: 2, says: "--max-sram '64k': expected a size" },
  { what: 'cycles that are not a number', args: ['check', 'mlp.onnx', '--max-cycles', 'abc'], exit: 2, says: "--max-cycles 'abc': expected a whole number" },
  { what: 'cycles in exponent notation', args: ['check', 'mlp.onnx', '--max-cycles', '1e6'], exit: 2, says: "--max-cycles '1e6': expected a whole number" },
  { what: 'check without a budget', args: ['check', 'mlp.onnx'], exit: 2, says: 'harc check needs a budget' },
  { what: 'zero calibration samples', args: ['inspect', 'mlp.onnx', '--calib', 'calib.npy', '--calib-samples', '0'], exit: 2, says: "--calib-samples '0'" },
  { what: 'an alignment that is not a power of two', args: ['inspect', 'mlp.onnx', '--align', '3'], exit: 2, says: '--align 3: expected a power of two' },
  { what: 'int8 without calibration data', args: ['compile', 'mlp.onnx', '--precision', 'int8', '-o', 'out'], exit: 2, says: '--precision int8 needs calibration data' },
  { what: 'eval of int8 without calibration data', args: ['eval', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels.npy', '--precision', 'int8'], exit: 2, says: '--precision int8 needs calibration data' },
  { what: 'more -o files than model outputs', args: ['run', 'mlp.onnx', '-i', 'x.npy', '-o', 'a.npy', '-o', 'b.npy'], exit: 2, says: '2 -o files for 1 model output(s) (output)' },
  { what: 'a malformed --const', args: ['inspect', 'mlp.onnx', '--const', 'weights'], exit: 2, says: "--const 'weights': expected NAME=FILE.npy" },
  { what: 'a missing model file', args: ['inspect', 'nope.onnx'], exit: 2, says: 'nope.onnx: cannot read file' },
  { what: 'a model of an unknown format', args: ['inspect', 'notes.txt'], exit: 2, says: "unknown model format '.txt'" },
  // the user's files
  { what: '-o is a directory of the user', args: ['compile', 'mlp.onnx', '-o', 'project'], exit: 2, says: 'the directory holds files harc did not write' },
  { what: '-o is the working directory', args: ['compile', 'mlp.onnx', '-o', '.'], exit: 2, says: 'will not write to one that holds the working directory' },
  { what: '-o is the working directory, with --force', args: ['compile', 'mlp.onnx', '-o', '.', '--force'], exit: 2, says: 'will not write to one that holds the working directory' },
  { what: '-o holds the model, with --force', args: ['compile', 'models/mlp.onnx', '-o', 'models', '--force'], exit: 2, says: 'will not write to one that holds the input models/mlp.onnx' },
  { what: '-o is an existing file', args: ['compile', 'mlp.onnx', '-o', 'notes.txt'], exit: 2, says: '-o notes.txt: is an existing file' },
  { what: "a file was added to harc's output directory", args: ['compile', 'mlp.onnx', '-o', 'harc-out'], exit: 2, says: "files were added to harc's output directory ('mine.c')" },
  { what: 'an empty -o', args: ['compile', 'mlp.onnx', '-o', ''], exit: 2, says: '-o: give an output directory' },
  { what: '-o under /proc', args: ['compile', 'mlp.onnx', '-o', '/proc/harc-out'], exit: 2, says: 'cannot write /proc/harc-out' },
  { what: '--report under /proc', args: ['check', 'mlp.onnx', ...budget, '--report', '/proc/harc/report.json'], exit: 2, says: 'cannot write /proc/harc/report.json' },
  { what: '--svg inside a file', args: ['inspect', 'mlp.onnx', '--svg', 'notes.txt/arena.svg'], exit: 2, says: 'cannot write notes.txt/arena.svg: notes.txt is not a directory' },
  { what: '--save-json onto a directory', args: ['compile', 'mlp.onnx', '-o', 'out', '--save-json', 'project'], exit: 2, says: 'cannot write --save-json project: is a directory' },
  { what: 'run -o onto a directory', args: ['run', 'mlp.onnx', '-i', 'x.npy', '-o', 'project'], exit: 2, says: 'cannot write -o project: is a directory' },
  { what: 'convert -o under /proc', args: ['convert', 'mlp.onnx', '-o', '/proc/harc.json'], exit: 2, says: 'cannot write /proc/harc.json' },
  // bad data
  { what: 'calibration windows of the wrong shape', args: ['inspect', 'mlp.onnx', '--precision', 'int8', '--calib', 'calib-wrong-shape.npy'], exit: 2, says: 'does not match the model input [1,64]' },
  { what: 'a label outside the classes', args: ['eval', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels-out-of-range.npy'], exit: 2, says: "label 9 at index 5 is outside the model's 6 classes" },
  { what: 'fewer labels than inputs', args: ['eval', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels-too-few.npy'], exit: 2, says: 'has 7 labels but --data x.npy holds 8 inputs' },
  { what: 'labels that are not integers', args: ['eval', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels-float.npy'], exit: 2, says: 'labels must be integer class indices' },
  { what: 'a tensor too large for int', args: ['inspect', 'huge.json'], exit: 2, says: "tensor 'x' [1,1000000000,9] needs 36,000,000,000 bytes" },
  { what: 'NaN/Inf weights', args: ['compile', 'nan.json', '-o', 'out'], exit: 2, says: "tensor 'w' holds 2 NaN/Inf value(s)" },
  { what: "weightsFile with '..'", args: ['inspect', 'escape.json'], exit: 2, says: "weightsFile '../../../../etc/passwd' must name a file inside the model's directory" },
  { what: 'weightsFile with an absolute path', args: ['inspect', 'absolute.json'], exit: 2, says: "weightsFile '/etc/passwd' must name a file inside the model's directory" },
  { what: 'a model larger than the board', args: ['measure', 'big.json', '--board', 'nrf52840'], exit: 2, says: "the firmware does not fit the board's memory (region 'FLASH' overflowed by" },
  { what: 'a model larger than the board, in check', args: ['check', 'big.json', '--board', 'nrf52840', '--max-flash', '2MiB'], exit: 1, says: 'over budget: the firmware does not fit' },
  { what: 'control characters in a node name', args: ['inspect', 'control.json'], exit: 2, says: "'evil\\x1b[2J\\x1b[H' (FancyOp)" },
  { what: 'sweep: a width harc has no kernels for', args: ['sweep', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels.npy', '--calib', 'calib.npy', '--bits', '8,3', '-o', 'sw'], exit: 2, says: "--bits '8,3': '3' is not a weight width" },
  { what: 'sweep: a layer glob that matches no weighted layer', args: ['sweep', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels.npy', '--calib', 'calib.npy', '--layers', 'nope*', '-o', 'sw'], exit: 2, says: "--layers 'nope*' matches no weighted layer" },
  { what: 'sweep: a shard that is not K/N', args: ['sweep', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels.npy', '--calib', 'calib.npy', '--shard', '4/3', '-o', 'sw'], exit: 2, says: "--shard '4/3': expected K/N" },
  { what: 'sweep: greedy split into shards', args: ['sweep', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels.npy', '--calib', 'calib.npy', '--strategy', 'greedy', '--shard', '1/2', '-o', 'sw'], exit: 2, says: '--shard with --strategy greedy' },
  { what: 'sweep: fewer labels than test windows', args: ['sweep', 'mlp.onnx', '--data', 'x.npy', '--labels', 'labels-too-few.npy', '--calib', 'calib.npy', '-o', 'sw'], exit: 2, says: 'has 7 labels but --data x.npy holds 8 inputs' },
  { what: 'sweep pick of a directory that does not exist', args: ['sweep', 'pick', 'no-sweep', '--max-flash', '16KiB', '-o', 'bits.json'], exit: 2, says: 'no-sweep: no such directory' },
  { what: 'sweep merge of a directory that does not exist', args: ['sweep', 'merge', 'sweep-m4', 'no-sweep', '-o', 'merged'], exit: 2, says: 'no-sweep: no such directory' },
  { what: 'sweep merge of shards from different targets', args: ['sweep', 'merge', 'sweep-m4', 'sweep-rv', '-o', 'merged'], exit: 2, says: 'come from different sweeps (different targets)' },
  // accepted, with a one-line notice
  { what: 'NaN/Inf weights, allowed', args: ['inspect', 'nan.json', '--allow-nonfinite', '--json'], exit: 0, says: '' },
  { what: 'a symbolic batch dimension', args: ['inspect', 'dynamic-batch.onnx', '--json'], exit: 0, says: "note: dynamic-batch.onnx: input 'input' has a symbolic batch dimension 'batch'; compiled for batch 1" },
  { what: '--calib with --precision float', args: ['inspect', 'mlp.onnx', '--precision', 'float', '--calib', 'calib.npy', '--json'], exit: 0, says: 'note: --calib calib.npy is ignored' },
  { what: '--name that is not a C identifier', args: ['compile', 'mlp.onnx', '--name', '9-bad name', '-o', 'named'], exit: 0, says: "note: --name '9-bad name' is not a lower-case C identifier: the API prefix is 't_9_bad_name'", writes: ['named'] },
];

export interface CaseResult {
  code: number;
  firstLine: string;
  stderr: string;
}

export async function runCase(c: BadInputCase, cwd: string): Promise<CaseResult> {
  const r = await execa(process.execPath, [join(repo, 'bin', 'harc.js'), ...c.args], { cwd, reject: false, timeout: 90_000 });
  return { code: r.exitCode ?? -1, firstLine: r.stderr.split('\n')[0] ?? '', stderr: r.stderr };
}

/** Every file under `dir` with a hash of its content (directories as entries too). */
export function snapshot(dir: string, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const rel = relative(dir, p);
      if (skip.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
      if (statSync(p).isDirectory()) {
        out.set(`${rel}/`, '');
        walk(p);
      } else out.set(rel, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/`/g, "'");
const quoteArg = (a: string): string => (a === '' ? "''" : /[\s'"\\$]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a);

/** docs/errors.md from the cases and what the CLI printed for them. */
export function errorsMarkdown(rows: { c: BadInputCase; r: CaseResult }[]): string {
  return [
    '# Bad input: what harc says',
    '',
    'Generated by `npm run docs:errors` from `test/cli/bad-input-cases.ts` (the test `test/cli/bad-input.test.ts`',
    'fails when this file is out of date). Each row runs `harc` in a directory holding the small files the',
    'cases need; on every failing row no file changes and no temp file is left behind.',
    '',
    'Exit codes: **0** ok, **1** a check failed (over budget, mismatch), **2** bad input or usage, **3** a',
    'required tool is missing, **70** a bug in harc. Sizes take `B`, `KiB`/`MiB`/`GiB` (×1024) and',
    '`KB`/`kB`/`MB`/`GB` (×1000); counts are whole numbers in digits.',
    '',
    '| case | command | exit | first line of stderr |',
    '|---|---|---|---|',
    ...rows.map(({ c, r }) => `| ${cell(c.what)} | \`harc ${cell(c.args.map(quoteArg).join(' '))}\` | ${r.code} | ${r.firstLine ? `\`${cell(r.firstLine)}\`` : ''} |`),
    '',
  ].join('\n');
}
