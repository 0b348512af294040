// @module-tag c
// Launches a real headless browser (not C, but a process of the same weight): kept out of the unit tier.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSweepReport } from '../../src/sweep/report.ts';
import type { SweepResult } from '../../src/sweep/types.ts';
import { launchChromium, pngDistinctColours, screenshotPainted, watchPage, type HeadlessBrowser } from '../helpers/browser.ts';
import { syntheticSweep } from '../helpers/sweep-records.ts';

// report.html in Debian's chromium: it loads without errors or requests, draws every candidate,
// shows a candidate's figures on hover and click, sorts, and reads without JavaScript too.

// one layer with a name a user model could have, to see it shown as text, not markup
const TRICKY = 'conv1<b>"&\'';
const { results: raw, pareto } = syntheticSweep(1);
const results: SweepResult[] = raw.map((r) => ({ ...r, bits: Object.fromEntries(Object.entries(r.bits).map(([k, v]) => [k === 'conv1' ? TRICKY : k, v])) }));
const N = results.length;
const frontSet = new Set(pareto.front);

/** ids of the marks in a plot that nothing covers at their centre, so a real pointer reaches them. */
const reachableMarks = (page: Page, axis: string): Promise<string[]> =>
  page.$$eval(`svg.plot[data-axis="${axis}"] circle.mark`, (marks) =>
    marks
      .filter((m) => {
        const b = m.getBoundingClientRect();
        return m.ownerDocument.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === m;
      })
      .map((m) => m.getAttribute('data-id')!),
  );

describe('sweep report in a headless browser', () => {
  let hb: HeadlessBrowser;
  let page: Page;
  let seen: ReturnType<typeof watchPage>;
  let url: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'harc-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderSweepReport(results, pareto, { model: 'har-cnn', target: 'cortex-m4' }));
    url = pathToFileURL(file).href;
    hb = await launchChromium();
    page = await hb.browser.newPage({ viewport: { width: 1200, height: 900 } });
    seen = watchPage(page);
    await page.goto(url, { waitUntil: 'load' });
  });
  afterAll(async () => {
    await hb?.close();
  });

  it('loads with no console or page error and no request beyond the file', () => {
    expect(seen.errors).toEqual([]);
    expect(seen.requests).toEqual([]);
  });

  it('draws exactly one mark per candidate in each plot, the front highlighted', async () => {
    const counts = await page.$$eval('svg.plot', (svgs) =>
      svgs.map((s) => ({ axis: s.getAttribute('data-axis'), marks: s.querySelectorAll('circle.mark').length, front: s.querySelectorAll('circle.mark.front').length, ids: new Set([...s.querySelectorAll('circle.mark')].map((c) => c.getAttribute('data-id'))).size })),
    );
    expect(counts).toEqual(['flash', 'cycles', 'sram'].map((axis) => ({ axis, marks: N, front: pareto.front.length, ids: N })));
    expect(await page.locator('svg.heatmap g.hm-row').count()).toBe(pareto.front.length);
    expect(await page.locator('#candidates tbody tr').count()).toBe(N);
  });

  it('shows a candidate’s figures on hover and highlights it in the plots, the heat map and the table', async () => {
    const reachable = new Set(await reachableMarks(page, 'cycles'));
    const r = results.find((x) => frontSet.has(x.id) && x.uniform === null && reachable.has(x.id))!;
    await page.hover(`svg.plot[data-axis="cycles"] circle.mark[data-id="${r.id}"]`);
    const detail = await page.locator('#detail').innerText();
    expect(detail).toContain(`#${r.index}`);
    expect(detail).toContain(`acc ${(100 * r.val.accuracy).toFixed(2)} %`);
    expect(detail).toContain(`macro-F1 ${(100 * r.val.macroF1).toFixed(2)} %`);
    expect(detail).toContain(`test (held out): acc ${(100 * r.test!.accuracy).toFixed(2)} %`);
    for (const v of [r.flash, r.sram, r.weightBytes, r.cycles]) expect(detail).toContain(String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ','));
    for (const [layer, bits] of Object.entries(r.bits)) expect(detail).toContain(`${layer} ${bits}`);
    const selected = await page.$$eval('.sel', (els) => els.map((e) => `${e.tagName.toLowerCase()}:${e.getAttribute('data-id')}`));
    expect(selected.sort()).toEqual(['circle', 'circle', 'circle', 'g', 'tr'].map((t) => `${t}:${r.id}`));
  });

  it('pins a candidate on click, so hovering another does not replace it', async () => {
    const reachable = await reachableMarks(page, 'flash');
    const a = results[5]!;
    const b = results.find((x) => x.id !== a.id && reachable.includes(x.id))!;
    await page.locator(`#candidates tr[data-id="${a.id}"]`).click();
    await page.hover(`svg.plot[data-axis="flash"] circle.mark[data-id="${b.id}"]`);
    expect(await page.locator('#detail').innerText()).toContain(`#${a.index}`);
    expect(await page.locator(`svg.plot circle.mark.sel`).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([a.id, a.id, a.id]);
    await page.locator(`#candidates tr[data-id="${a.id}"]`).click(); // release
    await page.hover(`svg.plot[data-axis="flash"] circle.mark[data-id="${b.id}"]`);
    expect(await page.locator('#detail').innerText()).toContain(`#${b.index}`);
  });

  it('sorts the table by a column', async () => {
    await page.locator('#candidates thead th', { hasText: 'flash B' }).click();
    const first = await page.locator('#candidates tbody tr').first().getAttribute('data-id');
    expect(first).toBe([...results].sort((x, y) => x.flash - y.flash || x.index - y.index)[0]!.id);
    await page.locator('#candidates thead th', { hasText: 'flash B' }).click();
    const top = await page.locator('#candidates tbody tr').first().getAttribute('data-id');
    expect(results.find((x) => x.id === top)!.flash).toBe(Math.max(...results.map((x) => x.flash)));
  });

  it('renders a page that is not blank, and the same marks without JavaScript', async () => {
    const png = await screenshotPainted(page, { fullPage: true });
    const blank = await hb.browser.newPage({ viewport: { width: 1200, height: 900 } });
    await blank.setContent('<html><body></body></html>');
    const blankColours = pngDistinctColours(await screenshotPainted(blank));
    await blank.close();
    expect(blankColours).toBeLessThanOrEqual(2);
    expect(pngDistinctColours(png)).toBeGreaterThan(200);
    expect(seen.errors).toEqual([]);

    const ctx = await hb.browser.newContext({ javaScriptEnabled: false });
    const plain = await ctx.newPage();
    await plain.goto(url);
    expect(await plain.locator('svg.plot circle.mark').count()).toBe(3 * N);
    expect(await plain.locator('svg.heatmap text', { hasText: TRICKY }).count()).toBe(1);
    await ctx.close();
  });
});
