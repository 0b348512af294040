import { existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isPreQuantized } from '../../backends/precision.ts';
import { HarcError, inputError } from '../../ir/errors.ts';
import { readNpy } from '../../ir/npy.ts';
import type { Value } from '../../ir/types.ts';
import { sha256, sweepKey } from '../../sweep/cache.ts';
import { prepareSweep, sweptLayers } from '../../sweep/prepare.ts';
import { bitsFileText, pickCandidate, type Budget } from '../../sweep/pick.ts';
import { paretoFront } from '../../sweep/pareto.ts';
import { writeReport } from '../../sweep/write-report.ts';
import { mergeSweepDirs, readSweepDir, writeSweepDir, MANIFEST, type SweepManifest } from '../../sweep/results-io.ts';
import { runSweep, type SweepProgress, type Strategy } from '../../sweep/run.ts';
import { parseShard, shardLabel } from '../../sweep/shard.ts';
import { splitValidation, type LabelledSet } from '../../sweep/split.ts';
import type { SweepResult, WeightBits } from '../../sweep/types.ts';
import { isWeightBits } from '../../ir/quant/subbyte.ts';
import type { McuTargetName } from '../../targets/index.ts';
import type { CalibMethod } from '../../planning/calibrate.ts';
import { memoryArgs } from '../memory-options.ts';
import { table } from '../format.ts';
import { loadForCli, defaultPrefix, type LoadArgs } from '../model-input.ts';
import { notice, printable } from '../notice.ts';
import { cliProgress } from '../progress.ts';
import { checkCalibShape, checkLabels } from '../validate.ts';
import type { Graph } from '../../ir/types.ts';

export interface SweepArgs extends LoadArgs {
  model: string;
  data: string;
  labels: string;
  calib: string;
  calibMethod: CalibMethod;
  val?: string;
  valLabels?: string;
  valFraction?: string;
  bits: string;
  layers?: string[];
  strategy: Strategy;
  max?: number;
  seed: number;
  jobs: number;
  shard?: string;
  target: McuTargetName;
  /** --planner / --kernels / --cmsis-nn as every building command takes them (default: the target's set). */
  planner?: string;
  kernels?: string;
  cmsisNn?: string;
  out: string;
  force: boolean;
}

const say = (msg: string): void => void process.stderr.write(`harc: ${msg}\n`);

/** `--bits 8,4,2` → distinct widths in the order given. */
export function parseWidths(text: string): WeightBits[] {
  const items = text.split(',').map((s) => s.trim());
  const widths = items.map((s) => {
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!isWeightBits(n)) throw inputError(`--bits '${text}': '${s}' is not a weight width; give widths from 8, 4, 2 separated by commas (e.g. 8,4,2)`);
    return n;
  });
  if (new Set(widths).size !== widths.length) throw inputError(`--bits '${text}': a width is listed twice`);
  return widths;
}

/** A sweep's -o: new, empty, or a directory harc sweep wrote (it has sweep.json); else --force. */
function checkSweepOutDir(dir: string, force: boolean, flag = '-o'): void {
  if (dir.trim() === '') throw inputError(`${flag}: give an output directory`);
  if (!existsSync(dir)) return;
  if (!lstatSync(dir).isDirectory()) throw inputError(`${flag} ${dir}: is an existing file; give a directory`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(MANIFEST) && !force) throw inputError(`${flag} ${dir}: the directory holds files harc sweep did not write; give a new or empty directory, or --force`);
}

function floatData(file: string, flag: string): Value {
  const v = readNpy(file);
  if (v.dtype !== 'float32' && v.dtype !== 'float64') throw inputError(`${flag} ${file}: inputs must be float32 (got ${v.dtype})`);
  return v.dtype === 'float32' ? v : { ...v, dtype: 'float32', data: Float32Array.from(v.data as Float64Array) };
}

const labelled = (graph: Graph, dataFile: string, labelsFile: string, dataFlag: string, labelsFlag: string): LabelledSet => {
  const x = floatData(dataFile, dataFlag);
  const y = checkLabels(graph, x, dataFile, readNpy(labelsFile), labelsFile);
  return { x, y };
};

