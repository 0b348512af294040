import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSweepReport } from './report.ts';
import { PARETO, readSweepDir } from './results-io.ts';
import type { ParetoFile } from './types.ts';

/** Writes DIR/report.html (src/sweep/report.ts) from the directory's own files, so a sweep, a
 * shard and a merge draw the same page from the same records. Atomic, like the other files. */
export function writeReport(dir: string): void {
  const { manifest, results } = readSweepDir(dir);
  const pareto = JSON.parse(readFileSync(path.join(dir, PARETO), 'utf8')) as ParetoFile;
  const html = renderSweepReport(results, pareto, { model: manifest.model, target: manifest.target, strategy: manifest.strategy, bits: manifest.bits });
  const file = path.join(dir, 'report.html');
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}
