/** Locations of the toolchain sources and the build cache. */
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

/** Package root (this file lives in src/backends/targets/, or dist/backends/targets/ once compiled). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const TOOLCHAIN_DIR = path.join(REPO_ROOT, 'toolchain');

export const toolchainPath = (...parts: string[]): string => path.join(TOOLCHAIN_DIR, ...parts);

/**
 * Cache for host-built helpers (the QEMU plugin): $HARC_CACHE_DIR, else $XDG_CACHE_HOME/harc, else
 * ~/.cache/harc. Never inside the package: an npm-installed harc may sit in a read-only directory.
 * Relative or empty values are ignored, as the XDG spec asks.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const override = env['HARC_CACHE_DIR'];
  if (override) return path.resolve(override);
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'harc');
  return path.join(home, '.cache', 'harc');
}
