// Sub-byte and mixed-precision weights (issue 12): macro-F1, stored weight bytes, flash and
// cycles for float / int8 / int4 / mixed / int2 on har-cnn and microbi-convlstm.
//   mixed: first and last weighted layer 8 bits, the others 4;  int2: first and last 8, others 2.
// F1 on the UCI-HAR test split (bench/data.ts: the full split from ../shared when present; or
// give its directory: node --import tsx bench/subbyte.ts /path/to/uci-har), host build of the
// generated C; flash and cycles from the QEMU builds (harc measure). Calibration: zoo/data/calib_X.npy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGraph } from '../src/backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch } from '../src/eval/evaluate.ts';
import { measureModel } from '../src/targets/measure.ts';
import type { PrecisionOptions } from '../src/backends/precision.ts';
import { table } from '../src/cli/format.ts';
import { defaultPrefix, loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';
import { numel } from '../src/ir/shape.ts';
import type { Graph } from '../src/ir/types.ts';
import { optimize } from '../src/passes/pipeline.ts';
import { isWeightedNode, type WeightBitsSpec } from '../src/passes/weight-bits.ts';
import { packedBytes } from '../src/ir/quant/subbyte.ts';
import { bytesPerElement } from '../src/ir/dtype.ts';
import { repo, testSplit, type HarSplit } from './data.ts';

function split(): HarSplit {
  const dir = process.argv[2];
  if (!dir || !existsSync(join(dir, 'X_test.f32'))) return testSplit();
  const data = new Float32Array(new Uint8Array(readFileSync(join(dir, 'X_test.f32'))).buffer);
  const y = new Uint8Array(readFileSync(join(dir, 'y_test.u8')));
  return { name: `UCI-HAR test, full (${y.length} windows, ${dir})`, x: { shape: [y.length, 128, 9], dtype: 'float32', data }, y };
}

/** First and last weighted layer at 8 bits, the rest at `bits`. */
function edgesAt8(float: Graph, bits: 4 | 2): WeightBitsSpec {
  const names = float.nodes.filter(isWeightedNode).map((n) => n.name);
  return { default: bits, rules: [names[0]!, names[names.length - 1]!].map((pattern) => ({ pattern, bits: 8 as const })) };
}

/** Bytes of every weighted layer's constants as stored (sub-byte packed, bias int32). */
const weightBytes = (g: Graph): number =>
  g.nodes.filter(isWeightedNode).reduce((s, n) => s + n.inputs.filter((i) => i && g.tensors[i]?.data).reduce((t, i) => t + packedBytes(numel(g.tensors[i]!.shape), g.tensors[i]!.quant?.bits ?? 8 * bytesPerElement(g.tensors[i]!.dtype)), 0), 0);

const data = split();
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const rows: (string | number)[][] = [];
for (const model of ['har-cnn', 'microbi-convlstm']) {
  const file = join(repo, 'zoo', 'models', `${model}.onnx`);
  const graph = loadForCli(file);
  const float = optimize(graph);
  const configs: [string, PrecisionOptions][] = [
    ['float', { precision: 'float' }],
    ['int8', { precision: 'int8', calib }],
    ['int4', { precision: 'int8', calib, weightBits: { default: 4 } }],
    ['mixed 8/4/8', { precision: 'int8', calib, weightBits: edgesAt8(float, 4) }],
    ['int2 (8/2/8)', { precision: 'int8', calib, weightBits: edgesAt8(float, 2) }],
  ];
  for (const [label, precision] of configs) {
    process.stderr.write(`${model} ${label}\n`);
    // one compile (the portable kernel set's model.c is target-independent) for the host run and both MCUs
    const m = compileGraph(graph, { prefix: defaultPrefix(file), precision, memory: { alignment: 4 } });
    const { outputs, rowLength } = await runModelBatch(m, data.x);
    const f1 = classificationMetrics(argmaxRows(outputs, rowLength), Int32Array.from(data.y), rowLength).macroF1;
    const cells: (string | number)[] = [model, label, `${(100 * f1).toFixed(2)}%`, weightBytes(m.graph)];
    for (const target of ['cortex-m4', 'riscv'] as const) {
      const r = await measureModel(m, { target });
      if (target === 'cortex-m4') cells.push(r.flash.total, r.sram.total);
      cells.push(r.cyclesEstimate);
    }
    rows.push(cells);
  }
}
console.log(`${data.name}; calibration zoo/data/calib_X.npy (256 windows)`);
console.log(table(['model', 'weights', 'macro-F1', 'weight B', 'M4 flash B', 'M4 SRAM B', 'M4 cycles', 'RV32 cycles'], rows));
