import { describe, expect, it } from 'vitest';
import { escapeHtml, niceTicks, planeFront, renderSweepReport } from '../../src/sweep/report.ts';
import type { SweepResult } from '../../src/sweep/types.ts';
import { requireChromium } from '../helpers/browser.ts';
import { bruteForceFront, prng, syntheticSweep } from '../helpers/sweep-records.ts';

const meta = { model: 'har-cnn', target: 'cortex-m4' };

/** The SVG plots of a page, keyed by their axis. */
const plots = (html: string): Record<string, string> =>
  Object.fromEntries([...html.matchAll(/<svg class="plot" data-axis="(\w+)"[\s\S]*?<\/svg>/g)].map((m) => [m[1]!, m[0]]));
const markIds = (svg: string, cls: RegExp = /mark(?: front)?/): string[] =>
  [...svg.matchAll(/<circle class="([^"]+)" data-id="([^"]+)"/g)].filter((m) => new RegExp(`^(${cls.source})$`).test(m[1]!)).map((m) => m[2]!);

describe('sweep report', () => {
  const { results, pareto } = syntheticSweep(3);
  const html = renderSweepReport(results, pareto, meta);

  it('draws one mark per candidate in each plot, and the front marks are exactly pareto.front', () => {
    const p = plots(html);
    expect(Object.keys(p).sort()).toEqual(['cycles', 'flash', 'sram']);
    for (const svg of Object.values(p)) {
      expect(markIds(svg).sort()).toEqual(results.map((r) => r.id).sort());
      expect(markIds(svg, /mark front/).sort()).toEqual([...pareto.front].sort());
    }
    expect(pareto.front.length).toBeGreaterThan(1);
    expect(pareto.front.length).toBeLessThan(results.length);
  });

  it('labels the uniform configs in every plot', () => {
    for (const svg of Object.values(plots(html))) expect([...svg.matchAll(/class="ulabel"[^>]*>(all-\d)</g)].map((m) => m[1])).toEqual(['all-8', 'all-4', 'all-2']);
  });

  it('draws the front in each plane as a staircase that no candidate lies above', () => {
    const flash = planeFront(results, (r) => r.flash);
    for (const r of results) {
      const best = flash.filter((f) => f.flash <= r.flash).map((f) => f.val.accuracy);
      expect(Math.max(...best)).toBeGreaterThanOrEqual(r.val.accuracy);
    }
    // every plane's front is on the four-objective front (no ties in these records)
    for (const f of flash) expect(pareto.front).toContain(f.id);
    expect((plots(html).flash!.match(/class="stairs"/g) ?? []).length).toBe(1);
  });

  it('heat-maps the front, smallest flash first, one cell per layer', () => {
    const heat = html.match(/<svg class="heatmap"[\s\S]*?<\/svg>/)![0];
    const rows = [...heat.matchAll(/<g class="hm-row" data-id="([^"]+)">([\s\S]*?)<\/g>/g)];
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(rows.map((m) => m[1]).sort()).toEqual([...pareto.front].sort());
    const flashes = rows.map((m) => byId.get(m[1]!)!.flash);
    expect(flashes).toEqual([...flashes].sort((a, b) => a - b));
    for (const [, id, row] of rows) {
      const cells = [...row!.matchAll(/<title>([^<]+): (\d)-bit<\/title>/g)].map((m) => [m[1], Number(m[2])]);
      expect(Object.fromEntries(cells)).toEqual(byId.get(id!)!.bits);
    }
  });

  it('tables every candidate with validation and test in separate columns', () => {
    const rows = [...html.matchAll(/<tr data-id="([^"]+)"[^>]*>([\s\S]*?)<\/tr>/g)];
    expect(rows.map((m) => m[1])).toEqual(results.map((r) => r.id));
    expect(html).toContain('validation (selection)');
    expect(html).toContain('class="grp test">test (held out)');
    const r = results[7]!;
    const cells = [...rows[7]![2]!.matchAll(/data-v="([^"]*)"/g)].map((m) => m[1]);
    expect(cells.slice(3, 7).map(Number)).toEqual([r.val.accuracy, r.val.macroF1, r.test!.accuracy, r.test!.macroF1]);
  });

  it('is the same bytes for the same records, whatever their order in the input', () => {
    const rnd = prng(9);
    const shuffled = [...results].map((r) => [rnd(), r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    expect(renderSweepReport(shuffled, pareto, meta)).toBe(html);
    expect(renderSweepReport(results, pareto, meta)).toBe(html);
  });

  it('is self-contained: no external resource, one data block and one script', () => {
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|\/\/cdn|@import|url\(/);
    expect((html.match(/<script/g) ?? []).length).toBe(2);
  });

  it('escapes names from the user model everywhere, including the embedded data', () => {
    const evil = '<img src=x onerror=alert(1)>"\'&</script><!--';
    const one = (r: SweepResult): SweepResult => ({ ...r, bits: Object.fromEntries(Object.entries(r.bits).map(([k, v], i) => [i === 0 ? evil : k, v])) });
    const page = renderSweepReport(results.map(one), pareto, { model: `m${evil}`, target: 'cortex-m4', title: `t${evil}` });
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<!--');
    expect((page.match(/<\/script>/g) ?? []).length).toBe(2);
    expect(page).toContain(escapeHtml(evil));
    const data = page.match(/<script type="application\/json" id="sweep-data">([\s\S]*?)<\/script>/)![1]!;
    expect(JSON.parse(data).layers[0]).toBe(evil);
  });

  it('says so when there is no test split, and renders an empty sweep', () => {
    const noTest = results.map(({ test: _t, ...r }) => r);
    const page = renderSweepReport(noTest, pareto, meta);
    expect(page).not.toContain('class="grp test"');
    expect(page).toContain('No test split was given');
    expect(renderSweepReport([], { ...pareto, front: [], candidates: 0 }, meta)).toContain('No candidates');
  });

  it('keeps a lone candidate on the page with finite coordinates', () => {
    const r = results[0]!;
    const page = renderSweepReport([r], { ...pareto, front: bruteForceFront([r]), candidates: 1 }, meta);
    for (const svg of Object.values(plots(page))) {
      expect(markIds(svg)).toEqual([r.id]);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });

  it('picks ticks at 1, 2 or 5 × 10^k covering the range', () => {
    expect(niceTicks(0.3, 0.93).ticks).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(19_288, 42_940, 4).ticks).toEqual([10_000, 20_000, 30_000, 40_000, 50_000]);
    const flat = niceTicks(5248, 5248);
    expect(flat.lo).toBeLessThan(5248);
    expect(flat.hi).toBeGreaterThan(5248);
    expect(niceTicks(Number.NaN, Infinity).ticks).toEqual([0, 1]);
  });

  it('names the setup script when the browser of the browser test is missing', () => {
    expect(() => requireChromium('/nonexistent/chromium')).toThrow(/chromium not found at \/nonexistent\/chromium: run `bash scripts\/setup-toolchains.sh`/);
  });
});
