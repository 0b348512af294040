/** Locations of the toolchain sources and the build cache. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (this file lives in src/backends/targets/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const TOOLCHAIN_DIR = path.join(REPO_ROOT, 'toolchain');

export const toolchainPath = (...parts: string[]): string => path.join(TOOLCHAIN_DIR, ...parts);

/** Cache for host-built helpers (the QEMU plugin): $HARC_CACHE_DIR or <repo>/.harc-cache. */
export function cacheDir(): string {
  return process.env.HARC_CACHE_DIR ?? path.join(REPO_ROOT, '.harc-cache');
}
