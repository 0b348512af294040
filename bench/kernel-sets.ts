// int8 instructions per inference (QEMU), flash and arena of each kernel set (--kernels) for two zoo
// models on both MCU targets, full calibration set. Run: node --import tsx bench/kernel-sets.ts
import { join } from 'node:path';
import { compileGraph } from '../src/backends/compile.ts';
import { kernelSetNames } from '../src/backends/c/kernels/index.ts';
import { measureModel } from '../src/targets/measure.ts';
import { table } from '../src/cli/format.ts';
import { defaultPrefix, loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';

const repo = join(import.meta.dirname, '..');
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const rows: (string | number)[][] = [];
for (const model of ['har-cnn', 'mobilenet-1d'])
  for (const target of ['cortex-m4', 'riscv'] as const)
    // cmsis-nn needs the user's library: bench/kernels.ts compares it with harc
    for (const kernels of kernelSetNames().filter((k) => k !== 'cmsis-nn')) {
      const file = join(repo, 'zoo', 'models', `${model}.onnx`);
      const m = compileGraph(loadForCli(file), { prefix: defaultPrefix(file), precision: { precision: 'int8', calib }, memory: { alignment: 4, kernels, target } });
      const r = await measureModel(m, { target });
      rows.push([model, target, kernels, r.instructions, r.flash.total, r.flash.weights, r.sram.arena, m.files['weights.c']!.length]);
    }
console.log(table(['model', 'target', 'kernels', 'instructions', 'flash B', 'weights B', 'arena B', 'weights.c chars'], rows));
