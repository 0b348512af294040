// harc sweep throughput (issue 13): candidates per minute for har-cnn, every candidate built for the
// host and run over the full UCI-HAR test split (2,996 windows) for accuracy and macro-F1, and built
// for the Cortex-M4 and run in QEMU for flash, SRAM, instructions and cycles. The result cache is off
// (every candidate is measured); calibration is done once, before the clock starts.
//
// Validation / test: the test split's 9 subjects are divided by a seeded shuffle, 4 subjects for
// validation (the search and the front decide on them) and 5 held out for the reported test figures,
// so no window is in both and no subject was seen in training.
//
//   node --import tsx bench/sweep.ts [OUT_DIR] [--layers N] [--jobs J]
// writes bench/results/sweep.json (figures) and OUT_DIR (default out/sweep-har-cnn): the sweep's
// results.jsonl / pareto.json / sweep.json, as harc sweep writes them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { memoryArgs } from '../src/cli/memory-options.ts';
import { table } from '../src/cli/format.ts';
import { loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';
import { sha256, sweepKey } from '../src/sweep/cache.ts';
import { paretoFront } from '../src/sweep/pareto.ts';
import { prepareSweep } from '../src/sweep/prepare.ts';
import { writeSweepDir } from '../src/sweep/results-io.ts';
import { runSweep } from '../src/sweep/run.ts';
import { seededPermutation, takeWindows, type LabelledSet } from '../src/sweep/split.ts';
import { repo } from './data.ts';

// ../shared beside the repository, or two levels up from a worktree (/work/wt/NAME), or $UCI_HAR_DIR
const SHARED = [process.env['UCI_HAR_DIR'] ?? '', join(repo, '..', 'shared', 'data', 'uci-har'), join(repo, '..', '..', 'shared', 'data', 'uci-har')].find((d) => d && existsSync(join(d, 'X_test.f32'))) ?? join(repo, '..', 'shared', 'data', 'uci-har');
const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const outDir = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : join(repo, 'out', 'sweep-har-cnn');
const jobs = arg('--jobs', 2);
const nLayers = arg('--layers', 4);
process.env['HARC_SWEEP_CACHE'] = '0';

if (!existsSync(join(SHARED, 'X_test.f32'))) throw new Error(`the full UCI-HAR test split is not at ${SHARED} (see ../shared/README)`);
const x = new Float32Array(new Uint8Array(readFileSync(join(SHARED, 'X_test.f32'))).buffer);
const y = Int32Array.from(new Uint8Array(readFileSync(join(SHARED, 'y_test.u8'))));
const subject = new Uint8Array(readFileSync(join(SHARED, 'subject_test.u8')));
const all: LabelledSet = { x: { shape: [y.length, 128, 9], dtype: 'float32', data: x }, y };
const subjects = [...new Set(subject)].sort((a, b) => a - b);
const valSubjects = new Set(seededPermutation(subjects.length, 1).slice(0, 4).map((i) => subjects[i]!));
const windows = (inVal: boolean): number[] => [...subject.keys()].filter((i) => valSubjects.has(subject[i]!) === inVal);
const val = takeWindows(all, windows(true));
const test = takeWindows(all, windows(false));

const modelFile = join(repo, 'zoo', 'models', 'har-cnn.onnx');
const calibFile = join(repo, 'zoo', 'data', 'calib_X.npy');
const calib = readNpy(calibFile);
const t0 = performance.now();
const base = prepareSweep(loadForCli(modelFile), calib);
base.quantization();
const prepareMs = performance.now() - t0;
const layers = base.weighted.slice(0, nLayers);
const target = 'cortex-m4' as const;
const memory = memoryArgs({}, target);
const modelSha256 = sha256(readFileSync(modelFile), '[]');
const key = sweepKey({
  modelSha256,
  target,
  flags: { kernels: memory.kernels, planner: memory.planner, alignment: memory.alignment, opt: 'O2' },
  calibSha256: sha256(JSON.stringify(calib.shape), calib.data),
  calibMethod: 'minmax',
  valSha256: sha256(JSON.stringify(val.x.shape), val.x.data, val.y),
  testSha256: sha256(JSON.stringify(test.x.shape), test.x.data, test.y),
});
const plan = { strategy: 'exhaustive' as const, widths: [8, 4, 2] as (8 | 4 | 2)[], layers, seed: 1, jobs };
/** CPU seconds of this process and its finished children (gcc, the host run, QEMU): /proc/self/stat
 * utime, stime, cutime, cstime, in clock ticks (100 per second on Linux). */
const cpuSeconds = (): number => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0) / 100;
};
const load0 = loadavg()[0]!;
const cpu0 = cpuSeconds();
const t1 = performance.now();
const outcome = await runSweep({ base, target, memory, prefix: 'har_cnn', source: modelFile, val, test }, key, plan, (p) => process.stderr.write(`\r${p.done}/${p.total} candidates`));
const sweepMs = performance.now() - t1;
process.stderr.write('\n');
const load1 = loadavg()[0]!;
const cpuPerCandidate = (cpuSeconds() - cpu0) / Math.max(1, outcome.built);
writeSweepDir(outDir, { harc: 'sweep', model: 'har-cnn.onnx', modelSha256, target, strategy: 'exhaustive', bits: plan.widths, layers, seed: 1, max: null, sweepKey: key, candidates: outcome.candidates }, outcome.results);

