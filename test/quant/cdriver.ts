// Builds test/quant/c/fixedpoint_driver.c against templates/runtime/harc_fixedpoint.h with the
// host gcc and runs batches of commands through it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const RUNTIME_DIR = join(REPO, 'templates/runtime');
export const DRIVER_SRC = join(here, 'c/fixedpoint_driver.c');

export function hasCompiler(cc: string): boolean {
  return spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface Driver {
  run(lines: string[]): string[];
  dispose(): void;
}

export function buildDriver(): Driver {
  const dir = mkdtempSync(join(tmpdir(), 'harc-quant-'));
  const exe = join(dir, 'fixedpoint_driver');
  execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O2', `-I${RUNTIME_DIR}`, DRIVER_SRC, '-lm', '-o', exe], {
    stdio: 'pipe',
  });
  return {
    run(lines: string[]): string[] {
      const out = execFileSync(exe, [], { input: lines.join('\n') + '\n', maxBuffer: 512 * 1024 * 1024 }).toString();
      const result = out.split('\n');
      if (result[result.length - 1] === '') result.pop();
      if (result.length !== lines.length) throw new Error(`driver answered ${result.length} of ${lines.length} commands`);
      return result;
    },
    dispose(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** mulberry32: small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Random int32 biased toward edge cases (extremes, powers of two and their neighbours, small values). */
export function randInt32(r: () => number): number {
  const k = r();
  if (k < 0.1) return [-2147483648, 2147483647, 0, 1, -1, -2147483647][randInt(r, 0, 5)]!;
  if (k < 0.3) {
    const p = 2 ** randInt(r, 0, 30);
    return (r() < 0.5 ? -1 : 1) * (p + randInt(r, -1, 1)) | 0;
  }
  if (k < 0.5) return randInt(r, -70000, 70000);
  return randInt(r, -2147483648, 2147483647);
}

export function log10Uniform(r: () => number, lo: number, hi: number): number {
  return 10 ** (Math.log10(lo) + r() * (Math.log10(hi) - Math.log10(lo)));
}

export function floatBits(x: number): string {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x);
  return dv.getUint32(0).toString(16);
}

export function doubleBits(x: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16);
}
