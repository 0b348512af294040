// @module-tag c
// The .tflite reader and importer on small models built in the test (no ../shared needed): the
// integer FULLY_CONNECTED result against a hand computation, and malformed files (truncated,
// wrong identifier, bad offsets, buffer index out of range, corrupted bytes) each give one
// input error, never a crash.
import { describe, expect, it } from 'vitest';
import { importTfliteDetailed } from '../../src/frontends/tflite/import.ts';
import { HarcError } from '../../src/ir/errors.ts';
import { interpretQuantized } from '../../src/ir/int8/interpret.ts';
import { dequantize, multiplyByQuantizedMultiplier, quantize, quantizeMultiplier } from '../../src/ir/quant/index.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware } from '../../src/targets/index.ts';
import type { Graph } from '../../src/ir/types.ts';

async function runOnHost(g: Graph, input: Uint8Array): Promise<Uint8Array> {
  const model = emitModel(g, { prefix: 'tiny' });
  const dir = await mkdtemp(join(tmpdir(), 'harc-tflite-import-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    const { elf } = await buildFirmware({ target: 'host', modelDir: join(dir, 'src'), outDir: join(dir, 'build') });
    return (await runFirmware({ target: 'host', elf, input, inputBytes: model.inputBytes, outputBytes: model.outputBytes })).output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
import { tinyFcModel } from './build-model.ts';

const importBytes = (bytes: Uint8Array) => importTfliteDetailed('m.tflite', bytes);

function inputErrorOf(bytes: Uint8Array): string {
  try {
    importBytes(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(HarcError);
    expect((e as HarcError).kind).toBe('input');
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected an input error');
}

describe('tflite import', () => {
  it('imports an int8 FULLY_CONNECTED with the file’s own quantization and computes TFLite’s result', () => {
    const { graph } = importBytes(tinyFcModel());
    expect(graph.nodes.map((n) => n.op)).toEqual(['Gemm']);
    const x = Int8Array.of(-128, 5, 127);
    const y = interpretQuantized(graph, { x: { shape: [1, 3], dtype: 'int8', data: x } })['y']!.data;
    const W = [10, -20, 30, 40, 50, -60];
    const B = [100, -200];
    const m = quantizeMultiplier((0.5 * Math.fround(0.01)) / 0.25);
    const want = [0, 1].map((j) => {
      let acc = B[j]!;
      for (let k = 0; k < 3; k++) acc += (x[k]! + 3) * W[j * 3 + k]!;
      return Math.max(-128, Math.min(127, multiplyByQuantizedMultiplier(acc, m.multiplier, m.shift) + 7));
    });
    expect(Array.from(y)).toEqual(want);
  });

  it('imports float input / output through QUANTIZE and DEQUANTIZE; host C equals the TS reference', async () => {
    const { graph } = importBytes(tinyFcModel({ floatIo: true }));
    expect(graph.nodes.map((n) => n.op)).toEqual(['Requantize', 'Gemm', 'Dequantize']);
    const xf = Float32Array.of(-64.25, 4, 65.1, 1.25, -0.75, 1e9);
    const ref: number[] = [];
    for (let s = 0; s < 2; s++) {
      const row = xf.subarray(3 * s, 3 * s + 3);
      const y = interpretQuantized(graph, { xf: { shape: [1, 3], dtype: 'float32', data: row } })['yf']!;
      expect(y.dtype).toBe('float32');
      // by hand: TFLite Quantize, the FC of the test above, Dequantize
      const xq = Array.from(row, (v) => quantize(v, 0.5, -3));
      const yi = interpretQuantized(importBytes(tinyFcModel()).graph, { x: { shape: [1, 3], dtype: 'int8', data: Int8Array.from(xq) } })['y']!.data;
      expect(Array.from(y.data)).toEqual(Array.from(yi, (q) => dequantize(q, 0.25, 7)));
      ref.push(...Array.from(y.data));
    }
    const c = await runOnHost(graph, new Uint8Array(xf.buffer));
    expect(Array.from(new Float32Array(c.buffer, c.byteOffset, c.length / 4))).toEqual(ref);
  }, 120_000);

  it('refuses a truncated file', () => {
    const b = tinyFcModel();
    expect(inputErrorOf(b.slice(0, 6))).toMatch(/m\.tflite: malformed \.tflite file: only 6 bytes \(truncated\)/);
    expect(inputErrorOf(b.slice(0, Math.floor(b.length / 2)))).toMatch(/malformed \.tflite file: .* outside the \d+-byte file/);
  });

  it('refuses a wrong file identifier', () => {
    expect(inputErrorOf(tinyFcModel({ identifier: 'ONNX' }))).toMatch(/file identifier is 'ONNX', expected 'TFL3'/);
  });

  it('refuses a root offset outside the file', () => {
    const b = tinyFcModel();
    new DataView(b.buffer).setUint32(0, 0x7ffffff0, true);
    expect(inputErrorOf(b)).toMatch(/Model table lies outside the \d+-byte file/);
  });

  it('refuses a buffer index out of range', () => {
    expect(inputErrorOf(tinyFcModel({ weightBuffer: 99 }))).toMatch(/tensor 1 \('w'\) refers to buffer 99, but the model has 3 buffers/);
  });

  it('lists unknown builtins and refuses several subgraphs', () => {
    expect(inputErrorOf(tinyFcModel({ builtin: 5 }))).toMatch(/unsupported TFLite operator: DEPTH_TO_SPACE \(harc imports ADD, AVERAGE_POOL_2D, /);
    expect(inputErrorOf(tinyFcModel({ extraSubgraphs: 1 }))).toMatch(/2 subgraphs; harc imports single-subgraph models only/);
  });

  it('never crashes on corrupted bytes (every single-byte corruption of the file)', () => {
    const good = tinyFcModel();
    let errors = 0;
    for (let i = 0; i < good.length; i++)
      for (const v of [0x00, 0xff, 0x7f]) {
        const b = good.slice();
        b[i] = v;
        try {
          importBytes(b);
        } catch (e) {
          if (!(e instanceof HarcError)) throw new Error(`byte ${i} = ${v}: ${(e as Error).stack}`);
          expect((e as Error).message).not.toContain('\n');
          errors++;
        }
      }
    expect(errors).toBeGreaterThan(0);
  });
});

describe('tflite SVDF in float', () => {
  it('host C equals the TS reference on odd sizes (rank 2, batch 2, fused clamp, no state output)', async () => {
    const [B, I, F, M] = [2, 5, 6, 3];
    const { graph: build, rand } = await import('../graph-builder.ts');
    const g = build({
      inputs: { x: [B, I] },
      consts: { wf: { shape: [F, I], data: rand(F * I, 3) }, wt: { shape: [F, M], data: rand(F * M, 4) }, b: { shape: [F / 2], data: rand(F / 2, 5) } },
      nodes: [['svdf', 'TFLiteSVDF', ['x', 'wf', 'wt', 'b'], ['y'], { rank: 2, act_min: -0.5, act_max: 0.75 }]],
      outputs: ['y'],
    });
    const { interpret } = await import('../../src/ir/interpreter.ts');
    const { inferShapes } = await import('../../src/ir/infer.ts');
    const x = Float32Array.from(rand(B * I, 6));
    const want = interpret(inferShapes(g), { x: { shape: [B, I], dtype: 'float32', data: x } })['y']!.data as Float32Array;
    const out = await runOnHost(inferShapes(g), new Uint8Array(x.buffer));
    const got = new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    expect(new Set(Array.from(got)).size).toBeGreaterThan(2);
  });
});
