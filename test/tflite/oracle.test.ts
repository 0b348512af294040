// @module-tag qemu
// TFLM as the oracle: every model in ../shared/models/reference-outputs that harc imports is run by
// harc's TypeScript reference and by its generated C (host; QEMU Cortex-M4 and RISC-V for a
// subset). Outputs must equal TFLM's `outputs.npy` bit for bit (8/8 samples) and every intermediate
// tensor must equal `intermediates.npz`; float models within rtol 1e-4. The per-model, per-tensor
// match table is printed. Models that need an operator harc does not import yet are listed as
// skipped with the operator's name; everything skips when ../shared is absent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/c/emit-model.ts';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware, type TargetName } from '../../src/targets/index.ts';
import type { Graph } from '../../src/ir/types.ts';
import { compareIntermediates, HAVE_ORACLE, inputBytes, loadOracle, MODEL_FILES, probeGraph, runReference, sampleOf, unpackOutputs, type OracleModel } from './oracle.ts';

const RTOL = 1e-4;
/** QEMU runs for a subset (the large vision models take minutes per target under emulation). */
const QEMU_MODELS = new Set(['kws_ref_model', 'ad01_int8', 'micro_speech_quantized', 'str_ww_ref_model', 'hello_world_int8', 'magic_wand', 'trained_lstm_int8', 'micro_speech_lstm', 'dtln_noise_suppression', 'keyword_scrambled']);

