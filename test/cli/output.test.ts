import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeModelDir } from '../../src/backends/compile.ts';
import { writeFileAtomic } from '../../src/backends/fs-safe.ts';
import type { EmittedModel } from '../../src/backends/c/emit-model.ts';
import { HarcError } from '../../src/ir/errors.ts';
import { fixture, harc, tmp } from '../helpers.ts';

// harc replaces only what it wrote itself, and a failed write leaves nothing behind.

describe('output directories', () => {
  it('compile marks its directory, recompiles into it, refuses added files, --force replaces', async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    mkdirSync(out); // an empty directory is fine
    expect((await harc(['compile', fixture('mlp'), '-o', out])).code).toBe(0);
    const marker = readFileSync(join(out, '.harc-output'), 'utf8').split('\n');
    expect(marker).toEqual(expect.arrayContaining(['model.h', 'model.c', 'weights.c', 'weights.h', 'harc.mk', 'harc.cmake']));
    const again = await harc(['compile', fixture('mlp'), '-o', out, '--target', 'riscv']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'harc.mk'), 'utf8')).toContain('riscv');

    writeFileSync(join(out, 'main.c'), 'int main(void) { return 0; }\n');
    const refused = await harc(['compile', fixture('mlp'), '-o', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("'main.c'");
    expect(readFileSync(join(out, 'main.c'), 'utf8')).toContain('int main');

    const forced = await harc(['compile', fixture('mlp'), '-o', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(out, 'main.c'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['out']); // no temp directory beside it
  });

  it('a write that fails half-way removes its temp directory and is a one-line input error', async () => {
    const dir = tmp();
    const model = { files: { 'model.h': '/* h */\n', 'model.c': '/* c */\n' } } as unknown as EmittedModel;
    // 'x' is written as a file, then needed as a directory: the write fails after some files exist
    const err = await writeModelDir(model, join(dir, 'out'), { x: 'file', 'x/y.h': 'nested' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarcError);
    expect((err as HarcError).kind).toBe('input');
    expect((err as Error).message).toMatch(/^cannot write .*out: /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a file write that fails leaves no temp file', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'taken'));
    const err = await writeFileAtomic(join(dir, 'taken'), 'data').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot write .*taken: is a directory/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(join(dir, 'taken'))).toEqual([]);
  });
});
