// @module-tag qemu
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Project } from 'ts-morph';
import { describe, expect, it, vi } from 'vitest';
import { parseBytes, parseCount } from '../../src/cli/args.ts';
import { wrapHelp, wrapLine } from '../../src/cli/help.ts';
import { EXIT, report } from '../../src/cli/exit.ts';
import { printable } from '../../src/cli/notice.ts';
import { CALIB_METHOD_CHOICES, MCU_TARGET_CHOICES, OPT_LEVEL_CHOICES, PRECISION_CHOICES, TARGET_CHOICES } from '../../src/cli/options.ts';
import { TARGET_NAMES } from '../../src/targets/index.ts';
import { PRECISIONS } from '../../src/backends/precision.ts';
import { CALIB_METHODS } from '../../src/planning/calibrate.ts';
import { harc, repo, tmp } from '../helpers.ts';

describe('numbers on the command line', () => {
  it('sizes: KiB = 1024, KB = kB = 1000, plain bytes; anything else refused', () => {
    expect(parseBytes('65536', '--x')).toBe(65536);
    expect(parseBytes('64KiB', '--x')).toBe(65536);
    expect(parseBytes('64 KB', '--x')).toBe(64000);
    expect(parseBytes('64kB', '--x')).toBe(64000);
    expect(parseBytes('1.5MiB', '--x')).toBe(1572864);
    expect(parseBytes('2MB', '--x')).toBe(2_000_000);
    for (const bad of ['', ' ', '1e3', '12 parsecs', '64k', '64kib', '-1KiB', 'KiB', '0.3KiB', 'NaN', 'Infinity'])
      expect(() => parseBytes(bad, '--max-flash'), bad).toThrow(/--max-flash/);
  });

  it('counts: digits only (groups with _ or ,), at least the minimum', () => {
    expect(parseCount('8000000', '--c')).toBe(8_000_000);
    expect(parseCount('8_000_000', '--c')).toBe(8_000_000);
    expect(parseCount('8,000,000', '--c')).toBe(8_000_000);
    for (const bad of ['', 'abc', '1e6', '-5', '1.5', '0x10', ' ', '12 cycles']) expect(() => parseCount(bad, '--c'), bad).toThrow(/--c/);
    expect(() => parseCount('0', '--calib-samples', 1)).toThrow(/≥ 1/);
  });
});

describe('errors', () => {
  it('a bug in harc is exit 70 (not 1, which CI reads as "over budget"), one line', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(report(new TypeError("Cannot read properties of undefined (reading 'shape')"), 'compile')).toBe(EXIT.bug);
      expect(EXIT.bug).toBe(70);
      expect(spy.mock.calls).toHaveLength(1);
      expect(String(spy.mock.calls[0]![0])).toMatch(/^harc: internal error: .*this is a bug in harc, exit 70/);
    } finally {
      spy.mockRestore();
    }
  });

  it('control characters from files are escaped', () => {
    expect(printable('a\u001b[2Jb\nc\td\u0000')).toBe('a\\x1b[2Jb\\x0ac\\x09d\\x00');
    expect(printable('plain name/with: punctuation')).toBe('plain name/with: punctuation');
  });
});

