// The zoo benchmark: every zoo model through harc — size, memory, instructions and cycles on both
// MCU targets (QEMU), compile time, float and int8 accuracy on UCI-HAR (the host build of the C).
// Prints a table and writes bench/results/zoo.json and zoo.md. Figures come from the built ELF and
// the emulator; nothing here is estimated in TypeScript except the documented cycle model. The MCU
// builds use each target's own kernels (`--kernels harc`); accuracy is the host build of the
// default (portable) C, whose int8 bytes every kernel set reproduces.
//   npm run bench                # all zoo models
//   npm run bench -- har-cnn     # some
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileGraph, writeModelDir } from '../src/backends/compile.ts';
import { measureModel, type Measurement } from '../src/targets/measure.ts';
import { argmaxRows, classificationMetrics, type ClassificationMetrics } from '../src/eval/metrics.ts';
import { buildFirmware, runFirmware } from '../src/targets/index.ts';
import { runModelBatch } from '../src/eval/evaluate.ts';
import { readNpy } from '../src/ir/npy.ts';
import { loadModel } from '../src/frontends/load.ts';
import { dataToBytes } from '../src/ir/serialize.ts';
import { fmtBytes, table } from '../src/cli/format.ts';
import { repo, testSplit, zooModels } from './data.ts';

interface Row {
  model: string;
  params: number;
  macs: number;
  compileMs: number;
  float: ClassificationMetrics | null;
  int8: ClassificationMetrics | null;
  targets: Record<string, Omit<Measurement, 'elf'> | null>;
  /** The int8 build (minmax calibration) on the same targets. */
  int8Targets: Record<string, Omit<Measurement, 'elf'> | null>;
}

const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

