// @module-tag qemu
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOARDS,
  ToolMissingError,
  buildFirmware,
  elfSize,
  elfSymbols,
  estimateCycles,
  layerSegments,
  runFirmware,
  type RunResult,
  type TargetName,
} from '../../src/targets/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAKE = path.join(here, 'fixtures', 'fake_model');
const FAKE_X2 = path.join(here, 'fixtures', 'fake_model_x2');
const IN_BYTES = 64;
const OUT_BYTES = 20;
const N = 3;

/** Deterministic inputs: N × 16 float32 in [-1, 1). */
function makeInput(): Uint8Array {
  const f = new Float32Array((N * IN_BYTES) / 4);
  let s = 12345;
  for (let i = 0; i < f.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    f[i] = ((s >>> 8) / 2 ** 24) * 2 - 1;
  }
  return new Uint8Array(f.buffer);
}

const input = makeInput();
let work: string;
const elfs: Partial<Record<TargetName | 'cortex-m4-x2' | 'riscv-x2', string>> = {};

async function measure(target: 'cortex-m4' | 'riscv', elf: string): Promise<RunResult> {
  const segments = layerSegments(await elfSymbols(elf));
  return runFirmware({ target, elf, input, inputBytes: IN_BYTES, outputBytes: OUT_BYTES, measure: { segments }, timeoutMs: 20_000 });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'harc-targets-test-'));
  const jobs: [keyof typeof elfs, TargetName, string][] = [
    ['host', 'host', FAKE],
    ['cortex-m4', 'cortex-m4', FAKE],
    ['riscv', 'riscv', FAKE],
    ['cortex-m4-x2', 'cortex-m4', FAKE_X2],
    ['riscv-x2', 'riscv', FAKE_X2],
  ];
  for (const [key, target, modelDir] of jobs) {
    const { elf } = await buildFirmware({ target, modelDir, outDir: path.join(work, key) });
    elfs[key] = elf;
  }
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('targets: build and run the fake model', () => {
  it('produces identical output bytes on host, cortex-m4 and riscv', async () => {
    const outputs: Uint8Array[] = [];
    for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
      const r = await runFirmware({ target, elf: elfs[target]!, input, inputBytes: IN_BYTES, outputBytes: OUT_BYTES, timeoutMs: 20_000 });
      expect(r.inferences).toBe(N);
      expect(r.output.length).toBe(N * OUT_BYTES);
      outputs.push(r.output);
    }
    expect(Buffer.from(outputs[1]!).equals(Buffer.from(outputs[0]!))).toBe(true);
    expect(Buffer.from(outputs[2]!).equals(Buffer.from(outputs[0]!))).toBe(true);
    // the x2 variant computes the same function
    const x2 = await runFirmware({ target: 'cortex-m4', elf: elfs['cortex-m4-x2']!, input, inputBytes: IN_BYTES, outputBytes: OUT_BYTES });
    expect(Buffer.from(x2.output).equals(Buffer.from(outputs[0]!))).toBe(true);
  });

  for (const target of ['cortex-m4', 'riscv'] as const) {
    it(`${target}: deterministic counts, segments add up, x2 costs more, stack measured`, async () => {
      const a = await measure(target, elfs[target]!);
      const b = await measure(target, elfs[target]!);
      expect(a.instructions).toBeGreaterThan(0);
      expect(b.instructions).toBe(a.instructions);
      expect(b.segments).toEqual(a.segments);
      expect(b.classes).toEqual(a.classes);
      expect(b.takenBranches).toBe(a.takenBranches);

      const names = a.segments!.map((s) => s.name);
      expect(names).toEqual(['harness', 'harc_L0_dense_tanh', 'harc_L1_quantize', 'harc_L2_dense_int8', 'harc_L3_softmax']);
      const segSum = a.segments!.reduce((acc, s) => acc + s.instructions, 0);
      expect(Math.abs(segSum - a.instructions!) / a.instructions!).toBeLessThan(0.01);
      for (const s of a.segments!.slice(1)) expect(s.instructions).toBeGreaterThan(0);
      const classSum = Object.values(a.classes!).reduce((x, y) => x + y, 0);
      expect(classSum).toBe(a.instructions);
      expect(a.takenBranches!).toBeGreaterThan(0);
      expect(a.classes!.load).toBeGreaterThan(0);
      expect(a.classes!.branch).toBeGreaterThan(0);

      const x2 = await measure(target, elfs[`${target}-x2`]!);
      expect(x2.instructions!).toBeGreaterThan(a.instructions! * 1.3);
      const seg = (r: RunResult, n: string) => r.segments!.find((s) => s.name === n)!.instructions;
      expect(seg(x2, 'harc_L2_dense_int8')).toBeGreaterThan(seg(a, 'harc_L2_dense_int8') * 1.8);

      expect(a.stackBytes).toBeGreaterThan(64);
      expect(a.stackBytes).toBeLessThan(4096);
      expect(a.stackBytes).toBeLessThan(a.stackReservedBytes!);

      const cycles = estimateCycles(a.classes!, a.takenBranches!, {
        model: target,
        pipelinedLoads: a.pipelinedLoads!,
      });
      expect(cycles).toBeGreaterThanOrEqual(a.instructions!);
      expect(cycles).toBeLessThan(a.instructions! * 4);
    });
  }

  it('cortex-m4: int8 dense uses MAC instructions, float layer uses the FPU', async () => {
    const r = await measure('cortex-m4', elfs['cortex-m4']!);
    expect(r.classes!.mac).toBeGreaterThan(0);
    expect(r.classes!.fp + r.classes!.fpmac).toBeGreaterThan(0);
  });

  it('flash equals arm-none-eabi-size text+data; sram excludes the stack reservation', async () => {
    const elf = elfs['cortex-m4']!;
    const { stdout } = await execa('arm-none-eabi-size', [elf]);
    const cols = stdout.trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
    const sz = await elfSize(elf, { stackBytes: 500 });
    expect(sz.flash).toBe(cols[0]! + cols[1]!);
    expect(sz.text).toBe(cols[0]);
    expect(sz.data).toBe(cols[1]);
    expect(sz.stackReserved).toBe(32 * 1024);
    expect(sz.sram).toBe(cols[1]! + cols[2]! - 32 * 1024);
    expect(sz.sramWithStack).toBe(sz.sram + 500);
    const rv = await elfSize(elfs.riscv!);
    expect(rv.flash).toBeGreaterThan(0);
  });

  it('data-only board (stm32l4r5) builds within its limits and runs on mps2-an386', async () => {
    const board = BOARDS.find((b) => b.name === 'stm32l4r5')!;
    expect(board.runsOn).toBe('mps2-an386');
    const { elf } = await buildFirmware({ target: 'cortex-m4', board: 'stm32l4r5', modelDir: FAKE, outDir: path.join(work, 'stm32'), optLevel: 'Os' });
    const sz = await elfSize(elf);
    expect(sz.flash).toBeLessThan(board.flash.bytes);
    expect(sz.sram + sz.stackReserved).toBeLessThan(board.sram.bytes);
    const r = await runFirmware({ target: 'cortex-m4', board: 'stm32l4r5', elf, input, inputBytes: IN_BYTES, outputBytes: OUT_BYTES });
    expect(r.output.length).toBe(N * OUT_BYTES);
  });

  it('missing tools raise ToolMissingError naming the tool and the install command', async () => {
    const err = await buildFirmware({
      target: 'cortex-m4',
      modelDir: FAKE,
      outDir: path.join(work, 'missing'),
      tools: { cc: 'arm-none-eabi-gcc-does-not-exist' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolMissingError);
    expect((err as Error).message).toContain('arm-none-eabi-gcc-does-not-exist');
    expect((err as Error).message).toContain('put it on PATH');
    expect((err as Error).message).not.toContain('scripts/setup-toolchains.sh');

    const savedPath = process.env.PATH;
    process.env.PATH = path.join(work, 'empty-bin');
    try {
      const err2 = await runFirmware({ target: 'riscv', elf: elfs.riscv!, input, inputBytes: IN_BYTES, outputBytes: OUT_BYTES }).catch(
        (e: unknown) => e,
      );
      expect(err2).toBeInstanceOf(ToolMissingError);
      expect((err2 as ToolMissingError).tool).toBe('qemu-system-riscv32');
      expect((err2 as Error).message).toContain('apt-get install -y qemu-system-misc');
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('estimateCycles', () => {
  it('applies the documented Cortex-M4 and RISC-V models', () => {
    // load 2 (−1 if pipelined), other 1, div 7, taken branch +2, fpmac 3, fpdiv 14
    expect(estimateCycles({ load: 10, other: 5, div: 1, branch: 3, fpmac: 2, fpdiv: 1 }, 2, { pipelinedLoads: 4 })).toBe(
      10 * 2 - 4 + 5 + 7 + 3 + 2 * 2 + 2 * 3 + 14,
    );
    expect(estimateCycles({ load: 10, other: 5, div: 1, branch: 3 }, 2, { model: 'riscv', pipelinedLoads: 4 })).toBe(
      10 * 2 + 5 + 33 + 3 + 2 * 2,
    );
  });
});
