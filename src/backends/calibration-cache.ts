// Calibration statistics cached by content: the same optimized graph, calibration data and options
// give the same table, so every command (compile, inspect, run, measure, check, eval) reuses the
// first one's. An entry is trusted only if it parses, carries its own key, its digest matches and
// every range is well formed; anything else is recomputed and rewritten.
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Graph, Value } from '../ir/types.ts';
import { calibrate, type CalibOptions, type CalibrationTable, type TensorRange } from '../planning/calibrate.ts';
import { cacheDir } from '../ir/cache-dir.ts';

/** Bump when calibration's results change for the same inputs (a fix in calibrate or an op's
 * float semantics), so that older entries are no longer found. */
const CALIBRATION_VERSION = 1;

/** The options that decide the table (progress and engine do not). */
type KeyedOptions = Pick<CalibOptions, 'method' | 'percentile' | 'maxSamples' | 'keepPerTensor' | 'bits'>;

const bytesOf = (d: ArrayBufferView): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

function hashGraph(h: Hash, g: Graph): void {
  h.update(JSON.stringify({ inputs: g.inputs, outputs: g.outputs, nodes: g.nodes }));
  for (const [name, t] of Object.entries(g.tensors)) {
    h.update(JSON.stringify([name, t.shape, t.dtype, t.quant ?? null, t.data ? t.data.constructor.name : null]));
    if (t.data) h.update(bytesOf(t.data));
  }
}

/** The cache key: a hash of the graph (structure and weights), the data and the options. */
export function calibrationKey(graph: Graph, data: Value, opts: KeyedOptions): string {
  const h = createHash('sha256');
  h.update(`harc-calibration ${CALIBRATION_VERSION}\n`);
  hashGraph(h, graph);
  h.update(JSON.stringify([data.shape, data.dtype, data.data.constructor.name]));
  h.update(bytesOf(data.data));
  h.update(JSON.stringify({ method: opts.method ?? 'minmax', percentile: opts.percentile ?? null, maxSamples: opts.maxSamples ?? null, keepPerTensor: opts.keepPerTensor ?? null, bits: opts.bits ?? null }));
  return h.digest('hex');
}

// JSON keeps every finite double exactly; −0 and non-finite values are spelled out.
const encode = (_k: string, v: unknown): unknown => (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v)) ? `number:${Object.is(v, -0) ? '-0' : v}` : v);
const decode = (_k: string, v: unknown): unknown => (typeof v === 'string' && v.startsWith('number:') ? Number(v.slice(7)) : v);
const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

function isRange(r: unknown): r is TensorRange {
  if (typeof r !== 'object' || r === null) return false;
  const { min, max, channels } = r as Record<string, unknown>;
  if (typeof min !== 'number' || typeof max !== 'number') return false;
  return channels === undefined || (Array.isArray(channels) && channels.every(isRange));
}

export const calibrationCacheDir = (): string => path.join(cacheDir(), 'calibration');

/** The cached table for `key`, or undefined when there is none or it cannot be trusted. */
export function readCachedTable(key: string, dir = calibrationCacheDir()): CalibrationTable | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, `${key}.json`), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const entry = JSON.parse(text) as { key?: unknown; sha256?: unknown; table?: unknown };
    if (entry.key !== key || typeof entry.table !== 'string' || entry.sha256 !== digest(entry.table)) return undefined;
    const table = JSON.parse(entry.table, decode) as unknown;
    if (typeof table !== 'object' || table === null || Array.isArray(table) || !Object.values(table).every(isRange)) return undefined;
    return table as CalibrationTable;
  } catch {
    return undefined;
  }
}

/** Stores the table under `key` (atomically: a reader sees the old entry, the new one or none).
 * A cache that cannot be written is not an error: the next run calibrates again. */
export function writeCachedTable(key: string, table: CalibrationTable, dir = calibrationCacheDir()): void {
  const text = JSON.stringify(table, encode);
  const tmp = path.join(dir, `${key}.json.tmp-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ key, sha256: digest(text), table: text }));
    renameSync(tmp, path.join(dir, `${key}.json`));
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** `calibrate`, answered from the cache when the same graph, data and options were calibrated
 * before. HARC_CALIB_CACHE=0 turns the cache off. */
export function calibrateCached(graph: Graph, data: Value, samples: Value[][], opts: CalibOptions = {}): { table: CalibrationTable; cached: boolean } {
  if (process.env.HARC_CALIB_CACHE === '0') return { table: calibrate(graph, samples, opts), cached: false };
  const key = calibrationKey(graph, data, opts);
  const hit = readCachedTable(key);
  if (hit) return { table: hit, cached: true };
  const table = calibrate(graph, samples, opts);
  writeCachedTable(key, table);
  return { table, cached: false };
}
