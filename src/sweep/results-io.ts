import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inputError } from '../ir/errors.ts';
import { paretoFile } from './pareto.ts';
import type { ParetoFile, SweepResult } from './types.ts';

// A sweep directory: sweep.json (what was swept: model, target, bits, layers, strategy, data
// hashes; a shard says which), results.jsonl (one candidate per line, sorted by index, without
// wall-clock times, so the bytes depend only on the inputs: merged shards equal a single run),
// timings.jsonl (compile and run times, which differ run to run) and pareto.json.

export const MANIFEST = 'sweep.json';
export const RESULTS = 'results.jsonl';
export const TIMINGS = 'timings.jsonl';
export const PARETO = 'pareto.json';

export interface SweepManifest {
  harc: 'sweep';
  /** The model file's name (not its path: shards from other machines must agree). */
  model: string;
  modelSha256: string;
  target: string;
  strategy: string;
  bits: number[];
  layers: string[];
  seed: number;
  max: number | null;
  /** Hash of everything the candidates share (model, target, flags, calibration, val/test data). */
  sweepKey: string;
  /** Candidates in the whole enumeration (null for greedy, whose count depends on its results). */
  candidates: number | null;
  /** Greedy: the ids chosen at each step. */
  greedyPath?: string[];
  /** 'K/N' for one shard's output; absent for a whole sweep and for a merge. */
  shard?: string;
}

/** One results.jsonl line: the record without its wall-clock times, keys in a fixed order. */
export function resultLine(r: SweepResult): string {
  const { id, index, bits, uniform, val, test, weightBytes, flash, sram, instructions, cycles } = r;
  const s = (x: SweepResult['val']) => ({ accuracy: x.accuracy, macroF1: x.macroF1, n: x.n });
  return JSON.stringify({ id, index, bits, uniform, val: s(val), ...(test ? { test: s(test) } : {}), weightBytes, flash, sram, instructions, cycles });
}

const timingLine = (r: SweepResult): string => JSON.stringify({ id: r.id, index: r.index, compileMs: r.compileMs, runMs: r.runMs });

