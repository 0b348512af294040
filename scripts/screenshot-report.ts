// Screenshot of a sweep report for docs/sweep.md:
//   node --import tsx scripts/screenshot-report.ts DIR [OUT.png]   (DIR: a `harc sweep -o DIR` output)
//   node --import tsx scripts/screenshot-report.ts --synthetic [OUT.png]   (seeded records: layout only)
// Renders DIR's results.jsonl and pareto.json with the current renderer in headless chromium, with the
// details of one front candidate shown (the smallest within 1 pp val accuracy of all-8), and writes
// OUT.png (default docs/sweep-report.png).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSweepReport, type ReportMeta } from '../src/sweep/report.ts';
import type { ParetoFile, SweepResult } from '../src/sweep/types.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { syntheticSweep } from '../test/helpers/sweep-records.ts';

const repo = join(import.meta.dirname, '..');
const [source, out = join(repo, 'docs', 'sweep-report.png')] = process.argv.slice(2);
if (!source) {
  console.error('usage: node --import tsx scripts/screenshot-report.ts DIR|--synthetic [OUT.png]');
  process.exit(2);
}

function readDir(dir: string): { results: SweepResult[]; pareto: ParetoFile; meta: ReportMeta } {
  const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const pareto = JSON.parse(readFileSync(join(dir, 'pareto.json'), 'utf8')) as ParetoFile;
  // sweep.json says what was swept (strategy, widths) for the header
  const manifest = existsSync(join(dir, 'sweep.json')) ? (JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as ReportMeta) : undefined;
  return { results: lines.map((l) => JSON.parse(l) as SweepResult), pareto, meta: { ...manifest, model: pareto.model, target: pareto.target } };
}

const synthetic = source === '--synthetic';
const { results, pareto, meta } = synthetic
  ? { ...syntheticSweep(1), meta: { model: 'har-cnn', target: 'cortex-m4', title: 'har-cnn: mixed-precision sweep on cortex-m4 (illustrative, seeded records)' } }
  : readDir(source);
const html = renderSweepReport(results, pareto, meta);

const onFront = new Set(pareto.front);
const all8 = results.find((r) => r.uniform === 8);
const front = results.filter((r) => onFront.has(r.id)).sort((a, b) => a.weightBytes - b.weightBytes || a.index - b.index);
const shown = (all8 && front.find((r) => r.val.accuracy >= all8.val.accuracy - 0.01)) ?? front[Math.floor(front.length / 2)];

const hb = await launchChromium();
try {
  const page = await hb.browser.newPage({ viewport: { width: 1200, height: 1180 } });
  await page.setContent(html, { waitUntil: 'load' });
  if (shown) await page.locator(`svg.plot[data-axis="flash"] circle.mark[data-id="${shown.id}"]`).dispatchEvent('mouseover');
  writeFileSync(out, await page.screenshot());
  console.log(`wrote ${out} (${results.length} candidates, ${pareto.front.length} on the front${shown ? `, #${shown.index} shown` : ''})`);
} finally {
  await hb.close();
}
