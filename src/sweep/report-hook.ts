import { existsSync } from 'node:fs';
import path from 'node:path';
import { readSweepDir } from './results-io.ts';

// The HTML report is written by src/sweep/report.ts (renderSweepReport), built on another branch.
// INTEGRATOR: once report.ts is on main, replace the dynamic lookup below with a static import of
// renderSweepReport. Until then a sweep writes results.jsonl / pareto.json / sweep.json on their
// own, and this hook writes DIR/report.html only when the renderer is present.

type Render = (results: unknown[], pareto: unknown, meta: unknown) => string;

/** Writes DIR/report.html from the directory's files when the renderer exists; returns whether it did. */
export async function writeReport(dir: string): Promise<boolean> {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const file = ['report.ts', 'report.js'].map((f) => path.join(here, f)).find((f) => existsSync(f));
  if (!file) return false;
  const mod = (await import(file)) as { renderSweepReport?: Render };
  if (typeof mod.renderSweepReport !== 'function') return false;
  const { manifest, results } = readSweepDir(dir);
  const { readFileSync, writeFileSync } = await import('node:fs');
  const pareto = JSON.parse(readFileSync(path.join(dir, 'pareto.json'), 'utf8')) as unknown;
  writeFileSync(path.join(dir, 'report.html'), mod.renderSweepReport(results, pareto, manifest));
  return true;
}