/** Validation and test: see the help's epilogue (src/cli/sweep-cli.ts) and src/sweep/split.ts. */
function splitsOf(graph: Graph, a: SweepArgs): { val: LabelledSet; test: LabelledSet; note?: string } {
  const data = labelled(graph, a.data, a.labels, '--data', '--labels');
  if ((a.val === undefined) !== (a.valLabels === undefined)) throw inputError('--val and --val-labels go together: give both (validation inputs and their labels), or neither to split --data');
  if (a.val !== undefined) {
    if (a.valFraction !== undefined) throw inputError('--val-fraction splits --data when no --val is given; give one or the other');
    return { val: labelled(graph, a.val, a.valLabels!, '--val', '--val-labels'), test: data };
  }
  const fraction = a.valFraction === undefined ? 0.5 : /^\s*(0?\.\d+|0|1)\s*$/.test(a.valFraction) ? Number(a.valFraction) : NaN;
  if (Number.isNaN(fraction)) throw inputError(`--val-fraction '${a.valFraction}': expected a number between 0 and 1, e.g. 0.5`);
  const note = a.valFraction === undefined ? `no --val given: ${Math.round(fraction * data.y.length)} of the ${data.y.length} --data windows (seed ${a.seed}) are the validation split the search decides on, the rest are test` : undefined;
  return { ...splitValidation(data, fraction, a.seed), ...(note ? { note } : {}) };
}

const valueHash = (s: LabelledSet): string => sha256(JSON.stringify(s.x.shape), s.x.data, s.y);

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** The terminal table: every candidate (the front only when there are many), the front marked. */
export function resultsTable(results: readonly SweepResult[], layers: readonly string[]): string {
  const front = new Set(paretoFront(results).map((r) => r.id));
  const shown = results.length <= 40 ? results : results.filter((r) => front.has(r.id));
  const rows = shown.map((r) => [
    r.index,
    layers.map((l) => r.bits[l]).join('/'),
    pct(r.val.accuracy),
    pct(r.val.macroF1),
    r.test ? pct(r.test.accuracy) : '-',
    r.test ? pct(r.test.macroF1) : '-',
    r.weightBytes,
    r.flash,
    r.sram,
    r.cycles,
    front.has(r.id) ? '*' : '',
  ]);
  const head = ['#', 'bits', 'val acc', 'val F1', 'test acc', 'test F1', 'weight B', 'flash B', 'SRAM B', 'cycles', 'front'];
  return table(head, rows) + (shown.length < results.length ? `\n(${shown.length} front candidates of ${results.length}; all are in results.jsonl)` : '');
}

