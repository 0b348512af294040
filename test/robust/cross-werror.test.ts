// @module-tag qemu
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { writeModelDir } from '../../src/backends/compile.ts';
import { BOARDS } from '../../src/targets/index.ts';
import { tmp } from '../helpers.ts';
import { ZOO, zooC } from './helpers.ts';

// Every zoo model's C, float and int8, compiles with -Wall -Wextra -Werror under both cross compilers
// at -O0, -O2 and -Os (warnings such as -Wmaybe-uninitialized depend on the level). Compile only (-c):
// linking and running are other tests' business. weights.c is only constant arrays (the same C for
// both ILP32 targets, and the slowest file to parse), so it is compiled once, by the first compiler
// at -O0; model.c at every level with both.

const COMPILERS = [
  { cc: 'arm-none-eabi-gcc', flags: BOARDS.find((b) => b.name === 'mps2-an386')!.cpuFlags },
  { cc: 'riscv64-unknown-elf-gcc', flags: BOARDS.find((b) => b.name === 'qemu-virt-rv32')!.cpuFlags },
] as const;
const LEVELS = ['-O0', '-O2', '-Os'] as const;
const WARNINGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '--specs=picolibc.specs'];

const work = tmp('harc-werror-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs jobs two at a time (the machine is shared). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      for (let j = next++; j < jobs.length; j = next++) out[j] = await jobs[j]!();
    }),
  );
  return out;
}

describe('cross -Werror on every zoo model', () => {
  for (const precision of ['float', 'int8'] as const) {
    it(`${precision}: arm-none-eabi-gcc and riscv64-unknown-elf-gcc at -O0/-O2/-Os`, async () => {
      const jobs: (() => Promise<string | undefined>)[] = [];
      for (const name of ZOO) {
        const src = join(work, `${name}-${precision}`);
        await writeModelDir(zooC(name, precision, 2), src); // 2 calibration windows: the C, not its scales, is under test
        for (const { cc, flags } of COMPILERS) {
          const obj = join(src, `obj-${cc}`);
          mkdirSync(obj, { recursive: true });
          const units: [string, string][] = [...LEVELS.map((l): [string, string] => ['model.c', l]), ...(cc === COMPILERS[0].cc ? [['weights.c', '-O0'] as [string, string]] : [])];
          for (const [file, level] of units) {
            const args = [...WARNINGS, ...flags, level, '-I', src, '-c', join(src, file), '-o', join(obj, `${file}${level}.o`)];
            jobs.push(async () => {
              const r = await execa(cc, args, { reject: false, all: true });
              return r.exitCode === 0 ? undefined : `${name} ${precision} ${cc} ${level} ${file}:\n${r.all}`;
            });
          }
        }
      }
      const failures = (await inPairs(jobs)).filter(Boolean);
      expect(failures).toEqual([]);
      expect(jobs).toHaveLength(ZOO.length * (COMPILERS.length * LEVELS.length + 1));
    }, 600_000);
  }
});