async function runC(g: Graph, bytes: Uint8Array, target: TargetName, defines: Record<string, boolean> = {}): Promise<Uint8Array> {
  const model = emitModel(g, { prefix: 'tfl' });
  const dir = await mkdtemp(join(tmpdir(), 'harc-tflite-test-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    const { elf } = await buildFirmware({ target, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), defines });
    const run = await runFirmware({ target, elf, input: bytes, inputBytes: model.inputBytes, outputBytes: model.outputBytes });
    return run.output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function close(m: OracleModel, got: ArrayLike<number>, want: ArrayLike<number>): { equal: number; maxDiff: number } {
  let big = 0;
  for (let j = 0; j < want.length; j++) big = Math.max(big, Math.abs(want[j]!));
  let equal = 0;
  let maxDiff = 0;
  for (let j = 0; j < want.length; j++) {
    const d = Math.abs(got[j]! - want[j]!);
    maxDiff = Math.max(maxDiff, d);
    if (m.isFloat ? d <= RTOL * Math.max(Math.abs(want[j]!), 0.01 * big) : d === 0) equal++;
  }
  return { equal, maxDiff };
}

const table: string[] = [];
const log = (line: string): void => void table.push(line);

describe.skipIf(!HAVE_ORACLE)('TFLite models against TFLM (reference-outputs)', () => {
  for (const folder of Object.keys(MODEL_FILES)) {
    const loaded = HAVE_ORACLE ? loadOracle(folder) : { skip: '../shared absent' };
    if ('skip' in loaded) {
      it.skip(`${folder}: skipped (${loaded.skip})`, () => {});
      log(`${folder.padEnd(24)} skipped: ${loaded.skip}`);
      continue;
    }
    const m = loaded;
    it(`${folder}: TS reference equals TFLM on every intermediate tensor`, () => {
      const rows = compareIntermediates(m, RTOL);
      for (const r of rows) log(`${folder.padEnd(24)} ts    ${r.key} ${`${r.equal}/${r.total}`.padStart(15)} max|d| ${r.maxDiff}  ${r.name}`);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(`${r.key} ${r.equal}/${r.total}`).toBe(`${r.key} ${r.total}/${r.total}`);
    }, 300_000);

    const targets: TargetName[] = QEMU_MODELS.has(folder) ? ['host', 'cortex-m4', 'riscv'] : ['host'];
    for (const target of targets) {
      it(`${folder}: ${target} C equals TFLM (outputs 8/8 and every intermediate)`, async () => {
        const n = m.inputs.shape[0]!;
        // outputs of the model as compiled (8 samples)
        const plain = unpackOutputs(m.graph, await runC(m.graph, inputBytes(m, n), target), n);
        const out = plain.get(m.graph.outputs[0]!)!;
        const per = m.outputs.data.length / n;
        let equalSamples = 0;
        for (let s = 0; s < n; s++) if (close(m, out[s]!, sampleOf(m.outputs, s, per)).equal === per) equalSamples++;
        log(`${folder.padEnd(24)} ${target.padEnd(5)} outputs.npy ${equalSamples}/${n} samples`);
        expect(equalSamples).toBe(n);
        // every intermediate: the same model with them all as outputs (the samples the oracle keeps)
        const { graph, keys } = probeGraph(m);
        const ns = m.intermediates.get(keys[0]!)!.shape[0]!;
        const probe = unpackOutputs(graph, await runC(graph, inputBytes(m, ns), target), ns);
        for (const key of keys) {
          const ref = m.intermediates.get(key)!;
          const name = m.tensorNames.get(Number(key.slice(1)))!;
          const p = ref.data.length / ns;
          let equal = 0;
          let maxDiff = 0;
          for (let s = 0; s < ns; s++) {
            const c = close(m, probe.get(name)![s]!, sampleOf(ref, s, p));
            equal += c.equal;
            maxDiff = Math.max(maxDiff, c.maxDiff);
          }
          log(`${folder.padEnd(24)} ${target.padEnd(5)} ${key} ${`${equal}/${p * ns}`.padStart(15)} max|d| ${maxDiff}  ${name}`);
          expect(`${key} ${equal}`).toBe(`${key} ${p * ns}`);
        }
      }, 600_000);
    }
  }
  // stateful models: the 8 inputs as one stream (no reset in between) against outputs_stream.npy
  for (const folder of Object.keys(MODEL_FILES)) {
    const m = HAVE_ORACLE ? loadOracle(folder) : { skip: '' };
    if ('skip' in m || !m.stream || m.isFloat) continue;
    const n = m.inputs.shape[0]!;
    const per = m.stream.data.length / n;
    it(`${folder}: stream of ${n} inputs (state carried) equals outputs_stream.npy on TS, host${QEMU_MODELS.has(folder) ? ', cortex-m4, riscv' : ''}`, async () => {
      const state = new Map<string, ArrayLike<number>>();
      const out = m.graph.outputs[0]!;
      let ts = 0;
      for (let s = 0; s < n; s++) if (close(m, runReference(m, s, state).get(out)!.data, sampleOf(m.stream!, s, per)).equal === per) ts++;
      log(`${folder.padEnd(24)} ts    outputs_stream.npy ${ts}/${n} samples`);
      expect(ts).toBe(n);
      const targets: TargetName[] = QEMU_MODELS.has(folder) ? ['host', 'cortex-m4', 'riscv'] : ['host'];
      for (const target of targets) {
        const got = unpackOutputs(m.graph, await runC(m.graph, inputBytes(m, n), target, { HARC_STREAM: true }), n).get(out)!;
        let eq = 0;
        for (let s = 0; s < n; s++) if (close(m, got[s]!, sampleOf(m.stream!, s, per)).equal === per) eq++;
        log(`${folder.padEnd(24)} ${target.padEnd(5)} outputs_stream.npy ${eq}/${n} samples`);
        expect(eq, target).toBe(n);
      }
      // where the stream differs from the per-sample outputs, carrying the state is what matched
      // (micro_speech_lstm's and keyword_scrambled's outputs saturate: 1 distinct row either way)
      const differs = Buffer.compare(Buffer.from(m.stream!.data.buffer), Buffer.from(m.outputs.data.buffer)) !== 0;
      log(`${folder.padEnd(24)} stream ${differs ? 'differs from' : 'equals'} the per-sample outputs.npy`);
      if (folder !== 'micro_speech_lstm' && folder !== 'keyword_scrambled') expect(differs).toBe(true);
    }, 600_000);
  }

  it('prints the match table', () => {
    console.log(`TFLM match table (model, target, tensor, equal/total):\n${table.join('\n')}`);
  });
});
