import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeModelDir } from '../../backends/compile.ts';
import { writeFileAtomic } from '../../backends/fs-safe.ts';
import { buildFirmware, runFirmware, type OptLevel, type TargetName } from '../../targets/index.ts';
import { encodeNpy, readNpy } from '../../ir/npy.ts';
import { inputError } from '../../ir/errors.ts';
import { progress } from '../format.ts';
import { printable } from '../notice.ts';
import { defaultPrefix, type LoadArgs } from '../model-input.ts';
import { cliProgress } from '../progress.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';
import { defaultAlignment, type CMemoryOptions } from '../../backends/c/memory.ts';
import { dequantizeValue, packInputs, toModelInputs, unpackOutputs } from '../tensors.ts';

export interface RunArgs extends PrecisionArgs, LoadArgs {
  model: string;
  target: TargetName;
  input: string[];
  /** -o: one .npy per graph output. */
  out?: string[];
  json?: boolean;
  board?: string;
  opt: OptLevel;
  /** stateful models: no reset between the inferences (one stream) */
  stream?: boolean;
  /** Arena planner and kernel set (--planner, --kernels). */
  memory?: CMemoryOptions;
}

/** `harc run`: compile, build for the target, run (natively or in QEMU), write/print outputs. */
export async function runCommand(a: RunArgs): Promise<number> {
  const model = compileForCli(a.model, { ...a, name: defaultPrefix(a.model) }, { memory: a.memory ?? { alignment: defaultAlignment(a.target) } });
  const graph = model.graph;
  if (a.out && a.out.length > graph.outputs.length) throw inputError(`${a.out.length} -o files for ${graph.outputs.length} model output(s) (${graph.outputs.map(printable).join(', ')}); give one .npy per output`);
  const values = toModelInputs(graph, a.input.map(readNpy), a.input);
  const packed = packInputs(graph, values, a.input);
  const dir = await mkdtemp(join(tmpdir(), 'harc-run-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    cliProgress.start(`building for ${a.target} (-${a.opt})`);
    if (a.stream && !model.files['model.h']!.includes('_reset(void)')) progress('--stream: the model has no state; every inference is independent anyway');
    const defines = a.stream ? { HARC_STREAM: true } : undefined;
    const { elf } = await buildFirmware({ target: a.target, board: a.board, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), optLevel: a.opt, defines });
    cliProgress.start(`running ${packed.n} inference${packed.n === 1 ? '' : 's'}${a.target === 'host' ? '' : ' in QEMU'}`);
    const run = await runFirmware({ target: a.target, board: a.board, elf, input: packed.bytes, inputBytes: model.inputBytes, outputBytes: model.outputBytes, timeoutMs: 300_000 });
    cliProgress.end();
    const outs = unpackOutputs(model.graph, run.output, packed.n, packed.batched);
    if (a.out && a.out.length > 0) {
      for (let i = 0; i < Math.min(a.out.length, outs.length); i++) await writeFileAtomic(a.out[i]!, encodeNpy(outs[i]!));
      if (a.json) console.log(JSON.stringify({ outputs: a.out.slice(0, outs.length), inferences: packed.n, target: a.target }, null, 2));
      else console.log(`wrote ${a.out.slice(0, outs.length).join(', ')} (${packed.n} inference${packed.n === 1 ? '' : 's'} on ${a.target})`);
    } else if (a.json) {
      const json = outs.map((raw, i) => {
        const o = dequantizeValue(model.graph, model.graph.outputs[i]!, raw);
        return { name: model.graph.outputs[i], shape: o.shape, dtype: o.dtype, ...(o !== raw ? { dequantizedFrom: raw.dtype } : {}), data: Array.from(o.data as ArrayLike<number>) };
      });
      console.log(JSON.stringify({ outputs: json, inferences: packed.n, target: a.target }));
    } else {
      outs.forEach((raw, i) => {
        const o = dequantizeValue(model.graph, model.graph.outputs[i]!, raw);
        const rows = packed.n;
        const per = o.data.length / rows;
        console.log(`${printable(model.graph.outputs[i]!)} [${o.shape.join(', ')}]${o !== raw ? ` (${raw.dtype}, dequantized)` : ''}:`);
        for (let r = 0; r < Math.min(rows, 20); r++)
          console.log('  ' + Array.from(o.data.subarray(r * per, r * per + Math.min(per, 16)) as ArrayLike<number>, (v) => (o.dtype === 'float32' ? v.toPrecision(6) : String(v))).join(' ') + (per > 16 ? ' …' : ''));
        if (rows > 20) console.log(`  … ${rows - 20} more rows (use --output FILE.npy)`);
      });
    }
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
