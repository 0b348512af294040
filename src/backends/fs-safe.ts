import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HarcError, inputError } from '../ir/errors.ts';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a component of the path is not a directory',
  ENOENT: 'nothing can be created there',
  EISDIR: 'is a directory',
  EEXIST: 'exists and cannot be replaced',
  ENAMETOOLONG: 'the name is too long',
};

/** A failed write as a one-line input error (exit 2): the destination is the user's to fix. */
export function cannotWrite(path: string, e: unknown): HarcError {
  if (e instanceof HarcError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  return inputError(`cannot write ${path}: ${(code && REASONS[code]) ?? (e as Error)?.message ?? String(e)}${code ? ` (${code})` : ''}`);
}

const exists = async (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

/** mkdir -p one level at a time: Node's recursive mkdir loops forever under /proc (ENOENT ↔ EEXIST). */
export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); !(await exists(d)) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  for (const d of missing.reverse()) await mkdir(d);
}

/** Writes a file through a sibling temp file and a rename: never half-written, no temp left on failure. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${resolve(path)}.harc-tmp-${process.pid}`;
  try {
    await makeDirs(dirname(resolve(path)));
    await writeFile(tmp, data);
    await rename(tmp, resolve(path));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw cannotWrite(path, e);
  }
}
