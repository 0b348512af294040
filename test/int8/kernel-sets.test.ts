// @module-tag qemu
// Kernel sets (src/backends/c/kernels/): each one's C gives the TypeScript integer reference bytes
// on the targets it is for, emits only its own weight layouts, and a single-path build refuses to
// compile for another core.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware } from '../../src/targets/index.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { numel } from '../../src/ir/shape.ts';
import { firstRows, quantizeForTest, quantizeInput, referenceBytes, runC } from './helpers.ts';

// mobilenet-1d: pointwise, depthwise and grouped convolutions and a Gemm
const file = 'zoo/models/mobilenet-1d.onnx';
const g = loadForCli(file);
const per = numel(g.tensors[g.inputs[0]!]!.shape);
const { quant } = quantizeForTest(g, firstRows(readNpy('zoo/data/calib_X.npy'), 32, per));
const xq = quantizeInput(quant, firstRows(readNpy('zoo/data/test_X.npy'), 3, per));
const ref = Array.from(referenceBytes(quant, xq));
const emit = (kernels: string, target: string) => emitModel(quant, { prefix: 'ks', memory: { kernels, target, alignment: 4 } });

describe('kernel sets', () => {
  it('the default is portable, byte for byte; portable keeps every path under #if and every weight copy', () => {
    const m = emit('portable', 'cortex-m4');
    expect(emitModel(quant, { prefix: 'ks', memory: { alignment: 4 } }).files).toEqual(m.files);
    expect(m.files['model.c']).toMatch(/#if HARC_INT8_FAST/);
    expect(m.files['weights.c']).toMatch(/_wdsp\[/);
    expect(m.files['weights.c']).toMatch(/_wopt\[/);
  });

  it('reference: no optimized path, no packed weights, no optimized-kernel header', () => {
    const m = emit('reference', 'cortex-m4');
    expect(m.files['model.c']).not.toMatch(/HARC_INT8_FAST|harc_s8_/);
    expect(m.files['weights.c']).not.toMatch(/_wdsp\[|_wopt\[/);
    expect(Object.keys(m.files)).not.toContain('harc_int8_kernels.h');
    expect(m.files['model.c']).not.toMatch(/harc_int8_kernels\.h/);
  });

  it("harc: the target's path alone and only its packing (smaller weights.c than portable)", () => {
    for (const [target, own, other] of [['cortex-m4', 'wdsp', 'wopt'], ['riscv', 'wopt', 'wdsp']] as const) {
      const m = emit('harc', target);
      expect(m.files['model.c']).not.toMatch(/#if HARC_INT8_FAST/);
      expect(m.files['weights.c']).toMatch(new RegExp(`_${own}\\[`));
      expect(m.files['weights.c']).not.toMatch(new RegExp(`_${other}\\[`));
      expect(m.files['weights.c'].length).toBeLessThan(emit('portable', target).files['weights.c']!.length);
    }
    // no optimized path on the host: every node goes to the reference
    expect(emit('harc', 'host').files['model.c']).not.toMatch(/harc_s8_/);
  });

  for (const [kernels, target] of [['reference', 'host'], ['reference', 'cortex-m4'], ['harc', 'cortex-m4'], ['harc', 'riscv']] as const)
    it(`${kernels} on ${target}: the TypeScript integer reference bytes`, async () => {
      expect(Array.from(await runC(quant, xq, target, emit(kernels, target)))).toEqual(ref);
    }, 240_000);

  it('harc for the Cortex-M4 DSP path does not compile for RISC-V (#error, not the wrong kernel)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harc-ks-'));
    try {
      await writeModelDir(emit('harc', 'cortex-m4'), join(dir, 'src'));
      await expect(buildFirmware({ target: 'riscv', modelDir: join(dir, 'src'), outDir: join(dir, 'build') })).rejects.toThrow(/--kernels harc/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
