// How long the harc command takes, as a user runs it: CLI start (`harc --version`), a float
// compile, and an int8 compile with a cold calibration cache (a fresh HARC_CACHE_DIR each run) and
// a warm one, per zoo model. Wall time min / median over --runs runs (default 3), and the CPU time
// of the median run (user + system of the child, from /proc; the machine may be shared). No gcc:
// `compile` only writes C. It runs bin/harc.js, whatever that starts (tsx or compiled JavaScript).
// Run: node --import tsx bench/compile.ts [--runs N] [--calib-method M] [model ...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { calibrateCached } from '../src/backends/calibration-cache.ts';
import { emitModel } from '../src/backends/c/emit-model.ts';
import { table } from '../src/cli/format.ts';
import { loadModel } from '../src/frontends/load.ts';
import { readNpy } from '../src/ir/npy.ts';
import { splitSamples } from '../src/planning/calibrate.ts';
import { optimize } from '../src/passes/pipeline.ts';
import { quantizeGraph } from '../src/passes/quantize.ts';

const repo = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const runs = Number(opt('--runs') ?? 3);
const method = opt('--calib-method') ?? 'minmax';
if (!(Number.isInteger(runs) && runs > 0)) throw new Error('--runs: expected a positive integer');
const models = readdirSync(join(repo, 'zoo', 'models'))
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => f.replace(/\.onnx$/, ''))
  .filter((m) => args.length === 0 || args.includes(m));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const harc = join(repo, pkg.bin['harc']!);
const calib = join(repo, 'zoo', 'data', 'calib_X.npy');
const work = mkdtempSync(join(os.tmpdir(), 'harc-bench-compile-'));

