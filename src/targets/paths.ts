/** Locations of the toolchain sources and the build cache. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Package root (this file lives in src/targets/, or dist/targets/ once compiled). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const TOOLCHAIN_DIR = path.join(REPO_ROOT, 'toolchain');

export const toolchainPath = (...parts: string[]): string => path.join(TOOLCHAIN_DIR, ...parts);

export { cacheDir } from '../ir/cache-dir.ts';
