import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cacheDir } from '../../src/targets/paths.ts';
import { repo, tmp } from '../helpers.ts';

// The shipped package: compiled JavaScript that never runs stale, a cache outside the package, and a
// tarball with only what a user needs.

describe('bin/harc.js runs dist/ only when it matches the sources', () => {
  it('uses a current dist, falls back to tsx after a source edit, and after a failed build', async () => {
    const root = tmp('harc-dist-');
    for (const d of ['bin', 'src', 'scripts', 'templates', 'toolchain']) cpSync(join(repo, d), join(root, d), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(repo, f), join(root, f));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const build = await execa(process.execPath, [join(root, 'scripts', 'build.mjs')], { reject: false, all: true });
    expect(build.exitCode, build.all).toBe(0);
    // Mark the compiled entry so the test sees which tree ran.
    const distMain = join(root, 'dist', 'cli', 'main.js');
    writeFileSync(distMain, "process.stderr.write('ran-dist\\n');\n" + readFileSync(distMain, 'utf8'));
    const ranDist = async () => {
      const r = await execa(process.execPath, [join(root, 'bin', 'harc.js'), '--version'], { reject: false });
      expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      return r.stderr.includes('ran-dist');
    };
    expect(await ranDist()).toBe(true);

    // Any edit under src/ makes dist stale: the sources run, not the old build.
    const srcFile = join(root, 'src', 'cli', 'format.ts');
    writeFileSync(srcFile, readFileSync(srcFile, 'utf8') + '\n// edited\n');
    expect(await ranDist()).toBe(false);

    // A build that fails type checking leaves no dist behind.
    writeFileSync(srcFile, readFileSync(srcFile, 'utf8') + '\nexport const broken: number = "text";\n');
    const failed = await execa(process.execPath, [join(root, 'scripts', 'build.mjs')], { reject: false, all: true });
    expect(failed.exitCode).not.toBe(0);
    expect(await ranDist()).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('cache directory', () => {
  it('is HARC_CACHE_DIR, else $XDG_CACHE_HOME/harc, else ~/.cache/harc, never inside the package', () => {
    expect(cacheDir({ HARC_CACHE_DIR: '/c/x', XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/c/x');
    expect(cacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe('/xdg/harc');
    expect(cacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.cache/harc');
    expect(cacheDir({}, '/home/u')).toBe('/home/u/.cache/harc');
    expect(cacheDir({ XDG_CACHE_HOME: '/xdg' }).startsWith(repo)).toBe(false);
  });
});

describe('npm package contents', () => {
  it('ships the CLI, its sources, templates and toolchain files, and nothing of the repository work', async () => {
    const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo });
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const need of ['bin/harc.js', 'bin/source-stamp.js', 'bin/session.js', 'src/cli/main.ts', 'templates/model/model.h.hbs', 'toolchain/harness/host_main.c', 'toolchain/plugin/insn_count.c', 'README.md']) {
      expect(files).toContain(need);
    }
    const top = new Set(files.map((f) => f.split('/')[0]));
    for (const never of ['test', 'bench', 'zoo', 'scripts', '.ci', 'out', '.harc-cache', 'node_modules']) expect(top.has(never)).toBe(false);
  });
});
