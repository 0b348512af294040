// @module-tag qemu
// ONNX QDQ fixtures: the TypeScript integer reference, the host C build and the QEMU Cortex-M4 and
// RISC-V builds produce the same output bytes.
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { quantizeInput, randomInputs, referenceBytes, runC } from '../int8/helpers.ts';
import { QDQ_FIXTURES } from './fixtures.ts';

describe('ONNX QDQ: TS reference == host == cortex-m4 == riscv', () => {
  for (const file of QDQ_FIXTURES) {
    it(file.split('/').pop()!, async () => {
      const g = loadForCli(file);
      const xq = quantizeInput(g, randomInputs(g, 4, 21));
      const ref = Array.from(referenceBytes(g, xq));
      const model = emitModel(g, { prefix: 'qdq' });
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) expect(Array.from(await runC(g, xq, target, model)), `${target} bytes`).toEqual(ref);
    }, 240_000);
  }
});
