import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../src/ir/npy.ts';
import type { Value } from '../src/ir/types.ts';

export const repo = join(import.meta.dirname, '..');
const SHARED = join(repo, '..', 'shared', 'data', 'uci-har');

export interface HarSplit {
  name: string;
  x: Value;
  y: Uint8Array;
}

/** The UCI-HAR test split: the full 2996 windows from ../shared when present, else the committed
 * 256-window subset. */
export function testSplit(): HarSplit {
  if (existsSync(join(SHARED, 'X_test.f32'))) {
    const raw = readFileSync(join(SHARED, 'X_test.f32'));
    const data = new Float32Array(new Uint8Array(raw).buffer);
    const y = new Uint8Array(readFileSync(join(SHARED, 'y_test.u8')));
    return { name: `UCI-HAR test, full (${y.length} windows, ../shared)`, x: { shape: [y.length, 128, 9], dtype: 'float32', data }, y };
  }
  const x = readNpy(join(repo, 'zoo', 'data', 'test_X.npy'));
  const yv = readNpy(join(repo, 'zoo', 'data', 'test_y.npy'));
  return { name: `UCI-HAR test subset (${yv.data.length} windows, zoo/data)`, x, y: Uint8Array.from(yv.data as ArrayLike<number>) };
}

export interface ZooEntry {
  name: string;
  file: string;
  params: number;
  macs: number;
  floatTestAccuracy?: number;
  floatTestMacroF1?: number;
}

export function zooModels(): ZooEntry[] {
  const manifest = JSON.parse(readFileSync(join(repo, 'zoo', 'manifest.json'), 'utf8')) as { models: ZooEntry[] };
  // multi-exit models (an `outputs` list, e.g. har-cnn-3exit) have their own figures: harc eval --exits (docs/adaptive.md);
  // sub-byte quantization-aware models (`weightBits`, e.g. har-cnn-w4) theirs: bench/subbyte.ts
  return manifest.models.filter((m) => existsSync(join(repo, 'zoo', m.file)) && !(m as { outputs?: string[] }).outputs && !(m as { weightBits?: object }).weightBits);
}
