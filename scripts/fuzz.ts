/**
 * harc's fuzzer: seeded mutations of the committed ONNX fixtures and zoo models (scripts/fuzz/mutate.ts),
 * each given to `harc inspect` and `harc compile` (in-process, in worker processes). A run fails on an
 * exit code outside 0–3 (70 is a harc bug), a stack trace or "internal error", a hang past 30 s, a
 * worker crash, a compile that exits 0 with incomplete output or exits non-zero leaving output or temp
 * directories behind, or a changed input file. Failing inputs are saved with their command and output.
 *
 *   npm run fuzz -- --n 2000 --seed 1 [--jobs 2] [--save out/fuzz] [--timeout 30] [--json]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutateOnnx, rng } from './fuzz/mutate.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface FuzzOptions {
  n: number;
  seed: number;
  jobs: number;
  save: string;
  timeoutMs: number;
}

export interface Failure {
  index: number;
  source: string;
  what: string;
  argv: string[];
  reason: string;
  saved: string;
}

export interface FuzzSummary {
  seed: number;
  mutants: number;
  runs: number;
  /** Compiles that were pointed at an earlier harc output (which a failure must leave intact). */
  overEarlierOutput: number;
  exitCodes: Record<string, number>;
  failures: Failure[];
  seconds: number;
}

function parseArgs(argv: string[]): FuzzOptions {
  const o: FuzzOptions = { n: 200, seed: 1, jobs: 2, save: path.join(ROOT, 'out', 'fuzz'), timeoutMs: 30_000 };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    const num = (): number => {
      const x = Number(v);
      if (!Number.isInteger(x) || x < 0) throw new Error(`fuzz: ${k} needs a non-negative integer, got '${v}'`);
      i++;
      return x;
    };
    if (k === '--n') o.n = num();
    else if (k === '--seed') o.seed = num();
    else if (k === '--jobs') o.jobs = Math.max(1, num());
    else if (k === '--timeout') o.timeoutMs = num() * 1000;
    else if (k === '--save') (o.save = path.resolve(v ?? '')), i++;
    else if (k === '--json') continue;
    else throw new Error(`fuzz: unknown option '${k}' (--n N --seed S --jobs J --save DIR --timeout SEC --json)`);
  }
  return o;
}

/** The seed corpus: every committed ONNX fixture and zoo model. */
export function corpus(): { name: string; bytes: Uint8Array }[] {
  const dirs = [path.join(ROOT, 'test', 'fixtures', 'onnx'), path.join(ROOT, 'zoo', 'models')];
  return dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.onnx'))
      .sort()
      .map((f) => ({ name: path.relative(ROOT, path.join(d, f)), bytes: new Uint8Array(readFileSync(path.join(d, f))) })),
  );
}

interface Reply {
  id: number;
  code: number;
  stdout: string;
  stderr: string;
  ready?: boolean;
}

/** One worker process running harc in-process; restarted after a hang or a crash. */
class Worker {
  private child!: ChildProcess;
  private ready!: Promise<void>;
  private pending: ((r: Reply | { crashed: string }) => void) | undefined;
  private nextId = 1;
  constructor() {
    this.start();
  }
  private start(): void {
    this.child = fork(path.join(ROOT, 'scripts', 'fuzz', 'worker.ts'), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      cwd: ROOT,
    });
    let stderr = '';
    this.child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    this.ready = new Promise((resolve) => this.child.once('message', () => resolve()));
    this.child.on('message', (r: Reply) => {
      if (r.ready) return;
      const p = this.pending;
      this.pending = undefined;
      p?.(r);
    });
    this.child.on('exit', (code, signal) => {
      const p = this.pending;
      this.pending = undefined;
      p?.({ crashed: `worker died (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}` });
    });
  }
  async run(argv: string[], timeoutMs: number): Promise<Reply | { crashed: string } | { hung: true }> {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.child.removeAllListeners('exit');
        this.child.kill('SIGKILL');
        this.start();
        resolve({ hung: true });
      }, timeoutMs);
      this.pending = (r) => {
        clearTimeout(timer);
        if ('crashed' in r) {
          this.start();
        }
        resolve(r);
      };
      this.child.send({ id, argv });
    });
  }
  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.kill();
  }
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
const GENERATED = ['model.h', 'model.c', 'weights.h', 'weights.c', 'harc.mk', 'harc.cmake'];

