import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeModelDir } from '../../backends/compile.ts';
import { buildFirmware, runFirmware, type OptLevel, type TargetName } from '../../backends/targets/index.ts';
import { encodeNpy, readNpy } from '../../ir/npy.ts';
import { progress } from '../format.ts';
import { defaultPrefix } from '../model-input.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';
import { defaultAlignment } from '../../backends/c/memory.ts';
import { dequantizeValue, packInputs, toModelInputs, unpackOutputs } from '../tensors.ts';

export interface RunArgs extends PrecisionArgs {
  /** int8 kernel set (--kernels); default portable. */
  kernels?: string;
  model: string;
  target: TargetName;
  input: string[];
  output?: string[];
  const?: string[];
  board?: string;
  opt: OptLevel;
}

/** `harc run`: compile, build for the target, run (natively or in QEMU), write/print outputs. */
export async function runCommand(a: RunArgs): Promise<number> {
  const model = compileForCli(a.model, { ...a, name: defaultPrefix(a.model) }, { memory: { alignment: defaultAlignment(a.target), ...(a.kernels ? { kernels: a.kernels, target: a.target } : {}) } });
  const graph = model.graph;
  const values = toModelInputs(graph, a.input.map(readNpy), a.input);
  const packed = packInputs(graph, values, a.input);
  const dir = await mkdtemp(join(tmpdir(), 'harc-run-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    progress(`building for ${a.target} (-${a.opt})`);
    const { elf } = await buildFirmware({ target: a.target, board: a.board, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), optLevel: a.opt });
    progress(`running ${packed.n} inference${packed.n === 1 ? '' : 's'}${a.target === 'host' ? '' : ' in QEMU'}`);
    const run = await runFirmware({ target: a.target, board: a.board, elf, input: packed.bytes, inputBytes: model.inputBytes, outputBytes: model.outputBytes, timeoutMs: 300_000 });
    const outs = unpackOutputs(model.graph, run.output, packed.n, packed.batched);
    if (a.output && a.output.length > 0) {
      for (let i = 0; i < Math.min(a.output.length, outs.length); i++) await writeFile(a.output[i]!, encodeNpy(outs[i]!));
      console.log(`wrote ${a.output.slice(0, outs.length).join(', ')} (${packed.n} inference${packed.n === 1 ? '' : 's'} on ${a.target})`);
    } else {
      outs.forEach((raw, i) => {
        const o = dequantizeValue(model.graph, model.graph.outputs[i]!, raw);
        const rows = packed.n;
        const per = o.data.length / rows;
        console.log(`${model.graph.outputs[i]} [${o.shape.join(', ')}]${o !== raw ? ` (${raw.dtype}, dequantized)` : ''}:`);
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
