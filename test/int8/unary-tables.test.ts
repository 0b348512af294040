// @module-tag qemu
// int8 HardSwish / Sigmoid / Tanh as 256-entry tables (src/backends/c/lower/int8-unary-table.ts) in
// the portable and harc kernel sets: for every one of the 256 input codes, the table's C gives the
// bytes of the reference set's fixed-point C kernels (harc_hard_swish_s8, harc_logistic_s8,
// harc_tanh_s8) and of the TypeScript reference, on host, QEMU Cortex-M4 and QEMU RISC-V.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { int8UnaryTable } from '../../src/backends/c/lower/int8-unary-table.ts';
import { G, quantizeForTest, randomInputs, referenceBytes, runC } from './helpers.ts';

const allCodes = Int8Array.from({ length: 256 }, (_, i) => i - 128);

describe('int8 unary tables == reference integer kernels on every input code', () => {
  for (const [i, op] of ['HardSwish', 'Sigmoid', 'Tanh'].entries())
    it(op, async () => {
      const b = new G(40 + i);
      // a wide input range, so the codes span the whole curve (saturation both ends)
      const g = b.graph(b.op(op, [b.input([1, 256])]));
      const { quant } = quantizeForTest(g, randomInputs(g, 8, 50 + i, -7, 5));
      const ref = Array.from(referenceBytes(quant, allCodes));
      const node = quant.nodes.find((n) => n.op === op)!;
      expect(int8UnaryTable(quant, node)).toEqual(ref);
      const emit = (kernels: string, target: string) => emitModel(quant, { prefix: 'ut', memory: { kernels, target, alignment: 4 } });
      const table = emit('portable', 'cortex-m4');
      expect(table.files['model.c']).toMatch(/256-entry table of the reference integer kernel/);
      expect(emit('reference', 'host').files['model.c']).not.toMatch(/256-entry table/);
      const runs = await Promise.all([
        runC(quant, allCodes, 'host', emit('reference', 'host')),
        runC(quant, allCodes, 'host', emit('portable', 'host')),
        runC(quant, allCodes, 'cortex-m4', emit('harc', 'cortex-m4')),
        runC(quant, allCodes, 'riscv', emit('harc', 'riscv')),
      ]);
      const names = ['host reference kernels', 'host portable (table)', 'cortex-m4 harc (table)', 'riscv harc (table)'];
      runs.forEach((got, k) => expect(Array.from(got), names[k]).toEqual(ref));
    }, 240_000);
});