describe('help', () => {
  it('wraps at spaces only, with a hanging indent; example lines stay whole', () => {
    const line = '      --calib          int8: calibration inputs, float32 .npy [N, ...input shape] (e.g. zoo/data/calib_X.npy)  [string]';
    const wrapped = wrapLine(line, 50);
    expect(wrapped.length).toBeGreaterThan(1);
    for (const l of wrapped.slice(1)) expect(l).toMatch(/^ {23}\S/);
    expect(wrapped.join(' ').split(/\s+/)).toEqual(line.split(/\s+/)); // no word cut
    expect(wrapped.some((l) => l.includes('zoo/data/calib_X.npy'))).toBe(true);
    const text = `Options:\n${line}\n\nExamples:\n  harc check zoo/models/har-cnn.onnx --target cortex-m4 --max-flash 128KiB --max-sram 32KiB`;
    const out = wrapHelp(text, 40).split('\n');
    expect(out.at(-1)).toBe('  harc check zoo/models/har-cnn.onnx --target cortex-m4 --max-flash 128KiB --max-sram 32KiB');
    expect(wrapHelp(text, undefined)).toBe(text);
  });

  it('is not wrapped when stdout is not a terminal', async () => {
    const r = await harc(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--calib {2,}int8: calibration inputs, float32 \.npy \[N, \.\.\.input shape\] \(e\.g\. zoo\/data\/calib_X\.npy\)/);
  });

  it('every option has one definition: the light option lists equal the backends’ own', () => {
    expect([...TARGET_CHOICES]).toEqual([...TARGET_NAMES]);
    expect([...MCU_TARGET_CHOICES]).toEqual(TARGET_NAMES.filter((t) => t !== 'host'));
    expect([...PRECISION_CHOICES]).toEqual([...PRECISIONS]);
    expect([...CALIB_METHOD_CHOICES]).toEqual([...CALIB_METHODS]);
    expect([...OPT_LEVEL_CHOICES]).toEqual(['O0', 'O1', 'O2', 'O3', 'Os']);
  });

  it('the same option reads the same in every command', async () => {
    const commands = ['compile', 'inspect', 'run', 'measure', 'check', 'eval'];
    const helps = await Promise.all(commands.map((c) => harc([c, '--help'])));
    const line = (text: string, opt: string) => text.split('\n').find((l) => new RegExp(`^\\s+(-\\w, )?${opt}\\s`).test(l))?.trim();
    const building = ['compile', 'run', 'measure', 'check'];
    for (const [opt, where] of [['--precision', commands], ['--calib', commands], ['--calib-method', commands], ['--calib-samples', commands], ['--const', commands], ['--allow-nonfinite', commands], ['--json', commands], ['--board', building]] as const) {
      const lines = new Set(helps.filter((_, i) => where.includes(commands[i]!)).map((h) => line(h.stdout, opt)?.replace(/print .* as JSON/, 'print … as JSON')));
      expect([...lines], opt).toHaveLength(1);
      expect([...lines][0], opt).toBeDefined();
    }
    const targets = helps.map((h) => line(h.stdout, '--target'));
    expect(targets.every((t) => t?.includes('[choices: "host", "cortex-m4", "riscv"]'))).toBe(true);
    for (const i of [2, 3, 4]) expect(line(helps[i]!.stdout, '--input')).toContain('[array]');
  });
});

describe('start-up', () => {
  it('main.ts and the option modules load no command, compiler or toolchain code', () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true });
    const light = ['main.ts', 'exit.ts', 'options.ts', 'args.ts', 'help.ts', 'notice.ts', 'output.ts', 'sweep-cli.ts'].map((f) => project.addSourceFileAtPath(join(repo, 'src', 'cli', f)));
    const allowed = /^(yargs|node:.*|\.\/(args|exit|help|notice|output|options|sweep-cli)\.ts|\.\.\/ir\/errors\.ts|\.\.\/backends\/fs-safe\.ts)$/;
    for (const f of light)
      for (const imp of f.getImportDeclarations())
        if (!imp.isTypeOnly()) expect(imp.getModuleSpecifierValue(), f.getBaseName()).toMatch(allowed);
  });
});

describe('examples in the help work as printed', () => {
  it('compile, inspect, convert, check and ops', async () => {
    const dir = tmp();
    symlinkSync(join(repo, 'zoo'), join(dir, 'zoo'));
    for (const cmd of ['compile', 'inspect', 'convert', 'check', 'ops']) {
      const help = await harc([cmd, '--help']);
      const example = help.stdout.split('Examples:\n')[1]!.split('\n')[0]!.trim().split(/\s+/);
      expect(example[0]).toBe('harc');
      const r = await execa(process.execPath, [join(repo, 'bin', 'harc.js'), ...example.slice(1)], { cwd: dir, reject: false });
      expect(r.exitCode, `${example.join(' ')}\n${r.stderr}`).toBe(0);
    }
  }, 300_000);
});
