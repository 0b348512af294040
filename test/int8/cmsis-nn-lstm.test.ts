// @module-tag qemu
// --kernels cmsis-nn on TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (src/backends/c/kernels/cmsis-nn-lstm.ts):
// the LSTM of TFLM's two int8 LSTM models calls Arm's arm_lstm_unidirectional_s8 and the generated
// C must give TFLM's recorded bytes (../shared/models/reference-outputs: outputs.npy per sample, and
// outputs_stream.npy with the state carried between inputs) and harc's TypeScript reference, on the
// host (CMSIS-NN's plain C), QEMU Cortex-M4 (its DSP path) and QEMU RISC-V. Synthetic LSTMs cover
// what those two do not: batch 2 in both layouts, odd sizes, a cell clip, state that is not
// variable, the smallest cell scale accepted, and recurrent weights large enough that some steps
// leave CMSIS-NN for TFLM's exact step (checked to happen) while others stay.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import type { Graph } from '../../src/ir/types.ts';
import { referenceBytes, runC as runInt8 } from './helpers.ts';
import { lstmInputs, stepsThatFit, tfliteLstmGraph, type LstmGraphOptions } from './tflite-lstm-graph.ts';
import { HAVE_ORACLE, inputBytes, loadOracle, runReference, sampleOf, unpackOutputs, type OracleModel } from '../tflite/oracle.ts';

const repo = join(import.meta.dirname, '..', '..');
const CMSIS_NN = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')]
  .find((d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')));
if (CMSIS_NN) process.env['CMSIS_NN_PATH'] = CMSIS_NN;

const emit = (g: Graph, target: TargetName) => emitModel(g, { prefix: 'tfl', memory: { kernels: 'cmsis-nn', target, alignment: 4 } });

async function runC(g: Graph, bytes: Uint8Array, target: TargetName, defines: Record<string, boolean> = {}): Promise<Uint8Array> {
  const model = emit(g, target);
  expect(model.files['model.c']).toContain('(void)arm_lstm_unidirectional_s8(');
  const dir = await mkdtemp(join(tmpdir(), 'harc-cmsis-lstm-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    return (await runFirmware({ target, elf, input: bytes, inputBytes: model.inputBytes, outputBytes: model.outputBytes })).output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Samples whose output equals `want` exactly. */
function equalSamples(m: OracleModel, got: ArrayLike<number>[], want: (s: number) => ArrayLike<number>): number {
  let eq = 0;
  for (let s = 0; s < got.length; s++) if (Array.from(got[s]!).join() === Array.from(want(s)).join()) eq++;
  return eq;
}

describe.skipIf(!CMSIS_NN || !HAVE_ORACLE)('TFLiteLSTM in CMSIS-NN (needs ../shared)', () => {
  for (const folder of ['trained_lstm_int8', 'micro_speech_lstm']) {
    it(`${folder}: TFLM's outputs and the TS reference on host, cortex-m4, riscv; per sample and as a stream`, async () => {
      const m = loadOracle(folder) as OracleModel;
      const n = m.inputs.shape[0]!;
      const out = m.graph.outputs[0]!;
      const per = m.outputs.data.length / n;
      const ts = Array.from({ length: n }, (_, s) => runReference(m, s).get(out)!.data);
      expect(equalSamples(m, ts, (s) => sampleOf(m.outputs, s, per))).toBe(n);
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
        const got = unpackOutputs(m.graph, await runC(m.graph, inputBytes(m, n), target), n).get(out)!;
        expect(equalSamples(m, got, (s) => sampleOf(m.outputs, s, per)), `${target} vs outputs.npy`).toBe(n);
        expect(equalSamples(m, got, (s) => ts[s]!), `${target} vs TS`).toBe(n);
        const stream = unpackOutputs(m.graph, await runC(m.graph, inputBytes(m, n), target, { HARC_STREAM: true }), n).get(out)!;
        expect(equalSamples(m, stream, (s) => sampleOf(m.stream!, s, per)), `${target} vs outputs_stream.npy`).toBe(n);
      }
    }, 900_000);
  }
});

const SYNTHETIC: { name: string; o: LstmGraphOptions; checked: boolean }[] = [
  { name: 'batch 2 batch-major, small R: one call for the sequence', o: { batch: 2, steps: 6, input: 5, hidden: 7, rMax: 3, rScale: 0.001 }, checked: false },
  { name: 'batch 2 time-major, large R, clip, odd sizes: steps checked, some in TFLM\'s step', o: { batch: 2, timeMajor: true, steps: 9, input: 5, hidden: 7, rScale: 0.05, cellClip: 3 }, checked: true },
  { name: 'one row, large R, cell scale 2^-15 (the smallest accepted)', o: { steps: 8, input: 9, hidden: 5, rScale: 0.05, cellLog2: -15, seed: 4 }, checked: true },
  { name: 'one row, large R, plain (not variable) state outputs', o: { steps: 7, input: 4, hidden: 8, rScale: 0.04, state: 'plain', seed: 5 }, checked: true },
];

describe.skipIf(!CMSIS_NN)('synthetic TFLiteLSTM in CMSIS-NN (needs ../shared/third_party/CMSIS-NN)', () => {
  for (const c of SYNTHETIC)
    it(`${c.name}: the reference bytes on host, cortex-m4, riscv`, async () => {
      const g = tfliteLstmGraph(c.o);
      const samples = 3;
      const xq = lstmInputs(g, samples);
      const ref = referenceBytes(g, xq);
      if (c.checked) {
        // both paths run: some steps in CMSIS-NN, some in TFLM's step
        const { fit, total } = stepsThatFit(g, g.nodes[0]!, ref, samples);
        expect(fit).toBeGreaterThan(0);
        expect(fit).toBeLessThan(total);
      }
      for (const target of ['host', 'cortex-m4', 'riscv'] as const) {
        const m = emit(g, target);
        expect(m.files['model.c']).toContain('(void)arm_lstm_unidirectional_s8(');
        expect(m.files['model.c'].includes('int fits = 1;')).toBe(c.checked);
        expect(Array.from(await runInt8(g, xq, target, m)), target).toEqual(Array.from(ref));
      }
    }, 600_000);
});
