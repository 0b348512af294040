import { compileGraph } from '../../backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch, type ClassificationMetrics } from '../../backends/evaluate.ts';
import { inputError } from '../../ir/errors.ts';
import { readNpy } from '../../ir/npy.ts';
import type { CalibMethod } from '../../passes/calibrate.ts';
import { table } from '../format.ts';
import { defaultPrefix, loadForCli } from '../model-input.ts';
import { precisionOptions } from '../precision.ts';
import { weightBitsLabel, weightBitsSpecOf, type WeightBitsArgs } from '../weight-bits.ts';

export interface EvalArgs extends WeightBitsArgs {
  model: string;
  data: string;
  labels: string;
  calib?: string;
  calibMethod?: CalibMethod;
  calibSamples?: number;
  json?: boolean;
  const?: string[];
}

const say = (msg: string): void => void process.stderr.write(`harc: ${msg}\n`);

/** `harc eval`: the float and the int8 C (exactly what goes to the device), built for the host and
 * run over a labelled set in one process each; accuracy, macro-F1 and confusion matrices. */
export async function evalCommand(a: EvalArgs): Promise<number> {
  const graph = loadForCli(a.model, a.const);
  const x = readNpy(a.data);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw inputError(`${a.data}: inputs must be float32 (got ${x.dtype})`);
  const yv = readNpy(a.labels);
  if (!['uint8', 'int64', 'int32', 'int8', 'int16'].includes(yv.dtype)) throw inputError(`${a.labels}: labels must be integer class indices (got ${yv.dtype})`);
  const labels = Int32Array.from(yv.data as ArrayLike<number>);
  const results: Record<string, ClassificationMetrics> = {};
  const spec = weightBitsSpecOf(a);
  if (spec && !a.calib) throw inputError('--weight-bits / --bits choose integer weights: add --calib X.npy');
  // columns: float, int8, and the chosen weight bits (int8 activations) when --weight-bits / --bits is given
  const runs: { label: string; precision: 'float' | 'int8'; bits?: WeightBitsArgs }[] = [
    { label: 'float', precision: 'float' },
    ...(a.calib ? [{ label: 'int8', precision: 'int8' as const }] : []),
    ...(spec ? [{ label: `int8 ${weightBitsLabel(spec)}`, precision: 'int8' as const, bits: { weightBits: a.weightBits, bits: a.bits } }] : []),
  ];
  if (!a.calib) say('no --calib given: evaluating float only (int8 needs calibration data)');
  for (const { label: precision, precision: kind, bits } of runs) {
    say(`${precision}: compiling${kind === 'int8' ? ' (calibrating + quantizing)' : ''}`);
    const model = compileGraph(graph, { prefix: defaultPrefix(a.model), source: a.model, precision: precisionOptions({ precision: kind, calib: a.calib, calibMethod: a.calibMethod, calibSamples: a.calibSamples, ...bits }) });
    const { outputs, rowLength, n } = await runModelBatch(model, x, { onProgress: (m) => say(`${precision}: ${m}`) });
    if (n !== labels.length) throw inputError(`${a.data} holds ${n} inputs but ${a.labels} has ${labels.length} labels`);
    const classes = Math.max(rowLength, Math.max(...labels) + 1);
    const pred = argmaxRows(outputs, rowLength);
    if (labels.some((t) => t < 0 || t >= classes)) throw inputError(`${a.labels}: labels must lie in 0..${classes - 1}`);
    results[precision] = classificationMetrics(pred, labels, classes);
    say(`${precision}: done (${n} windows)`);
  }
  if (a.json) {
    const strip = (m: ClassificationMetrics) => ({ accuracy: m.accuracy, macroF1: m.macroF1, confusion: m.confusion });
    console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, strip(v)])), null, 2));
    return 0;
  }
  const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
  const cols = Object.keys(results);
  console.log(`${a.model} on ${a.data} (${labels.length} windows):`);
  console.log(table(['metric', ...cols], [['accuracy', ...cols.map((c) => pct(results[c]!.accuracy))], ['macro-F1', ...cols.map((c) => pct(results[c]!.macroF1))]]));
  const k = results['float']!.confusion.length;
  console.log('');
  console.log(`confusion matrices (rows: true class, columns: predicted)${cols.length > 1 ? ': ' + cols.join(' | ') : ''}`);
  const w = String(labels.length).length;
  for (let t = 0; t < k; t++) {
    const cells = cols.map((c) => results[c]!.confusion[t]!.map((v) => String(v).padStart(w)).join(' '));
    console.log(`  ${String(t).padStart(2)}: ${cells.join('   |   ')}`);
  }
  return 0;
}
