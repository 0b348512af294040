// Sub-byte and mixed-precision weights (issue 12): macro-F1, stored weight bytes, flash and
// cycles for float / int8 / int4 / mixed / int2 on har-cnn, microbi-convlstm and mobilenet-1d.
//   mixed: first and last weighted layer 8 bits, the others 4;  int2: first and last 8, others 2.
// F1 on the UCI-HAR test split (bench/data.ts: the full split from ../shared when present; or
// give its directory: node --import tsx bench/subbyte.ts /path/to/uci-har), host build of the
// generated C; flash and cycles from the QEMU builds (harc measure). Calibration: zoo/data/calib_X.npy.
// QAT rows: the zoo's sub-byte quantization-aware models (zoo/manifest.json entries with
// `weightBits`, e.g. har-cnn-w4: zoo/train.py --qat-bits) at the bits they were trained for, and
// the same firmware built with -Os (flash) next to the default -O2.
//   --qat-only: only the QAT rows (the post-training rows take most of the run).
//   --harc-only: only microbi-convlstm under `--kernels harc` (the target path alone: its recurrent
//     fast path, int8-recurrent-fast.ts, with 4/2-bit W and R in subbyte-recurrent-fast.ts), one
//     build per target; macro-F1 is the portable build's (the paths give identical bytes:
//     test/subbyte/recurrent-fast.test.ts). Writes bench/results/subbyte-harc.{txt,json}.
//   --model NAME (repeatable): only that model's rows, merged into the previous subbyte.json
//   (a row with the same model and weights label is replaced, the others are kept), so one model
//   can be re-measured without the others; with --qat-only, only its QAT rows.
// Writes bench/results/subbyte.txt (the table) and subbyte.json (--qat-only alone: subbyte-qat.*).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGraph } from '../src/backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch } from '../src/eval/evaluate.ts';
import { measureModel } from '../src/targets/measure.ts';
import type { PrecisionOptions } from '../src/backends/precision.ts';
import { table } from '../src/cli/format.ts';
import { defaultPrefix, loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';
import { numel } from '../src/ir/shape.ts';
import type { Graph } from '../src/ir/types.ts';
import { optimize } from '../src/passes/pipeline.ts';
import { isWeightedNode, type WeightBitsSpec } from '../src/passes/weight-bits.ts';
import type { OptLevel } from '../src/targets/types.ts';
import { packedBytes } from '../src/ir/quant/subbyte.ts';
import { bytesPerElement } from '../src/ir/dtype.ts';
import { repo, testSplit, type HarSplit } from './data.ts';

const args = process.argv.slice(2);
const qatOnly = args.includes('--qat-only');
const harcOnly = args.includes('--harc-only');
const models = ['har-cnn', 'microbi-convlstm', 'mobilenet-1d'];
const only = args.flatMap((a, i) => (args[i - 1] === '--model' ? [a] : []));
for (const m of only) if (!models.includes(m)) throw new Error(`--model ${m}: not one of ${models.join(', ')}`);

function split(): HarSplit {
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--model');
  if (!dir || !existsSync(join(dir, 'X_test.f32'))) return testSplit();
  const data = new Float32Array(new Uint8Array(readFileSync(join(dir, 'X_test.f32'))).buffer);
  const y = new Uint8Array(readFileSync(join(dir, 'y_test.u8')));
  return { name: `UCI-HAR test, full (${y.length} windows, ${dir})`, x: { shape: [y.length, 128, 9], dtype: 'float32', data }, y };
}

/** First and last weighted layer at 8 bits, the rest at `bits`. */
function edgesAt8(float: Graph, bits: 4 | 2): WeightBitsSpec {
  const names = float.nodes.filter(isWeightedNode).map((n) => n.name);
  return { default: bits, rules: [names[0]!, names[names.length - 1]!].map((pattern) => ({ pattern, bits: 8 as const })) };
}

/** Bytes of every weighted layer's constants as stored (sub-byte packed, bias int32). */
const weightBytes = (g: Graph): number =>
  g.nodes.filter(isWeightedNode).reduce((s, n) => s + n.inputs.filter((i) => i && g.tensors[i]?.data).reduce((t, i) => t + packedBytes(numel(g.tensors[i]!.shape), g.tensors[i]!.quant?.bits ?? 8 * bytesPerElement(g.tensors[i]!.dtype)), 0), 0);

interface QatEntry {
  name: string;
  file: string;
  baseModel: string;
  weightBits: Record<string, number>;
}

/** The manifest's `weightBits` ({"default": 4, "layer": 8}) as a --bits spec. */
const specOf = (bits: Record<string, number>): WeightBitsSpec => ({
  default: bits['default'] as 8 | 4 | 2,
  rules: Object.entries(bits)
    .filter(([k]) => k !== 'default')
    .map(([pattern, b]) => ({ pattern, bits: b as 8 | 4 | 2 })),
});

const qatLabel = (bits: Record<string, number>): string =>
  Object.keys(bits).length > 1 ? `int${bits['default']} QAT (8/${bits['default']}/8)` : `int${bits['default']} QAT`;

interface Row {
  model: string;
  file: string;
  weights: string;
  opt: OptLevel;
  macroF1: number;
  weightBytes: number;
  m4: { flash: number; code: number; sram: number; cycles: number };
  rv32Cycles?: number;
}

/** `previous` with each row of `measured` in the place of the row with its model and label,
 * or after its model's last row, the models in bench order. */
function mergeRows(previous: readonly Row[], measured: readonly Row[]): Row[] {
  const key = (r: Row): string => `${r.model}\u0000${r.weights}`;
  const fresh = new Map(measured.map((r) => [key(r), r]));
  const merged = previous.map((r) => fresh.get(key(r)) ?? r);
  const added = measured.filter((r) => !previous.some((p) => key(p) === key(r)));
  return models.flatMap((m) => [...merged.filter((r) => r.model === m), ...added.filter((r) => r.model === m)]);
}

const data = split();
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const manifest = JSON.parse(readFileSync(join(repo, 'zoo', 'manifest.json'), 'utf8')) as { models: (QatEntry | { name: string; weightBits?: undefined })[] };
const qat = manifest.models.filter((m): m is QatEntry => !!m.weightBits && existsSync(join(repo, 'zoo', (m as QatEntry).file)));
const rows: Row[] = [];
for (const model of harcOnly ? ['microbi-convlstm'] : only.length ? only : models) {
  const file = join(repo, 'zoo', 'models', `${model}.onnx`);
  const float = optimize(loadForCli(file));
  const configs: [string, string, PrecisionOptions, OptLevel[]][] = harcOnly
    ? [
        ['int8, harc', file, { precision: 'int8', calib }, ['O2', 'Os']],
        ['int4, harc', file, { precision: 'int8', calib, weightBits: { default: 4 } }, ['O2']],
        ['int2 (8/2/8), harc', file, { precision: 'int8', calib, weightBits: edgesAt8(float, 2) }, ['O2']],
      ]
    : qatOnly
    ? []
    : [
        ['float', file, { precision: 'float' }, ['O2']],
        ['int8', file, { precision: 'int8', calib }, ['O2']],
        ['int4', file, { precision: 'int8', calib, weightBits: { default: 4 } }, ['O2']],
        ['mixed 8/4/8', file, { precision: 'int8', calib, weightBits: edgesAt8(float, 4) }, ['O2']],
        ['int2 (8/2/8)', file, { precision: 'int8', calib, weightBits: edgesAt8(float, 2) }, ['O2']],
      ];
  for (const q of qat.filter((e) => e.baseModel === model))
    configs.push([`${qatLabel(q.weightBits)}${harcOnly ? ', harc' : ''}`, join(repo, 'zoo', q.file), { precision: 'int8', calib, weightBits: specOf(q.weightBits) }, ['O2', 'Os']]);
  for (const [label, path, precision, opts] of configs) {
    process.stderr.write(`${model} ${label} (${path})\n`);
    // one compile (the portable kernel set's model.c is target-independent) for the host run and both MCUs
    const m = compileGraph(loadForCli(path), { prefix: defaultPrefix(path), precision, memory: { alignment: 4 } });
    const { outputs, rowLength } = await runModelBatch(m, data.x);
    const macroF1 = classificationMetrics(argmaxRows(outputs, rowLength), Int32Array.from(data.y), rowLength).macroF1;
    // --harc-only: the harc set's model.c is the target's own
    const built = (target: 'cortex-m4' | 'riscv') =>
      harcOnly ? compileGraph(loadForCli(path), { prefix: defaultPrefix(path), precision, memory: { alignment: 4, kernels: 'harc', target } }) : m;
    for (const opt of opts) {
      const r = await measureModel(built('cortex-m4'), { target: 'cortex-m4', optLevel: opt });
      const rv = opt === 'O2' ? (await measureModel(built('riscv'), { target: 'riscv' })).cyclesEstimate : undefined;
      rows.push({
        model,
        file: path.slice(repo.length + 1),
        weights: opt === 'O2' ? label : `${label}, -${opt}`,
        opt,
        macroF1,
        weightBytes: weightBytes(m.graph),
        m4: { flash: r.flash.total, code: r.flash.code, sram: r.sram.total, cycles: r.cyclesEstimate },
        ...(rv !== undefined ? { rv32Cycles: rv } : {}),
      });
    }
  }
}
const out = join(repo, 'bench', 'results');
const base = harcOnly ? 'subbyte-harc' : qatOnly && !only.length ? 'subbyte-qat' : 'subbyte';
if (only.length && !harcOnly && existsSync(join(out, `${base}.json`))) rows.splice(0, rows.length, ...mergeRows((JSON.parse(readFileSync(join(out, `${base}.json`), 'utf8')) as { rows: Row[] }).rows, rows));
const title = `${data.name}; calibration zoo/data/calib_X.npy (256 windows)`;
const text = table(
  ['model', 'weights', 'macro-F1', 'weight B', 'M4 flash B', 'M4 SRAM B', 'M4 cycles', 'RV32 cycles'],
  rows.map((r) => [r.model, r.weights, `${(100 * r.macroF1).toFixed(2)}%`, r.weightBytes, r.m4.flash, r.m4.sram, r.m4.cycles, r.rv32Cycles ?? '-']),
);
console.log(title);
console.log(text);
mkdirSync(out, { recursive: true });
writeFileSync(join(out, `${base}.txt`), `${title}\n${text}\n`);
writeFileSync(join(out, `${base}.json`), JSON.stringify({ data: data.name, calib: 'zoo/data/calib_X.npy', target: 'cortex-m4 (mps2-an386), riscv (virt)', rows }, null, 1) + '\n');
