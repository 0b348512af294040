// Accuracy benchmark: float vs int8 accuracy and macro-F1 of every zoo model (CNNs and the
// recurrent ones: LSTM / GRU layers run the integer LSTM scheme), measured by running
// the generated C (the same C that goes to the device) on the host over the UCI-HAR test split
// (the full 2996 windows from ../shared/data/uci-har when present, else the committed 256-window
// subset). int8 is calibrated on zoo/data/calib_X.npy (256 training-split windows).
// Prints a table and writes bench/results/accuracy.json.
//   node --import tsx bench/accuracy.ts                      # all zoo models, minmax + percentile + mse
//   node --import tsx bench/accuracy.ts har-cnn --method mse
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { compileGraph } from '../src/backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch, type ClassificationMetrics } from '../src/eval/evaluate.ts';
import { table } from '../src/cli/format.ts';
import { loadModel } from '../src/frontends/load.ts';
import { readNpy } from '../src/ir/npy.ts';
import type { CalibMethod } from '../src/planning/calibrate.ts';
import { repo, testSplit, zooModels } from './data.ts';

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);
const args = process.argv.slice(2);
const mi = args.indexOf('--method');
const methods: CalibMethod[] = mi >= 0 ? [args[mi + 1] as CalibMethod] : ['minmax', 'percentile', 'mse'];
const names = args.filter((a, i) => !a.startsWith('--') && (mi < 0 || i !== mi + 1));

interface Row {
  model: string;
  float: ClassificationMetrics;
  int8: Record<string, ClassificationMetrics | { error: string }>;
}

async function metricsOf(model: ReturnType<typeof compileGraph>, split: ReturnType<typeof testSplit>): Promise<ClassificationMetrics> {
  const { outputs, rowLength } = await runModelBatch(model, split.x);
  return classificationMetrics(argmaxRows(outputs, rowLength), split.y, rowLength);
}

const split = testSplit();
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const models = zooModels().filter((m) => names.length === 0 || names.includes(m.name));
log(`${models.length} models on ${split.name}; int8 calibration: zoo/data/calib_X.npy (${calib.shape[0]} training windows), methods ${methods.join(', ')}`);
const rows: Row[] = [];
for (const m of models) {
  const graph = loadModel(join(repo, 'zoo', m.file));
  log(`${m.name}: float`);
  const float = await metricsOf(compileGraph(graph, { prefix: m.name.replace(/\W/g, '_') }), split);
  const int8: Row['int8'] = {};
  for (const method of methods) {
    log(`${m.name}: int8 (${method})`);
    try {
      const q = compileGraph(graph, { prefix: m.name.replace(/\W/g, '_'), precision: { precision: 'int8', calib, calibMethod: method } });
      int8[method] = await metricsOf(q, split);
    } catch (e) {
      int8[method] = { error: (e as Error).message };
      log(`${m.name}: int8 (${method}) not available: ${(e as Error).message}`);
    }
  }
  rows.push({ model: m.name, float, int8 });
}

const pct = (v: number | undefined): string => (v === undefined ? '—' : `${(100 * v).toFixed(2)}%`);
const pp = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${(100 * (a - b) >= 0 ? '+' : '')}${(100 * (a - b)).toFixed(2)}`);
const ok = (x: ClassificationMetrics | { error: string } | undefined): ClassificationMetrics | undefined => (x && 'accuracy' in x ? x : undefined);
console.log(`Accuracy on ${split.name} (host build of the generated C)\n`);
console.log(
  table(
    ['model', 'float acc', 'float F1', ...methods.flatMap((mt) => [`int8 ${mt} acc`, `int8 ${mt} F1`, 'ΔF1 pp'])],
    rows.map((r) => [r.model, pct(r.float.accuracy), pct(r.float.macroF1), ...methods.flatMap((mt) => [pct(ok(r.int8[mt])?.accuracy), pct(ok(r.int8[mt])?.macroF1), pp(ok(r.int8[mt])?.macroF1, r.float.macroF1)])]),
  ),
);
for (const r of rows) for (const [mt, v] of Object.entries(r.int8)) if ('error' in v) console.log(`  ${r.model} int8 ${mt}: ${v.error}`);
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
// a run over some models (or methods) updates their entries and keeps the others
const outFile = join(repo, 'bench', 'results', 'accuracy.json');
type Entry = { model: string; float: unknown; int8: Record<string, unknown> };
const previous: Entry[] = existsSync(outFile) ? ((JSON.parse(readFileSync(outFile, 'utf8')) as { models?: Entry[] }).models ?? []) : [];
const strip = (x: ClassificationMetrics | { error: string }) => ('error' in x ? x : { accuracy: x.accuracy, macroF1: x.macroF1, confusion: x.confusion });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${cpus()[0]?.model ?? 'unknown'}`,
      data: split.name,
      calibration: `zoo/data/calib_X.npy (${calib.shape[0]} training-split windows)`,
      models: [
        ...previous.filter((p) => !rows.some((r) => r.model === p.model)),
        ...rows.map((r) => ({
          model: r.model,
          float: strip(r.float),
          int8: { ...(previous.find((p) => p.model === r.model)?.int8 ?? {}), ...Object.fromEntries(Object.entries(r.int8).map(([k, v]) => [k, strip(v)])) },
        })),
      ],
    },
    null,
    1,
  ) + '\n',
);
log('wrote bench/results/accuracy.json');
