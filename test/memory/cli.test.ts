import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harc, repo, tmp } from '../helpers.ts';

const MOBILENET = join(repo, 'zoo', 'models', 'mobilenet-1d.onnx');

describe('harc inspect --memory', () => {
  it('--json gives the arena size, lower bound, schedule and buffers', async () => {
    const r = await harc(['inspect', MOBILENET, '--memory', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.arena.bytes).toBeGreaterThan(0);
    expect(j.arena.lowerBound).toBeLessThanOrEqual(j.arena.bytes);
    expect(j.arena.alignment).toBe(8);
    expect(j.arena.buffers.length).toBeGreaterThan(5);
    expect(j.arena.schedule.some((s: { inPlaceOf?: string }) => s.inPlaceOf)).toBe(true);
    for (const b of j.arena.buffers) expect(b).toHaveProperty('firstStep');
  });

  it('prints a timeline and writes an SVG; --target / --align set the alignment', async () => {
    const svg = join(tmp(), 'arena.svg');
    const r = await harc(['inspect', MOBILENET, '--memory', '--svg', svg, '--target', 'cortex-m4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/alignment 4/);
    expect(r.stdout).toMatch(/█/);
    expect(r.stdout).toMatch(/\[in place\]/);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toMatch(/lower bound/);
    expect((text.match(/<rect /g) ?? []).length).toBeGreaterThan(10);
    const bad = await harc(['inspect', MOBILENET, '--align', '3']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--align 3/);
  });

  it('compile --io-in-arena exposes the arena pointers in model.h', async () => {
    const out = join(tmp(), 'm');
    const r = await harc(['compile', MOBILENET, '--io-in-arena', '-o', out]);
    expect(r.code).toBe(0);
    const h = readFileSync(join(out, 'model.h'), 'utf8');
    expect(h).toMatch(/void \*mobilenet_1d_input\(int i\);/);
    expect(h).toMatch(/int mobilenet_1d_invoke\(void\);/);
  });
});
