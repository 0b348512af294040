// harc's TFLite LSTM kernel against CMSIS-NN's arm_lstm_unidirectional_s8 (`--kernels harc` vs
// `--kernels cmsis-nn`) on TFLM's two int8 LSTM models, QEMU mps2-an386 Cortex-M4, -O2, on TFLM's 8
// recorded inputs (../shared/models/reference-outputs): instructions (exact, QEMU plugin), est.
// cycles (timing model), code and arena bytes, the LSTM layer's instructions, and how many of its
// steps the cmsis-nn set ran in CMSIS-NN (the rest in TFLM's exact step: see
// src/backends/c/kernels/cmsis-nn-lstm.ts), counted from harc's reference h on the same inputs
// (batch-major with one row, as both models are).
// (test/int8/cmsis-nn-lstm.test.ts checks the outputs against TFLM's.) Writes bench/results/kernels-tflite-lstm.{json,md}.
// Run: node --import tsx bench/kernels-tflite-lstm.ts
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lstmStepGuard } from '../src/backends/c/kernels/cmsis-nn-lstm.ts';
import { emitModel } from '../src/backends/c/emit-model.ts';
import { table } from '../src/cli/format.ts';
import { prepareTfliteLstmQ } from '../src/ir/int8/tflite-lstm.ts';
import { multiplyByQuantizedMultiplier } from '../src/ir/quant/index.ts';
import { measureModel, type Measurement } from '../src/targets/measure.ts';
import { HAVE_ORACLE, inputBytes, loadOracle, runReference, type OracleModel } from '../test/tflite/oracle.ts';

const repo = join(import.meta.dirname, '..');
const cmsisNn = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')].find(
  (d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')),
);
if (!cmsisNn || !HAVE_ORACLE) {
  console.error('bench/kernels-tflite-lstm.ts: needs CMSIS-NN (CMSIS_NN_PATH) and ../shared/models/reference-outputs');
  process.exit(3);
}
process.env['CMSIS_NN_PATH'] = cmsisNn;

const MODELS = ['trained_lstm_int8', 'micro_speech_lstm'];
const SETS = ['harc', 'cmsis-nn'] as const;
const target = 'cortex-m4';

/** Steps the cmsis-nn set runs in CMSIS-NN, over the 8 samples: all of them when no h can take a
 * recurrent product out of int16, else those whose every recurrent product (from harc's reference
 * h) requantizes into int16, the condition the generated C checks. */
function stepsInCmsisNn(m: OracleModel): { cmsis: number; total: number } {
  const node = m.graph.nodes.find((n) => n.op === 'TFLiteLSTM')!;
  const p = prepareTfliteLstmQ(m.graph, node);
  const H = p.hidden;
  const guarded = lstmStepGuard(m.graph, node).guarded;
  const R = p.slots.map((slot) => m.graph.tensors[node.inputs[5 + slot]!]!.data!);
  let cmsis = 0;
  let total = 0;
  for (let s = 0; s < m.inputs.shape[0]!; s++) {
    const y = runReference(m, s).get(node.outputs[0]!)!.data;
    for (let t = 0; t < p.steps; t++) {
      let fits = true;
      for (let n = 0; n < p.batch; n++)
        for (let gi = 0; gi < 4; gi++)
          for (let j = 0; j < H; j++) {
            let acc = 0;
            for (let k = 0; k < H; k++) acc += ((t === 0 ? p.hZp : y[((t - 1) * p.batch + n) * H + k]!) - p.hZp) * Number(R[gi]![j * H + k]!);
            const r = multiplyByQuantizedMultiplier(acc, p.rMult[gi]!, p.rShift[gi]!);
            if (r < -32768 || r > 32767) fits = false;
          }
      total++;
      if (!guarded || fits) cmsis++;
    }
  }
  return { cmsis, total };
}

const rows: string[][] = [];
const json: unknown[] = [];
for (const folder of MODELS) {
  const m = loadOracle(folder) as OracleModel;
  const n = m.inputs.shape[0]!;
  const lstm = m.graph.nodes.find((x) => x.op === 'TFLiteLSTM')!;
  const runs: Record<string, Measurement> = {};
  for (const kernels of SETS) {
    const model = emitModel(m.graph, { prefix: 'tfl', memory: { kernels, target, alignment: 4 } });
    process.stderr.write(`${folder} --kernels ${kernels}: measuring in QEMU\n`);
    const r = await measureModel(model, { target, input: inputBytes(m, n) });
    runs[kernels] = r;
  }
  const steps = stepsInCmsisNn(m);
  const h = runs['harc']!;
  const c = runs['cmsis-nn']!;
  const layer = (r: Measurement): number => r.layers.find((l) => l.name === lstm.name)!.instructions;
  rows.push([
    folder,
    String(h.instructions),
    String(Math.round(h.cyclesEstimate)),
    String(c.instructions),
    String(Math.round(c.cyclesEstimate)),
    (h.cyclesEstimate / c.cyclesEstimate).toFixed(2),
    `${layer(h)} / ${layer(c)}`,
    `${steps.cmsis}/${steps.total}`,
    `${h.flash.code} / ${c.flash.code}`,
    `${h.sram.arena} / ${c.sram.arena}`,
  ]);
  json.push({ model: folder, inferences: n, harc: { instructions: h.instructions, cycles: h.cyclesEstimate, lstmInstructions: layer(h), code: h.flash.code, arena: h.sram.arena }, cmsisNn: { instructions: c.instructions, cycles: c.cyclesEstimate, lstmInstructions: layer(c), code: c.flash.code, arena: c.sram.arena }, stepsInCmsisNn: steps });
}
const head = ['model', 'harc instr', 'harc est. cycles', 'cmsis-nn instr', 'cmsis-nn est. cycles', 'harc / cmsis-nn cycles', 'LSTM layer instr harc / cmsis-nn', 'steps in CMSIS-NN', 'code B harc / cmsis-nn', 'arena B harc / cmsis-nn'];
console.log(table(head, rows));
const out = join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'kernels-tflite-lstm.json'), JSON.stringify({ target, optLevel: 'O2', per: 'inference (mean of the 8 recorded inputs)', models: json }, null, 1) + '\n');
writeFileSync(
  join(out, 'kernels-tflite-lstm.md'),
  [
    '# TFLite LSTM: harc vs CMSIS-NN (QEMU mps2-an386 Cortex-M4, int8, -O2)',
    '',
    "Generated by `node --import tsx bench/kernels-tflite-lstm.ts` on TFLM's 8 recorded inputs per model (per inference).",
    "'steps in CMSIS-NN': the steps the cmsis-nn set ran in arm_lstm_unidirectional_s8; the others ran TFLM's exact step",
    '(docs/int8-kernels.md).',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n'),
);
