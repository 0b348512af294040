// Shared by the `harc` kernel set's fused-path tests (harc-dw, harc-epilogue, harc-gate,
// harc-residual): one small graph quantized on random data, emitted with `--kernels harc` for
// cortex-m4 (where the fused paths run), riscv and the host (where they do not), built and run;
// each build's output bytes against the TypeScript integer reference.
import { expect } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import type { Graph } from '../../src/ir/types.ts';
import { G, quantizeForTest, quantizeInput, randomInputs, referenceBytes, runC } from './helpers.ts';

/** Quantizes the graph `build` makes (seeded), checks the cortex-m4 C with `checkM4`, and requires
 * the cortex-m4, riscv and host builds to give the reference bytes. */
export async function expectHarcBytes(seed: number, build: (b: G) => string | string[], checkM4: (m: EmittedModel, quant: Graph) => void): Promise<void> {
  const b = new G(seed);
  const g = b.graph(build(b));
  const { quant } = quantizeForTest(g, randomInputs(g, 16, seed + 1000));
  const xq = quantizeInput(quant, randomInputs(g, 3, seed + 2000, -3, 3));
  const ref = Array.from(referenceBytes(quant, xq));
  const emit = (target: string): EmittedModel => emitModel(quant, { prefix: 'hk', memory: { kernels: 'harc', target, alignment: 4 } });
  const m4 = emit('cortex-m4');
  checkM4(m4, quant);
  const targets = ['cortex-m4', 'riscv', 'host'] as const;
  const runs = await Promise.all(targets.map((t) => runC(quant, xq, t, t === 'cortex-m4' ? m4 : emit(t))));
  runs.forEach((got, k) => expect(Array.from(got), `${targets[k]} bytes`).toEqual(ref));
}
