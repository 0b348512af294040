import os from 'node:os';
import path from 'node:path';

// Where harc keeps what it derives and can derive again (built helpers, calibration tables). It sits
// in the lowest layer because every layer above may cache.

/**
 * Cache for derived data (the QEMU plugin, calibration tables): $HARC_CACHE_DIR, else $XDG_CACHE_HOME/harc, else
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