const perMin = (outcome.built / sweepMs) * 60_000;
const int8 = outcome.results.find((r) => r.uniform === 8)!;
const front = paretoFront(outcome.results);
const qualifying = front.filter((r) => r.weightBytes <= 0.6 * int8.weightBytes && r.test!.macroF1 >= int8.test!.macroF1 - 0.01);
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const row = (r: (typeof front)[number]) => [r.index, layers.map((l) => r.bits[l]).join('/'), pct(r.val.macroF1), pct(r.test!.macroF1), r.weightBytes, `${(r.weightBytes / int8.weightBytes).toFixed(2)}×`, r.flash, r.sram, r.cycles];
console.log(`har-cnn on cortex-m4: ${layers.length} layers × {8,4,2} = ${outcome.results.length} candidates, validation ${val.y.length} windows (subjects ${[...valSubjects].sort((a, b) => a - b).join(',')}), test ${test.y.length} (the other ${subjects.length - valSubjects.size} subjects)`);
console.log(`throughput: ${outcome.built} candidates measured in ${(sweepMs / 1000).toFixed(1)} s = ${perMin.toFixed(1)} candidates/min (--jobs ${jobs}, ${availableParallelism()} cores, load average ${load0.toFixed(1)} → ${load1.toFixed(1)}); calibration once: ${(prepareMs / 1000).toFixed(1)} s`);
console.log(`CPU time per candidate (harc + gcc + host run + QEMU): ${cpuPerCandidate.toFixed(2)} s, i.e. at most ${((availableParallelism() * 60) / cpuPerCandidate).toFixed(1)} candidates/min on ${availableParallelism()} otherwise idle cores`);
console.log('\nPareto front (validation accuracy ↑, flash ↓, SRAM ↓, cycles ↓), test figures reported beside:');
console.log(table(['#', 'bits', 'val F1', 'test F1', 'weight B', 'vs int8', 'flash B', 'SRAM B', 'cycles'], front.map(row)));
console.log(`\nint8 (all 8): test macro-F1 ${pct(int8.test!.macroF1)}, ${int8.weightBytes} weight bytes. Front candidates with ≤ 0.6× its weight bytes within 1 pp test macro-F1: ${qualifying.length ? qualifying.map((r) => `#${r.index}`).join(', ') : 'none'}`);
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(repo, 'bench', 'results', 'sweep.json'),
  `${JSON.stringify({ model: 'har-cnn', target, layers, widths: plan.widths, candidates: outcome.results.length, measured: outcome.built, sweepSeconds: sweepMs / 1000, candidatesPerMinute: perMin, jobs, cores: availableParallelism(), loadAverage: [load0, load1], calibrationSeconds: prepareMs / 1000, cpuSecondsPerCandidate: cpuPerCandidate, idleCoresBoundPerMinute: (availableParallelism() * 60) / cpuPerCandidate, windows: { validation: val.y.length, test: test.y.length }, int8: { testMacroF1: int8.test!.macroF1, weightBytes: int8.weightBytes }, front: front.map((r) => r.id), qualifying: qualifying.map((r) => r.id) }, null, 2)}\n`,
);
