// @module-tag qemu
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { measureModel } from '../../src/targets/measure.ts';
import { graph, rand } from '../graph-builder.ts';
import { fixture, harc, tmp } from '../helpers.ts';

const mlp = (hidden: number) =>
  graph({
    inputs: { x: [1, 64] },
    consts: { w1: { shape: [64, hidden], data: rand(64 * hidden, 1) }, w2: { shape: [hidden, 8], data: rand(hidden * 8, 2) } },
    nodes: [
      ['fc1', 'MatMul', ['x', 'w1'], ['h']],
      ['relu', 'Relu', ['h'], ['r']],
      ['fc2', 'MatMul', ['r', 'w2'], ['y']],
    ],
    outputs: ['y'],
  });

describe('harc measure (QEMU instruction counts, ELF sizes)', () => {
  for (const target of ['cortex-m4', 'riscv'] as const) {
    it(`${target}: repeatable, grows with MACs, layers add up, flash = size(1), SRAM = data + bss + stack`, async () => {
      const small = compileGraph(mlp(32), { prefix: 'mlp_small' });
      const big = compileGraph(mlp(64), { prefix: 'mlp_big' });
      const dir = tmp();
      const a = await measureModel(small, { target, workDir: join(dir, 'a') });
      const b = await measureModel(small, { target });
      expect(b.instructions).toBe(a.instructions);
      expect(b.layers.map((l) => l.instructions)).toEqual(a.layers.map((l) => l.instructions));

      const c = await measureModel(big, { target });
      expect(c.macs).toBe(2 * a.macs);
      expect(c.instructions).toBeGreaterThan(1.6 * a.instructions);

      const layerSum = a.layers.reduce((s, l) => s + l.instructions, 0);
      expect(Math.abs(layerSum - a.instructions) / a.instructions).toBeLessThan(0.01);
      expect(a.layers.map((l) => l.op)).toEqual(['MatMul', 'MatMul']); // Relu fused into fc1

      const tool = target === 'cortex-m4' ? 'arm-none-eabi-size' : 'riscv64-unknown-elf-size';
      const { stdout } = await execa(tool, ['-B', '-d', a.elf]);
      const [text, data, bss] = stdout.split('\n')[1]!.trim().split(/\s+/).map(Number) as [number, number, number];
      expect(a.flash.total).toBe(text + data);
      expect(a.sram.stack).toBeGreaterThan(0);
      expect(a.sram.stack).toBeLessThan(8192);
      expect(a.sram.total).toBe(a.sram.static + a.sram.stack);
      expect(a.sram.static).toBeLessThanOrEqual(data + bss); // bss also holds the reserved stack region
      expect(a.flash.weights).toBe((64 * 32 + 32 * 8) * 4);
      expect(a.cyclesEstimate).toBeGreaterThan(0);
    });
  }

  it('harc measure --json has the documented fields', async () => {
    const r = await harc(['measure', fixture('conv1d_bn_relu'), '--target', 'cortex-m4', '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    for (const k of ['instructions', 'cyclesEstimate']) expect(m[k]).toBeGreaterThan(0);
    expect(m.flash.total).toBeGreaterThan(0);
    expect(m.sram.total).toBeGreaterThan(m.sram.arena);
    expect(m.sram.stack).toBeGreaterThan(0);
    expect(m.layers.length).toBeGreaterThan(3);
    for (const l of m.layers) {
      expect(typeof l.name).toBe('string');
      expect(l.instructions).toBeGreaterThan(0);
    }
  });
});
