import { closeSync, lstatSync, openSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { cannotWrite } from '../backends/fs-safe.ts';
import { inputError } from '../ir/errors.ts';

// What harc writes is checked before any work starts: a user's files are never replaced unless they
// say so (--force), and an unwritable destination is exit 2 at once, not after a long build.

/** The file that marks a directory as harc's own output; it lists the files harc wrote there. */
export const OUTPUT_MARKER = '.harc-output';

export const markerText = (files: readonly string[]): string =>
  `This directory was written by harc compile, which replaces it on the next compile to it.\n${[...new Set(files.map((f) => f.split('/')[0]!))].sort().join('\n')}\n`;

/** The entries harc wrote into `dir` (from its marker), or undefined when harc did not write it. */
function ownedEntries(dir: string): Set<string> | undefined {
  try {
    return new Set(readFileSync(join(dir, OUTPUT_MARKER), 'utf8').split('\n').slice(1).filter(Boolean).concat(OUTPUT_MARKER));
  } catch {
    return undefined;
  }
}

const lstatOrUndefined = (p: string) => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

/** A path as the user would write it: relative when under the working directory. */
const shown = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
};

/** The nearest existing ancestor of `path` must be a directory we can create files in: tried with a
 * probe file, since permission bits say nothing to root and nothing about /proc or a read-only mount. */
function checkCreatable(path: string): void {
  let d = dirname(resolve(path));
  while (!lstatOrUndefined(d) && dirname(d) !== d) d = dirname(d);
  let isDir = false;
  try {
    isDir = statSync(d).isDirectory();
  } catch {
    // a dangling link: not a directory
  }
  if (!isDir) throw inputError(`cannot write ${path}: ${shown(d)} is not a directory`);
  const probe = join(d, `.harc-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw cannotWrite(path, e);
  }
}

const listed = (names: string[]): string => names.slice(0, 3).map((n) => `'${n}'`).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');

/** `compile -o DIR`: a new or empty directory, or one harc wrote and nobody added to; else --force. */
export function checkOutDir(path: string, force: boolean, flag = '-o'): void {
  if (path.trim() === '') throw inputError(`${flag}: give an output directory`);
  checkCreatable(path);
  const st = lstatOrUndefined(path);
  if (!st || force) return;
  if (!st.isDirectory())
    throw inputError(`${flag} ${path}: is an existing ${st.isSymbolicLink() ? 'symbolic link' : 'file'}; harc writes a directory there and would replace it (give another ${flag}, or --force to replace it)`);
  const entries = readdirSync(path);
  if (entries.length === 0) return;
  const owned = ownedEntries(path);
  if (!owned)
    throw inputError(`${flag} ${path}: the directory holds files harc did not write (${listed(entries)}); give a new or empty directory, or --force to replace it`);
  const foreign = entries.filter((e) => !owned.has(e));
  if (foreign.length > 0) throw inputError(`${flag} ${path}: files were added to harc's output directory (${listed(foreign)}); move them, or give --force to replace the directory`);
}

/** A file output (--report, --svg, --save-json, run -o, convert -o): not a directory, and writable. */
export function checkOutFile(path: string, flag: string): void {
  if (path === '') throw inputError(`${flag}: give a file name`);
  const st = lstatOrUndefined(path);
  if (st?.isDirectory()) throw inputError(`cannot write ${flag} ${path}: is a directory; give a file name`);
  checkCreatable(path);
}
