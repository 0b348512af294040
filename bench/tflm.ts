// harc against TensorFlow Lite Micro on the same quantized .tflite files (../shared/models), on
// Cortex-M4 (QEMU mps2-an386): instructions per inference (exact QEMU count), estimated cycles,
// code and weight flash, arena and stack, all measured here from the ELF and the emulator run on
// TFLM's own first reference input. Beside them, TFLM's figures: its M4 arena from
// ../shared/models/reference-outputs/README.md and TFLM+CMSIS-NN's measured figures on this same
// QEMU (quoted in issue 15; not re-measured here, TFLM is not built by this repository).
// Also checks that harc's output on that input equals TFLM's `outputs.npy` sample 0.
//   npx tsx bench/tflm.ts              # every model harc imports
//   npx tsx bench/tflm.ts kws_ref_model
// Writes bench/results/tflm.json and tflm.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileGraph, writeModelDir } from '../src/backends/compile.ts';
import { defaultAlignment } from '../src/backends/c/memory.ts';
import { measureModel, type Measurement } from '../src/targets/measure.ts';
import { buildFirmware, runFirmware } from '../src/targets/index.ts';
import { fmtInt, table } from '../src/cli/format.ts';
import { loadModel } from '../src/frontends/load.ts';
import { repo } from './data.ts';

const SHARED = join(repo, '..', 'shared', 'models');
const SHARED_ALT = '/work/shared/models';
const root = existsSync(SHARED) ? SHARED : SHARED_ALT;

interface TflmFigures {
  /** MicroInterpreter::arena_used_bytes() on Cortex-M4 with CMSIS-NN kernels (reference-outputs README). */
  arenaM4: number;
  /** TFLM + CMSIS-NN measured on this QEMU (issue 15): instructions, est. cycles, code flash, arena. */
  measured?: { instructions: number; cycles?: number; code: number; arena: number };
}

const KB = 1000;
const MODELS: Record<string, { file: string; tflm: TflmFigures }> = {
  kws_ref_model: { file: 'mlcommons-tiny/kws_ref_model.tflite', tflm: { arenaM4: 22_820, measured: { instructions: 7_660_000, cycles: 9_220_000, code: 49.0 * KB, arena: 22.8 * KB } } },
  ad01_int8: { file: 'mlcommons-tiny/ad01_int8.tflite', tflm: { arenaM4: 2_580, measured: { instructions: 580_000, code: 25.7 * KB, arena: 2.6 * KB } } },
  pretrainedResnet_quant: { file: 'mlcommons-tiny/pretrainedResnet_quant.tflite', tflm: { arenaM4: 54_996, measured: { instructions: 31_200_000, code: 46.6 * KB, arena: 55.0 * KB } } },
  vww_96_int8: { file: 'mlcommons-tiny/vww_96_int8.tflite', tflm: { arenaM4: 100_708 } },
  str_ww_ref_model: { file: 'mlcommons-tiny/str_ww_ref_model.tflite', tflm: { arenaM4: 16_596 } },
  trained_lstm_int8: { file: 'tflite-micro/trained_lstm_int8.tflite', tflm: { arenaM4: 4_052, measured: { instructions: 590_000, code: 39.9 * KB, arena: 4.05 * KB } } },
  micro_speech_lstm: { file: 'tflite-micro/micro_speech_lstm.tflite', tflm: { arenaM4: 21_668, measured: { instructions: 12_200_000, code: 39.9 * KB, arena: 21.7 * KB } } },
  micro_speech_quantized: { file: 'tflite-micro/micro_speech_quantized.tflite', tflm: { arenaM4: 6_836 } },
  person_detect: { file: 'tflite-micro/person_detect.tflite', tflm: { arenaM4: 82_308 } },
  hello_world_int8: { file: 'tflite-micro/hello_world_int8.tflite', tflm: { arenaM4: 772 } },
  keyword_scrambled: { file: 'tflite-micro/keyword_scrambled.tflite', tflm: { arenaM4: 13_332 } },
  dtln_noise_suppression: { file: 'tflite-micro/dtln_noise_suppression.tflite', tflm: { arenaM4: 14_356 } },
};