/** Children's CPU seconds so far (user + system of reaped children), or NaN off Linux. */
function childCpu(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime: fields 16 and 17, in ticks of 1/100 s
  } catch {
    return NaN;
  }
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeHarc(argv: string[], env: Record<string, string> = {}): Timing {
  const cpu0 = childCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [harc, ...argv], { cwd: repo, env: { ...process.env, HARC_PROGRESS: '0', ...env }, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`harc ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs, cpuMs: (childCpu() - cpu0) * 1000 };
}

interface Stat {
  minMs: number;
  medianMs: number;
  /** CPU time of the median run. */
  cpuMs: number;
  runs: number[];
}

function stat(ts: Timing[]): Stat {
  const sorted = [...ts].sort((a, b) => a.wallMs - b.wallMs);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { minMs: Math.round(sorted[0]!.wallMs), medianMs: Math.round(median.wallMs), cpuMs: Math.round(median.cpuMs), runs: ts.map((t) => Math.round(t.wallMs)) };
}

const repeat = (f: () => Timing): Timing[] => Array.from({ length: runs }, f);

const start = stat(repeat(() => timeHarc(['--version'])));
console.log(`CLI start (harc --version): min ${start.minMs} ms, median ${start.medianMs} ms`);
/** The int8 compile's own phases in this process (no CLI start-up, module loading or JIT warm-up
 * of the command), as CPU ms (user + system; wall time would mostly measure the machine's load):
 * load + optimize, calibration cold and warm (cache hit), quantize + emit C. */
interface Phases {
  loadOptimizeMs: number;
  calibrateColdMs: number;
  calibrateWarmMs: number;
  quantizeEmitMs: number;
}

function phases(file: string): Phases {
  const dir = mkdtempSync(join(work, 'phases-'));
  const saved = process.env.HARC_CACHE_DIR;
  process.env.HARC_CACHE_DIR = dir;
  try {
    const data = readNpy(calib);
    const cpu = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let t = cpu();
    const lap = (): number => {
      const now = cpu();
      const ms = now - t;
      t = now;
      return Math.round(ms);
    };
    const g = optimize(loadModel(join(repo, file)));
    const loadOptimizeMs = lap();
    const opts = { method: method as 'minmax' };
    const { table: cold } = calibrateCached(g, data, splitSamples(g, data), opts);
    const calibrateColdMs = lap();
    const { cached } = calibrateCached(g, data, splitSamples(g, data), opts);
    const calibrateWarmMs = lap();
    if (!cached) throw new Error('the calibration cache missed on the second run');
    emitModel(quantizeGraph(g, cold, { bits: 8 }), { prefix: 'm' });
    return { loadOptimizeMs, calibrateColdMs, calibrateWarmMs, quantizeEmitMs: lap() };
  } finally {
    if (saved === undefined) delete process.env.HARC_CACHE_DIR;
    else process.env.HARC_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Row {
  model: string;
  float: Stat;
  int8Cold: Stat;
  int8Warm: Stat;
  inProcess: Phases;
}
const rows: Row[] = [];
for (const model of models) {
  const file = join('zoo', 'models', `${model}.onnx`);
  const out = join(work, model);
  const compile = (precision: string, env: Record<string, string>) =>
    timeHarc(['compile', file, '--target', 'host', '-o', out, '--precision', precision, ...(precision === 'int8' ? ['--calib', calib, '--calib-method', method] : [])], env);
  const warmDir = join(work, `cache-${model}`);
  const float = stat(repeat(() => compile('float', { HARC_CACHE_DIR: warmDir })));
  const int8Cold = stat(
    repeat(() => {
      const dir = mkdtempSync(join(work, 'cold-'));
      try {
        return compile('int8', { HARC_CACHE_DIR: dir });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
  );
  compile('int8', { HARC_CACHE_DIR: warmDir }); // fills the cache
  const int8Warm = stat(repeat(() => compile('int8', { HARC_CACHE_DIR: warmDir })));
  rows.push({ model, float, int8Cold, int8Warm, inProcess: phases(file) });
  console.error(`${model}: float ${float.medianMs} ms, int8 cold ${int8Cold.medianMs} ms, warm ${int8Warm.medianMs} ms`);
}
rmSync(work, { recursive: true, force: true });

const ms = (s: Stat): string => `${s.minMs} / ${s.medianMs}`;
const head = ['model', 'float compile', 'int8 cold', 'int8 warm', 'CPU: float', 'CPU: int8 cold', 'CPU: int8 warm', 'CPU: load+opt', 'CPU: calib cold', 'CPU: calib warm', 'CPU: quant+emit'];
const body = rows.map((r) => {
  const p = r.inProcess;
  return [r.model, ms(r.float), ms(r.int8Cold), ms(r.int8Warm), String(r.float.cpuMs), String(r.int8Cold.cpuMs), String(r.int8Warm.cpuMs), String(p.loadOptimizeMs), String(p.calibrateColdMs), String(p.calibrateWarmMs), String(p.quantizeEmitMs)];
});
const [load1] = os.loadavg();
const machine = `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, load average ${load1!.toFixed(1)} at the end`;
const date = new Date().toISOString();
console.log(table(head, body));
const md = [
  `Measured ${date.slice(0, 10)} on ${machine}; ${runs} runs each, \`${pkg.bin['harc']}\` as installed (start-up included), int8 with \`--calib zoo/data/calib_X.npy --calib-method ${method}\` (256 windows).`,
  `Wall times in ms as min / median; CPU is user + system ms of the median run. Cold: an empty calibration cache (fresh HARC_CACHE_DIR); warm: the same command again. No gcc runs in \`compile\`.`,
  `The last four columns are the int8 compile's phases run once inside the benchmark's process (CPU ms, no start-up): load + optimize, calibration cold and warm (cache hit: hashing the graph and data, reading the entry), quantize + emit C.`,
  '',
  `CLI start (\`harc --version\`): min ${start.minMs} ms, median ${start.medianMs} ms (CPU ${start.cpuMs} ms).`,
  '',
  `| ${head.join(' | ')} |`,
  `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ...body.map((r) => `| ${r.join(' | ')} |`),
  '',
].join('\n');
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'compile.json'), JSON.stringify({ date, machine, runs, calibMethod: method, harc: pkg.bin['harc'], cliStart: start, models: rows }, null, 2) + '\n');
writeFileSync(join(repo, 'bench', 'results', 'compile.md'), md);
console.log('wrote bench/results/compile.json and compile.md');
