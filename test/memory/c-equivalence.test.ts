// @module-tag qemu
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel, type EmittedModel } from '../../src/backends/c/emit-model.ts';
import { withScratch, type Lowering } from '../../src/backends/c/lower/context.ts';
import { floatLowerings } from '../../src/backends/c/lower/index.ts';
import type { CMemoryOptions } from '../../src/backends/c/memory.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware } from '../../src/targets/index.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import type { Graph } from '../../src/ir/types.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { fixture, maxAbsDiff, repo, sineInput, tmp } from '../helpers.ts';
import { branches, concatOfProducers, randomGraph, skip } from './memory-helpers.ts';

type Target = 'host' | 'cortex-m4';
const OFF: CMemoryOptions = { schedule: false, inPlace: false, concatInPlace: false };

async function runC(m: EmittedModel, x: Float32Array, target: Target = 'host', defines: Record<string, boolean> = {}): Promise<Float32Array> {
  const dir = tmp('harc-mem-');
  await writeModelDir(m, join(dir, 'src'));
  const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
  const r = await runFirmware({ target, elf, input: new Uint8Array(x.buffer), inputBytes: m.inputBytes, outputBytes: m.outputBytes, timeoutMs: 60_000 });
  return new Float32Array(r.output.slice().buffer);
}

/** Max abs difference relative to the reference's magnitude. */
const relDiff = (a: Float32Array, ref: Float32Array): number => maxAbsDiff(a, ref) / Math.max(1, ...Array.from(ref, Math.abs));

const inputOf = (g: Graph): Float32Array => sineInput(g.inputs.reduce((s, i) => s + g.tensors[i]!.shape.reduce((a, b) => a * b, 1), 0), 0.7);

/** Interpreter outputs of the optimized graph, packed like the C harness writes them. */
function reference(opt: Graph, x: Float32Array): Float32Array {
  const t = opt.tensors[opt.inputs[0]!]!;
  const out = interpret(opt, { [t.name]: { shape: t.shape, dtype: 'float32', data: x } });
  return Float32Array.from(opt.outputs.flatMap((o) => Array.from(out[o]!.data as Float32Array)));
}

const CASES: [string, () => Graph][] = [
  ['many branches', branches],
  ['long-lived skip', skip],
  ['concat of producers (in place)', concatOfProducers],
  ['random DAG 30 (concats, in place)', () => randomGraph(30, 8)],
  ['random DAG 7', () => randomGraph(7, 10)],
  ['se_block fixture', () => loadModel(fixture('se_block'))],
  ['mobilenet-1d (zoo)', () => loadModel(join(repo, 'zoo', 'models', 'mobilenet-1d.onnx'))],
];

describe('scheduled, in-place and concat-in-place C is bit-identical to the unplanned C', () => {
  for (const [name, make] of CASES) {
    it(name, async () => {
      const opt = optimize(make());
      const x = inputOf(opt);
      const planned = emitModel(opt, {});
      const io = emitModel(opt, { memory: { ioInArena: true, alignment: 4 } });
      const plain = emitModel(opt, { memory: OFF });
      expect(planned.plan.bytes).toBeLessThanOrEqual(plain.plan.bytes);
      const [a, b, c] = await Promise.all([runC(planned, x), runC(plain, x), runC(io, x)]);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      expect(Buffer.from(c.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      expect(relDiff(a, reference(opt, x))).toBeLessThan(1e-5);
    });
  }

  it('the adversarial graphs actually exercise scheduling, in-place and concat-in-place', () => {
    const p = emitModel(optimize(concatOfProducers())).plan;
    expect(p.elided.length).toBeGreaterThan(0);
    const r = emitModel(optimize(randomGraph(30, 8))).plan;
    expect(Object.keys(r.inPlace).length + r.elided.length).toBeGreaterThan(0);
    const b = emitModel(optimize(branches()));
    expect(b.plan.schedule).not.toEqual(optimize(branches()).nodes.map((n) => n.name));
  });
});

/** Relu through a scratch buffer: x → scratch → y (the scratch it declares: 4 bytes an element). */
const scratchRelu: Lowering = withScratch(
  (ctx) => {
    const n = ctx.output(0).shape.reduce((a, b) => a * b, 1);
    const s = ctx.scratch(n * 4, 'float');
    return `  for (int i = 0; i < ${n}; ++i) ${s}[i] = ${ctx.arg(0)}[i] > 0.0f ? ${ctx.arg(0)}[i] : 0.0f;\n  for (int i = 0; i < ${n}; ++i) ${ctx.res(0)}[i] = ${s}[i];\n`;
  },
  (g, node) => 4 * g.tensors[node.outputs[0]!]!.shape.reduce((a, b) => a * b, 1),
);

/** A broken kernel: a correct Relu that also writes one byte past the end of the arena. */
const strayRelu: Lowering = (ctx) =>
  `${floatLowerings['Relu']!(ctx)}  { unsigned char *volatile p = (unsigned char *)&harc_arena; p[sizeof(harc_arena) + 5] = 1; }\n`;

describe('guard: nothing outside the planned arena is written (Cortex-M4 under QEMU)', () => {
  const models: [string, () => EmittedModel][] = [
    ['mobilenet-1d, io in arena', () => emitModel(optimize(loadModel(join(repo, 'zoo', 'models', 'mobilenet-1d.onnx'))), { memory: { ioInArena: true, alignment: 4 } })],
    ['concat of producers', () => emitModel(optimize(concatOfProducers()), { memory: { alignment: 4 } })],
    ['random DAG 30', () => emitModel(optimize(randomGraph(30, 8)), { memory: { alignment: 4 } })],
    ['kernel scratch', () => emitModel(optimize(randomGraph(30, 8)), { memory: { alignment: 4 }, lowerings: { ...floatLowerings, Relu: scratchRelu } })],
  ];
  for (const [name, make] of models) {
    it(name, async () => {
      const m = make();
      const x = inputOf(m.graph);
      const host = await runC(m, x, 'host');
      const guarded = await runC(m, x, 'cortex-m4', { HARC_GUARD: true });
      expect(relDiff(guarded, host)).toBeLessThanOrEqual(1e-6);
      expect(relDiff(guarded, reference(m.graph, x))).toBeLessThan(1e-5);
      if (name === 'kernel scratch') expect(m.plan.buffers.some((b) => b.scratchOf !== undefined)).toBe(true);
    });
  }

  it('a kernel writing past the arena is caught (status 17)', async () => {
    const m = emitModel(optimize(randomGraph(30, 8)), { memory: { alignment: 4 }, lowerings: { ...floatLowerings, Relu: strayRelu } });
    expect(m.files['model.c']).toContain('sizeof(harc_arena) + 5');
    const x = inputOf(m.graph);
    await expect(runC(m, x, 'cortex-m4', { HARC_GUARD: true })).rejects.toThrow(/status 17/);
    // without the guard the same firmware runs normally
    await expect(runC(m, x, 'cortex-m4')).resolves.toBeInstanceOf(Float32Array);
  });
});