const eta = (ms: number): string => (ms < 90_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

function progressReporter(): (p: SweepProgress) => void {
  const t0 = performance.now();
  return (p) => {
    const measured = p.done - p.cached;
    const perCandidate = measured > 0 ? (performance.now() - t0) / measured : undefined;
    const left = perCandidate === undefined ? '' : `, ETA ${eta(perCandidate * Math.max(0, p.total - p.done))}`;
    cliProgress.step('sweep', p.done, p.total, `candidates (${p.cached} from the cache${left})`);
  };
}

/** `harc sweep MODEL …`: checks everything before the first build, calibrates once, sweeps, writes DIR. */
export async function sweepCommand(a: SweepArgs): Promise<number> {
  const widths = parseWidths(a.bits);
  const shard = a.shard === undefined ? undefined : parseShard(a.shard);
  if (shard && a.strategy === 'greedy') throw inputError('--shard with --strategy greedy: each greedy step depends on the previous step’s results, so it cannot be split into independent slices; use exhaustive or random for sharded runs, or run greedy with --jobs');
  if (a.max !== undefined && a.max < widths.length) throw inputError(`--max ${a.max}: the ${widths.length} uniform configs (${widths.join(', ')} bits) are always swept; give --max ≥ ${widths.length}`);
  checkSweepOutDir(a.out, a.force);
  const graph = loadForCli(a.model, a);
  if (isPreQuantized(graph)) throw inputError(`${a.model} is already quantized: harc sweep quantizes a float model with each candidate's weight bits`);
  const { val, test, note } = splitsOf(graph, a);
  const calib = floatData(a.calib, '--calib');
  checkCalibShape(graph, calib, a.calib);
  const base = prepareSweep(graph, calib, a.calibMethod);
  const layers = sweptLayers(base.weighted, a.layers);
  const memory = memoryArgs({ planner: a.planner, kernels: a.kernels, cmsisNn: a.cmsisNn }, a.target);
  const modelSha256 = sha256(readFileSync(a.model), JSON.stringify(a.const ?? []));
  const key = sweepKey({
    modelSha256,
    target: a.target,
    flags: { kernels: memory.kernels, planner: memory.planner, alignment: memory.alignment, opt: 'O2' },
    calibSha256: sha256(JSON.stringify(calib.shape), calib.data),
    calibMethod: a.calibMethod,
    valSha256: valueHash(val),
    testSha256: valueHash(test),
  });
  if (note) notice(note);
  const plan = { strategy: a.strategy, widths, layers, max: a.max, seed: a.seed, shard, jobs: a.jobs };
  say(`sweeping ${layers.length} layer(s) at ${widths.join('/')} bits (${a.strategy}${shard ? `, shard ${shardLabel(shard)}` : ''}) on ${a.target}: validation ${val.y.length} windows, test ${test.y.length}`);
  const ctx = { base, target: a.target, memory, prefix: defaultPrefix(a.model), source: a.model, val, test };
  const outcome = await runSweep(ctx, key, plan, progressReporter());
  cliProgress.end();
  const manifest: SweepManifest = {
    harc: 'sweep',
    model: basename(a.model),
    modelSha256,
    target: a.target,
    strategy: a.strategy,
    bits: widths,
    layers,
    seed: a.seed,
    max: a.max ?? null,
    sweepKey: key,
    candidates: outcome.candidates,
    ...(outcome.greedyPath ? { greedyPath: outcome.greedyPath } : {}),
    ...(shard && shard.n > 1 ? { shard: shardLabel(shard) } : {}),
  };
  writeSweepDir(a.out, manifest, outcome.results);
  writeReport(a.out);
  console.log(resultsTable(outcome.results, layers));
  say(`sweep: ${outcome.results.length} candidates, ${outcome.built} built, ${outcome.cached} from the cache → ${printable(a.out)}/results.jsonl, pareto.json, report.html`);
  return 0;
}

export async function sweepMergeCommand(a: { dirs: string[]; out: string; force: boolean }): Promise<number> {
  if (a.dirs.length === 0) throw inputError('harc sweep merge: give the shards’ directories');
  checkSweepOutDir(a.out, a.force);
  const merged = mergeSweepDirs(a.dirs);
  if (merged.missing > 0) notice(`${merged.missing} of the ${merged.manifest.candidates} candidates are in none of the given directories (a shard missing?)`);
  writeSweepDir(a.out, merged.manifest, merged.results);
  writeReport(a.out);
  console.log(resultsTable(merged.results, merged.manifest.layers));
  say(`sweep merge: ${merged.results.length} candidates from ${a.dirs.length} directories → ${printable(a.out)}/results.jsonl, pareto.json, report.html`);
  return 0;
}

export async function sweepPickCommand(a: { dir: string; out: string } & Budget): Promise<number> {
  const { results } = readSweepDir(a.dir);
  const best = pickCandidate(results, a);
  if (!best) {
    const least = (k: 'flash' | 'sram' | 'cycles'): number => Math.min(...results.map((r) => r[k]));
    throw new HarcError('check', `no candidate of ${a.dir} is within the budget (smallest flash ${least('flash')} B, SRAM ${least('sram')} B, cycles ${least('cycles')})`);
  }
  const tmp = `${a.out}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bitsFileText(best.bits));
    renameSync(tmp, a.out);
  } finally {
    rmSync(tmp, { force: true });
  }
  const test = best.test ? `, test accuracy ${pct(best.test.accuracy)} / macro-F1 ${pct(best.test.macroF1)}` : '';
  console.log(`candidate ${best.index} (${best.id}): validation accuracy ${pct(best.val.accuracy)}${test}; flash ${best.flash} B, SRAM ${best.sram} B, ${best.cycles} cycles → ${printable(a.out)}`);
  return 0;
}
