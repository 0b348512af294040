import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../ir/cache-dir.ts';
import type { Measured } from './candidate.ts';
import type { WeightBits } from './types.ts';

// Measured candidates cached by content under the harc cache directory ($HARC_CACHE_DIR/sweep): an
// interrupted sweep resumes where it stopped and a repeated one builds nothing. The key (a
// candidate's `id`) hashes everything its figures depend on; HARC_SWEEP_CACHE=0 turns it off.

/** Bump when a candidate's figures change for the same inputs (a fix in quantization, kernels, the
 * cycle model), so that older entries are no longer found. */
const SWEEP_CACHE_VERSION = 1;

/** What every candidate of one sweep shares in its key. */
export interface SweepKeyParts {
  modelSha256: string;
  target: string;
  /** Kernel set, planner, alignment, optimization level: what decides the C and the ELF. */
  flags: Record<string, string | number | boolean | undefined>;
  calibSha256: string;
  calibMethod: string;
  valSha256: string;
  testSha256: string | null;
}

export const sha256 = (...parts: (string | ArrayBufferView)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
};

/** The hash of the parts every candidate shares (computed once per sweep). */
export const sweepKey = (p: SweepKeyParts): string => sha256(`harc-sweep ${SWEEP_CACHE_VERSION}\n`, JSON.stringify(p));

/** A candidate's id: the sweep's key and its bits (every weighted layer, in order). */
export const candidateId = (sweep: string, layerBits: ReadonlyMap<string, WeightBits>): string => sha256(sweep, JSON.stringify([...layerBits])).slice(0, 16);

export const sweepCacheDir = (): string => path.join(cacheDir(), 'sweep');
const enabled = (): boolean => process.env['HARC_SWEEP_CACHE'] !== '0';

export function readCachedCandidate(id: string, dir = sweepCacheDir()): Measured | undefined {
  if (!enabled()) return undefined;
  try {
    const e = JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')) as { id?: unknown; measured?: Measured };
    const m = e.measured;
    if (e.id !== id || !m || typeof m.flash !== 'number' || typeof m.val?.accuracy !== 'number') return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** Atomic (a reader sees the old entry, the new one or none); a cache that cannot be written is
 * not an error. */
export function writeCachedCandidate(id: string, measured: Measured, dir = sweepCacheDir()): void {
  if (!enabled()) return;
  const tmp = path.join(dir, `${id}.json.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ id, measured }));
    renameSync(tmp, path.join(dir, `${id}.json`));
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Calibration-derived, so HARC_CALIB_CACHE=0 turns it off (not HARC_SWEEP_CACHE). */
const meansEnabled = (): boolean => process.env['HARC_CALIB_CACHE'] !== '0';

/** Channel means of the weighted layers' inputs over the calibration data (sub-byte bias
 * correction), by the calibration key of the graph and data. JSON keeps every double exactly. */
export function readCachedMeans(key: string, dir = sweepCacheDir()): Record<string, Float64Array> | undefined {
  if (!meansEnabled()) return undefined;
  try {
    const e = JSON.parse(readFileSync(path.join(dir, `means-${key}.json`), 'utf8')) as { key?: unknown; means?: Record<string, number[]> };
    if (e.key !== key || typeof e.means !== 'object' || e.means === null) return undefined;
    if (!Object.values(e.means).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) return undefined;
    return Object.fromEntries(Object.entries(e.means).map(([k, v]) => [k, Float64Array.from(v)]));
  } catch {
    return undefined;
  }
}

export function writeCachedMeans(key: string, means: Record<string, Float64Array>, dir = sweepCacheDir()): void {
  if (!meansEnabled() || existsSync(path.join(dir, `means-${key}.json`))) return;
  const tmp = path.join(dir, `means-${key}.json.tmp-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ key, means: Object.fromEntries(Object.entries(means).map(([k, v]) => [k, [...v]])) }));
    renameSync(tmp, path.join(dir, `means-${key}.json`));
  } catch {
    rmSync(tmp, { force: true });
  }
}