/** Sample 0 of a .npy file's raw little-endian bytes. */
function firstSample(path: string): { bytes: Uint8Array; all: Uint8Array; n: number } {
  const buf = readFileSync(path);
  const headerLen = buf[6] === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const body = new Uint8Array(buf.subarray((buf[6] === 1 ? 10 : 12) + headerLen));
  const n = Number(/'shape':\s*\((\d+)/.exec(buf.toString('latin1', 0, 200))![1]);
  return { bytes: body.slice(0, body.length / n), all: body, n };
}

interface Row {
  model: string;
  harc?: Omit<Measurement, 'elf' | 'layers'>;
  matchesTflm?: boolean;
  skipped?: string;
  tflm: TflmFigures;
}

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  for (const [name, m] of Object.entries(MODELS)) {
    if (only.length && !only.includes(name)) continue;
    let graph;
    try {
      graph = loadModel(join(root, m.file));
    } catch (e) {
      const why = (e as Error).message.replace(/^.*?: /, '').replace(/ \(harc imports.*$/, '');
      log(`${name}: skipped (${why})`);
      rows.push({ model: name, skipped: why, tflm: m.tflm });
      continue;
    }
    log(`${name}: compiling and measuring on cortex-m4`);
    const model = compileGraph(graph, { prefix: name, source: m.file, memory: { alignment: defaultAlignment('cortex-m4') } });
    const x = firstSample(join(root, 'reference-outputs', name, 'inputs.npy'));
    const y = firstSample(join(root, 'reference-outputs', name, 'outputs.npy'));
    const { elf: _elf, layers: _layers, ...meas } = await measureModel(model, { target: 'cortex-m4', input: x.bytes, onProgress: (w) => log(`  ${w}`) });
    // the M4 output on that input, against TFLM's (measureModel does not return outputs)
    const dir = await mkdtemp(join(tmpdir(), 'harc-tflm-'));
    let matches = false;
    try {
      await writeModelDir(model, join(dir, 'src'));
      const { elf } = await buildFirmware({ target: 'cortex-m4', modelDir: join(dir, 'src'), outDir: join(dir, 'build') });
      const run = await runFirmware({ target: 'cortex-m4', elf, input: x.bytes, inputBytes: model.inputBytes, outputBytes: model.outputBytes });
      matches = Buffer.compare(Buffer.from(run.output), Buffer.from(y.bytes)) === 0;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    rows.push({ model: name, harc: meas, matchesTflm: matches, tflm: m.tflm });
    log(`  ${meas.instructions} instructions, arena ${meas.sram.arena} B, output ${matches ? 'equals' : 'DIFFERS from'} TFLM`);
  }

  const B = (n: number): string => `${fmtInt(n)} B`;
  const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—');
  const head = ['model', 'harc M4 instr', 'harc est. cycles', 'harc code', 'harc weights', 'harc arena', 'harc stack', '= TFLM out', 'TFLM arena (M4, CMSIS-NN)', 'TFLM+CMSIS-NN instr', 'TFLM code', 'instr ratio', 'code ratio', 'arena ratio'];
  const body = rows.map((r) => {
    const h = r.harc;
    const t = r.tflm.measured;
    if (!h) return [r.model, `skipped: ${r.skipped}`, '', '', '', '', '', '', B(r.tflm.arenaM4), t ? t.instructions.toLocaleString('en-US') : '—', t ? B(t.code) : '—', '', '', ''];
    return [
      r.model,
      h.instructions.toLocaleString('en-US'),
      h.cyclesEstimate.toLocaleString('en-US'),
      B(h.flash.code),
      B(h.flash.weights),
      B(h.sram.arena),
      B(h.sram.stack),
      r.matchesTflm ? 'yes' : 'NO',
      B(r.tflm.arenaM4),
      t ? t.instructions.toLocaleString('en-US') : '—',
      t ? B(t.code) : '—',
      ratio(h.instructions, t?.instructions),
      ratio(h.flash.code, t?.code),
      ratio(h.sram.arena, r.tflm.arenaM4),
    ];
  });
  const when = new Date().toISOString().slice(0, 10);
  const mdTable = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const md = [
    `Measured ${when} with \`npx tsx bench/tflm.ts\` on QEMU mps2-an386 (Cortex-M4, -O2). harc figures: instructions per inference counted exactly by the QEMU plugin on TFLM's first reference input; cycles from the timing model (toolchain/README.md); code = .text minus weights (includes harc's harness and startup); arena = harc's planned arena. "= TFLM out" compares harc's M4 output with TFLM's outputs.npy sample 0. TFLM columns are TFLM's figures, not re-measured here: arena from reference-outputs/README.md (CMSIS-NN build), instructions/code from TFLM+CMSIS-NN measured on this QEMU (issue 15). Ratios are harc / TFLM (arena ratio against the CMSIS-NN arena).`,
    '',
    mdTable,
  ].join('\n');
  if (only.length === 0) {
    mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
    writeFileSync(join(repo, 'bench', 'results', 'tflm.json'), JSON.stringify({ date: when, rows }, null, 2) + '\n');
    writeFileSync(join(repo, 'bench', 'results', 'tflm.md'), md + '\n');
  }
  console.log(table(head, body));
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
