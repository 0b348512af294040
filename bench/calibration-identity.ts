// The fast calibration against the reference one on the full zoo calibration set: for every zoo
// model and calibration method, the table and the generated int8 C of both engines, compared byte
// for byte, and the time of each. Slow (the reference takes minutes). Run:
//   node --import tsx bench/calibration-identity.ts [model-name ...]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { emitModel } from '../src/backends/c/emit-model.ts';
import { table } from '../src/cli/format.ts';
import { loadModel } from '../src/frontends/load.ts';
import { readNpy } from '../src/ir/npy.ts';
import { CALIB_METHODS, calibrate, splitSamples, type CalibrationTable } from '../src/planning/calibrate.ts';
import { optimize } from '../src/passes/pipeline.ts';
import { quantizeGraph } from '../src/passes/quantize.ts';

const repo = join(import.meta.dirname, '..');
const only = process.argv.slice(2);
const models = readdirSync(join(repo, 'zoo', 'models'))
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => f.replace(/\.onnx$/, ''))
  .filter((m) => only.length === 0 || only.includes(m));
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const exact = (t: CalibrationTable): string => JSON.stringify(t, (_k, v) => (typeof v === 'number' ? Buffer.from(new Float64Array([v]).buffer).toString('hex') : v));

const rows: string[][] = [];
for (const model of models) {
  const g = optimize(loadModel(join(repo, 'zoo', 'models', `${model}.onnx`)));
  const samples = splitSamples(g, calib);
  for (const method of CALIB_METHODS) {
    const result = (engine: 'fast' | 'reference') => {
      const t0 = performance.now();
      const t = calibrate(g, samples, { method, engine });
      const ms = performance.now() - t0;
      const files = emitModel(quantizeGraph(g, t, { bits: 8 }), { prefix: 'm' }).files;
      return { table: exact(t), c: JSON.stringify(files), ms };
    };
    const fast = result('fast');
    const ref = result('reference');
    rows.push([model, method, String(samples.length), ref.ms.toFixed(0), fast.ms.toFixed(0), (ref.ms / fast.ms).toFixed(1), fast.table === ref.table ? 'identical' : 'DIFFERENT', fast.c === ref.c ? 'identical' : 'DIFFERENT']);
    console.log(rows.at(-1)!.join('\t'));
  }
}
console.log(table(['model', 'method', 'samples', 'reference ms', 'fast ms', 'speed-up', 'table', 'int8 C'], rows));
if (rows.some((r) => r.includes('DIFFERENT'))) process.exitCode = 1;