async function hostAccuracy(model: ReturnType<typeof compileGraph>, split: ReturnType<typeof testSplit>): Promise<ClassificationMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'harc-bench-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    const { elf } = await buildFirmware({ target: 'host', modelDir: join(dir, 'src'), outDir: join(dir, 'build') });
    const run = await runFirmware({ target: 'host', elf, input: dataToBytes('float32', split.x.data), inputBytes: model.inputBytes, outputBytes: model.outputBytes, timeoutMs: 600_000 });
    const logits = new Float32Array(new Uint8Array(run.output).buffer);
    return classificationMetrics(argmaxRows(logits, 6), split.y, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const split = testSplit();
  const models = zooModels().filter((m) => only.length === 0 || only.includes(m.name));
  log(`${models.length} models; accuracy on ${split.name}`);
  const rows: Row[] = [];
  for (const m of models) {
    const path = join(repo, 'zoo', m.file);
    const t0 = performance.now();
    const model = compileGraph(loadModel(path), { prefix: m.name.replace(/-/g, '_'), source: `zoo/${m.file}` });
    const compileMs = performance.now() - t0;
    const params = Object.values(model.graph.tensors).filter((t) => t.data && model.graph.nodes.some((n) => n.inputs.includes(t.name))).reduce((s, t) => s + t.data!.length, 0);
    const row: Row = { model: m.name, params, macs: model.layers.reduce((s, l) => s + l.macs, 0), compileMs, float: null, int8: null, targets: {}, int8Targets: {} };
    log(`${m.name}: compiled in ${compileMs.toFixed(0)} ms; float accuracy on the host build`);
    row.float = await hostAccuracy(model, split);
    log(`${m.name}: int8 (minmax calibration on zoo/data/calib_X.npy) accuracy on the host build`);
    let q: ReturnType<typeof compileGraph> | undefined;
    try {
      q = compileGraph(loadModel(path), { prefix: m.name.replace(/-/g, '_'), source: `zoo/${m.file}`, precision: { precision: 'int8', calib: readNpy(join(repo, 'zoo', 'data', 'calib_X.npy')) } });
      const { outputs, rowLength } = await runModelBatch(q, split.x);
      row.int8 = classificationMetrics(argmaxRows(Array.from(outputs), rowLength), split.y, rowLength);
    } catch (e) {
      log(`${m.name}: no int8 (${(e as Error).message.split('\n')[0]})`);
    }
    const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
    for (const target of ['cortex-m4', 'riscv'] as const) {
      log(`${m.name}: measuring on ${target}`);
      const memory = { kernels: 'harc', target };
      try {
        const forTarget = compileGraph(loadModel(path), { prefix: m.name.replace(/-/g, '_'), source: `zoo/${m.file}`, memory });
        const { elf: _elf, ...meas } = await measureModel(forTarget, { target });
        row.targets[target] = meas;
      } catch (e) {
        log(`${m.name} on ${target} failed: ${(e as Error).message.split('\n')[0]}`);
        row.targets[target] = null;
      }
      if (!q) continue;
      log(`${m.name}: measuring int8 on ${target}`);
      try {
        const qForTarget = compileGraph(loadModel(path), { prefix: m.name.replace(/-/g, '_'), source: `zoo/${m.file}`, memory, precision: { precision: 'int8', calib } });
        const { elf: _e, ...meas } = await measureModel(qForTarget, { target });
        row.int8Targets[target] = meas;
      } catch (e) {
        log(`${m.name} int8 on ${target} failed: ${(e as Error).message.split('\n')[0]}`);
        row.int8Targets[target] = null;
      }
    }
    rows.push(row);
  }
  const na = 'n/a';
  const pct = (x: number | undefined): string => (x === undefined ? na : `${(100 * x).toFixed(2)}%`);
  const head = ['model', 'params', 'MACs', 'flash code', 'flash weights', 'arena', 'stack', 'M4 instr', 'M4 cycles', 'MAC/cyc', 'RV instr', 'RV cycles', 'compile', 'float acc', 'float F1', 'int8 acc', 'int8 F1', 'int8 flash', 'int8 arena', 'int8 M4 instr', 'int8 M4 cycles', 'int8 MAC/cyc', 'int8 RV instr'];
  const body = rows.map((r) => {
    const m4 = r.targets['cortex-m4'];
    const rv = r.targets['riscv'];
    const q4 = r.int8Targets['cortex-m4'];
    const qv = r.int8Targets['riscv'];
    return [
      r.model, r.params, r.macs,
      m4 ? fmtBytes(m4.flash.code) : na, m4 ? fmtBytes(m4.flash.weights) : na, m4 ? fmtBytes(m4.sram.arena) : na, m4 ? `${m4.sram.stack} B` : na,
      m4?.instructions ?? na, m4?.cyclesEstimate ?? na, m4 ? (r.macs / m4.cyclesEstimate).toFixed(3) : na,
      rv?.instructions ?? na, rv?.cyclesEstimate ?? na,
      `${r.compileMs.toFixed(0)} ms`,
      pct(r.float?.accuracy), pct(r.float?.macroF1), pct(r.int8?.accuracy ?? undefined), pct(r.int8?.macroF1 ?? undefined),
      q4 ? fmtBytes(q4.flash.total) : na, q4 ? fmtBytes(q4.sram.arena) : na, q4?.instructions ?? na, q4?.cyclesEstimate ?? na, q4 ? (r.macs / q4.cyclesEstimate).toFixed(3) : na, qv?.instructions ?? na,
    ];
  });
  const text = table(head, body);
  console.log(text);
  const meta = { date: new Date().toISOString(), machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`, data: split.name };
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repo, 'bench', 'results', 'zoo.json'), JSON.stringify({ ...meta, rows }, null, 2) + '\n');
  const md = [
    `Measured ${meta.date.slice(0, 10)} on ${meta.machine}; accuracy on ${meta.data}. MCU figures with \`--kernels harc\`. Instructions are exact QEMU counts per inference; cycles use the timing model in toolchain/README.md; flash/SRAM from the ELF, stack measured by painting.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)).join(' | ')} |`),
  ].join('\n');
  writeFileSync(join(repo, 'bench', 'results', 'zoo.md'), md + '\n');
  log('wrote bench/results/zoo.json and zoo.md');
}

await main();
