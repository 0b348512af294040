// @module-tag c
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/ir/npy.ts';
import { writeFileSync } from 'node:fs';
import { fixture, harc, tmp } from '../helpers.ts';

// --json on every command that writes or runs something: machine-readable, nothing else on stdout.

describe('--json', () => {
  it('compile --json says what was written', async () => {
    const out = join(tmp(), 'c');
    const r = await harc(['compile', fixture('mlp'), '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ out, prefix: 'mlp', precision: 'float', target: 'host', layers: 4 });
    expect(j.files).toEqual(expect.arrayContaining(['model.h', 'model.c', 'harc.mk']));
  });

  it('run --json prints the outputs with their shapes', async () => {
    const dir = tmp();
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy({ shape: [3, 64], dtype: 'float32', data: Float32Array.from({ length: 192 }, (_, i) => Math.sin(i)) }));
    const r = await harc(['run', fixture('mlp'), '-i', x, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.inferences).toBe(3);
    expect(j.outputs[0].shape).toEqual([3, 6]);
    expect(j.outputs[0].data).toHaveLength(18);
    expect(j.outputs[0].data.every((v: number) => v > 0 && v < 1)).toBe(true); // sigmoid outputs
  });
});