/** Writes a file atomically (a temp file renamed into place). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export const byIndex = (rs: readonly SweepResult[]): SweepResult[] => [...rs].sort((a, b) => a.index - b.index);

/** Writes the four files; returns the front. */
export function writeSweepDir(dir: string, manifest: SweepManifest, results: readonly SweepResult[]): ParetoFile {
  const sorted = byIndex(results);
  const pareto = paretoFile(manifest.model, manifest.target, sorted);
  mkdirSync(dir, { recursive: true });
  writeAtomic(path.join(dir, RESULTS), sorted.map((r) => `${resultLine(r)}\n`).join(''));
  writeAtomic(path.join(dir, TIMINGS), sorted.map((r) => `${timingLine(r)}\n`).join(''));
  writeAtomic(path.join(dir, PARETO), `${JSON.stringify(pareto, null, 2)}\n`);
  writeAtomic(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return pareto;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw inputError(`${file}: no such file; ${what}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw inputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

const isSplit = (v: unknown): boolean => typeof v === 'object' && v !== null && ['accuracy', 'macroF1', 'n'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number');

function checkRecord(r: unknown, where: string): SweepResult {
  const o = r as Record<string, unknown>;
  const nums = ['index', 'weightBytes', 'flash', 'sram', 'instructions', 'cycles'];
  const bad =
    typeof o !== 'object' || o === null
      ? 'not an object'
      : typeof o['id'] !== 'string'
        ? 'id'
        : (nums.find((k) => typeof o[k] !== 'number') ?? (typeof o['bits'] !== 'object' || o['bits'] === null ? 'bits' : !isSplit(o['val']) ? 'val' : o['test'] !== undefined && !isSplit(o['test']) ? 'test' : undefined));
  if (bad) throw inputError(`${where}: not a sweep result (field '${bad}'); was it written by harc sweep?`);
  return { ...(o as unknown as SweepResult), compileMs: 0, runMs: 0 };
}

export interface SweepDir {
  manifest: SweepManifest;
  /** Sorted by index, with their times from timings.jsonl (0 where none is recorded). */
  results: SweepResult[];
}

/** Reads what `writeSweepDir` wrote; a missing or foreign directory is one line naming it. */
export function readSweepDir(dir: string): SweepDir {
  if (!existsSync(dir)) throw inputError(`${dir}: no such directory; give the -o DIR of a harc sweep`);
  const manifest = readJson(path.join(dir, MANIFEST), 'give the -o DIR of a harc sweep') as SweepManifest;
  if (manifest?.harc !== 'sweep') throw inputError(`${path.join(dir, MANIFEST)}: not written by harc sweep`);
  const file = path.join(dir, RESULTS);
  if (!existsSync(file)) throw inputError(`${file}: no such file; give the -o DIR of a harc sweep`);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  const results = lines.map((l, i) => {
    try {
      return checkRecord(JSON.parse(l), `${file}:${i + 1}`);
    } catch (e) {
      if (e instanceof SyntaxError) throw inputError(`${file}:${i + 1}: not valid JSON (${e.message})`);
      throw e;
    }
  });
  const times = new Map<string, { compileMs: number; runMs: number }>();
  try {
    for (const l of readFileSync(path.join(dir, TIMINGS), 'utf8').split('\n').filter((x) => x.trim())) {
      const t = JSON.parse(l) as { id: string; compileMs: number; runMs: number };
      times.set(t.id, { compileMs: t.compileMs, runMs: t.runMs });
    }
  } catch {
    // timings are informative only: a shard copied without them merges all the same
  }
  return { manifest, results: byIndex(results.map((r) => ({ ...r, ...times.get(r.id) }))) };
}

/** The manifest without what differs between the shards of one sweep. */
const sharedPart = (m: SweepManifest): Omit<SweepManifest, 'shard'> => {
  const { shard: _shard, ...rest } = m;
  return rest;
};

const FIELD_NAMES: [keyof SweepManifest, string][] = [
  ['modelSha256', 'models'],
  ['target', 'targets'],
  ['strategy', 'strategies'],
  ['bits', '--bits'],
  ['layers', 'swept layers'],
  ['seed', '--seed'],
  ['max', '--max'],
  ['sweepKey', 'data, calibration or compiler flags'],
];

/** Combines shard directories into what a single run writes. Shards of different sweeps are
 * refused, naming what differs; a candidate in two shards must be the same in both. */
export function mergeSweepDirs(dirs: readonly string[]): SweepDir & { missing: number } {
  const parts = dirs.map((d) => ({ dir: d, ...readSweepDir(d) }));
  const first = parts[0]!;
  for (const p of parts.slice(1)) {
    const diff = FIELD_NAMES.find(([k]) => JSON.stringify(p.manifest[k]) !== JSON.stringify(first.manifest[k]));
    if (diff) throw inputError(`harc sweep merge: ${p.dir} and ${first.dir} come from different sweeps (different ${diff[1]}); merge only the shards of one sweep`);
    if (JSON.stringify(sharedPart(p.manifest)) !== JSON.stringify(sharedPart(first.manifest))) throw inputError(`harc sweep merge: ${p.dir} and ${first.dir} come from different sweeps (their sweep.json differ)`);
  }
  const byIdx = new Map<number, SweepResult>();
  for (const p of parts)
    for (const r of p.results) {
      const had = byIdx.get(r.index);
      if (had && resultLine(had) !== resultLine(r)) throw inputError(`harc sweep merge: candidate ${r.index} differs between the shards (${had.id} vs ${r.id}); were they run with different harc versions?`);
      byIdx.set(r.index, r);
    }
  const results = byIndex([...byIdx.values()]);
  const total = first.manifest.candidates;
  return { manifest: sharedPart(first.manifest) as SweepManifest, results, missing: total === null ? 0 : total - results.length };
}