/** What is wrong with one harc run on a mutant (undefined: nothing). */
/** A digest of a directory's files (names and contents), to see whether a failed run touched it. */
export function treeDigest(dir: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(dir, f);
    h.update(`${f}\0`);
    if (statSync(p).isFile()) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

/** `previous`: the digest of an earlier harc output the compile was pointed at, if any. */
export function judge(cmd: 'inspect' | 'compile', r: Reply | { crashed: string } | { hung: true }, work: string, out: string, model: string, modelHash: string, timeoutMs: number, previous?: string): string | undefined {
  if ('hung' in r) return `hang: no answer within ${timeoutMs / 1000} s`;
  if ('crashed' in r) return r.crashed;
  if (![0, 1, 2, 3].includes(r.code)) return `exit ${r.code}`;
  if (STACK_TRACE.test(r.stderr) || STACK_TRACE.test(r.stdout)) return 'stack trace in the output';
  if (/internal error/i.test(r.stderr)) return `internal error: ${r.stderr.trim().split('\n')[0]}`;
  if (r.code !== 0 && !r.stderr.trim()) return `exit ${r.code} without a message`;
  if (sha(new Uint8Array(readFileSync(model))) !== modelHash) return 'the input model was changed';
  if (readFileSync(path.join(work, 'keep.txt'), 'utf8') !== 'user file\n') return 'a user file next to the output was changed';
  const strays = readdirSync(work).filter((f) => !['keep.txt', 'model.onnx', 'out'].includes(f));
  if (strays.length > 0) return `left behind: ${strays.join(', ')}`;
  if (cmd === 'compile') {
    if (r.code === 0) {
      for (const f of GENERATED) {
        const p = path.join(out, f);
        if (!existsSync(p) || statSync(p).size === 0) return `exit 0 but ${f} is missing or empty`;
      }
      if (!/#endif \/\* HARC_\w+_H \*\/\s*$/.test(readFileSync(path.join(out, 'model.h'), 'utf8'))) return 'exit 0 but model.h is incomplete';
    } else if (previous !== undefined) {
      if (!existsSync(out) || treeDigest(out) !== previous) return `exit ${r.code} but the previous output in -o was changed`;
    } else if (existsSync(out)) return `exit ${r.code} but the output directory exists`;
  }
  return undefined;
}

export async function fuzz(o: FuzzOptions, log: (line: string) => void = () => {}): Promise<FuzzSummary> {
  const t0 = Date.now();
  const seeds = corpus();
  const r = rng(o.seed);
  // Mutants are drawn up front, in order, so the set does not depend on --jobs or timing.
  const mutants = Array.from({ length: o.n }, (_, index) => {
    const src = seeds[Math.floor(r() * seeds.length)]!;
    return { index, source: src.name, ...mutateOnnx(r, src.bytes) };
  });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'harc-fuzz-'));
  const workers = Array.from({ length: Math.min(o.jobs, Math.max(1, o.n)) }, () => new Worker());
  const exitCodes: Record<string, number> = {};
  const failures: Failure[] = [];
  let runs = 0;
  let overEarlierOutput = 0;
  let next = 0;
  // harc's own output for each seed model, made once, on first need.
  const seedOutputs = new Map<string, Promise<string | undefined>>();
  const seedOutput = (w: Worker, source: string): Promise<string | undefined> => {
    let p = seedOutputs.get(source);
    if (!p) {
      const dir = path.join(scratch, 'seed-outputs', source.replaceAll('/', '_'));
      p = w.run(['compile', path.join(ROOT, source), '-o', dir], o.timeoutMs).then((r) => ('code' in r && r.code === 0 ? dir : undefined));
      seedOutputs.set(source, p);
    }
    return p;
  };
  try {
    await Promise.all(
      workers.map(async (w) => {
        for (let m = mutants[next++]; m; m = mutants[next++]) {
          const work = path.join(scratch, String(m.index));
          mkdirSync(work);
          const model = path.join(work, 'model.onnx');
          writeFileSync(model, m.bytes);
          writeFileSync(path.join(work, 'keep.txt'), 'user file\n');
          const out = path.join(work, 'out');
          const hash = sha(m.bytes);
          // Every other mutant compiles over an earlier harc output of its seed model: a failure
          // must leave that output exactly as it was, a success replace it whole.
          const earlier = m.index % 2 === 1 ? await seedOutput(w, m.source) : undefined;
          if (earlier) {
            cpSync(earlier, out, { recursive: true });
            overEarlierOutput++;
          }
          const previous = earlier ? treeDigest(out) : undefined;
          for (const [cmd, argv] of [
            ['inspect', ['inspect', model]],
            ['compile', ['compile', model, '-o', out]],
          ] as const) {
            const res = await w.run([...argv], o.timeoutMs);
            runs++;
            const key = 'code' in res ? String(res.code) : 'hung' in res ? 'hang' : 'crash';
            exitCodes[key] = (exitCodes[key] ?? 0) + 1;
            const reason = judge(cmd, res, work, out, model, hash, o.timeoutMs, previous);
            if (reason) {
              mkdirSync(o.save, { recursive: true });
              const saved = path.join(o.save, `seed${o.seed}-${m.index}.onnx`);
              writeFileSync(saved, m.bytes);
              const detail = 'code' in res ? `exit ${res.code}\n--- stderr\n${res.stderr}\n--- stdout\n${res.stdout.slice(0, 4000)}` : reason;
              writeFileSync(`${saved}.txt`, `source: ${m.source}\nmutation: ${m.what}\ncommand: harc ${argv.join(' ').replaceAll(model, saved)}\nreason: ${reason}\n${detail}\n`);
              failures.push({ index: m.index, source: m.source, what: m.what, argv: [...argv], reason, saved });
              log(`FAIL #${m.index} ${m.source} [${m.what}] harc ${cmd}: ${reason}`);
            }
          }
          rmSync(work, { recursive: true, force: true });
          if ((m.index + 1) % 100 === 0) log(`${m.index + 1}/${o.n} mutants, ${failures.length} failures`);
        }
      }),
    );
  } finally {
    workers.forEach((w) => w.stop());
    rmSync(scratch, { recursive: true, force: true });
  }
  return { seed: o.seed, mutants: o.n, runs, overEarlierOutput, exitCodes, failures, seconds: (Date.now() - t0) / 1000 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts: FuzzOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const json = process.argv.includes('--json');
  const s = await fuzz(opts, (l) => console.error(l));
  if (json) console.log(JSON.stringify(s, null, 1));
  else {
    const codes = Object.entries(s.exitCodes)
      .sort()
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    console.log(`fuzz seed ${s.seed}: ${s.mutants} mutants, ${s.runs} runs (exit ${codes}; ${s.overEarlierOutput} compiles over an earlier output), ${s.failures.length} failures, ${s.seconds.toFixed(0)} s`);
    if (s.failures.length > 0) console.log(`failing inputs saved in ${opts.save}`);
  }
  process.exit(s.failures.length > 0 ? 1 : 0);
}
