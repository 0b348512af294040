import { compileGraph } from '../../backends/compile.ts';
import { argmaxRows, classificationMetrics, runModelBatch, type ClassificationMetrics } from '../../eval/evaluate.ts';
import type { TargetName } from '../../targets/index.ts';
import { inputError } from '../../ir/errors.ts';
import { readNpy } from '../../ir/npy.ts';
import { table } from '../format.ts';
import { defaultPrefix, loadForCli, type LoadArgs } from '../model-input.ts';
import { printable } from '../notice.ts';
import { effectivePrecision, precisionOptions, type PrecisionArgs } from '../precision.ts';
import type { PrecisionOptions } from '../../backends/precision.ts';
import { checkLabels } from '../validate.ts';
import { cliProgress } from '../progress.ts';

import { weightBitsLabel, weightBitsSpecOf } from '../weight-bits.ts';

export interface EvalArgs extends PrecisionArgs, LoadArgs {
  model: string;
  data: string;
  labels: string;
  target?: TargetName;
  json?: boolean;
}

const say = (msg: string): void => void process.stderr.write(`harc: ${msg}\n`);

/** `harc eval`: the float C and, for int8, the int8 C too (exactly what goes to the device), built
 * for the target and run over a labelled set in one process each; accuracy, macro-F1, confusion. */
export async function evalCommand(a: EvalArgs): Promise<number> {
  const target = a.target ?? 'host';
  const graph = loadForCli(a.model, a);
  const x = readNpy(a.data);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw inputError(`--data ${a.data}: inputs must be float32 (got ${x.dtype})`);
  // every check on the data before the first (slow) build
  const labels = checkLabels(graph, x, a.data, readNpy(a.labels), a.labels);
  const int8 = effectivePrecision(a) === 'int8';
  const int8Options = int8 ? precisionOptions({ ...a, weightBits: undefined, bits: undefined }, graph) : undefined;
  if (!int8) say('evaluating float only (give --calib X.npy to compare with int8)');
  const results: Record<string, ClassificationMetrics> = {};
  // columns: float, int8, and the chosen weight bits (int8 activations) when --weight-bits / --bits is given
  const spec = weightBitsSpecOf(a);
  if (spec && !int8) throw inputError('--weight-bits / --bits choose integer weights: add --calib X.npy');
  const runs: { label: string; options: PrecisionOptions }[] = [
    { label: 'float', options: { precision: 'float' } },
    ...(int8Options ? [{ label: 'int8', options: int8Options }] : []),
    ...(spec ? [{ label: `int8 ${weightBitsLabel(spec)}`, options: precisionOptions(a, graph) }] : []),
  ];
  for (const { label: precision, options } of runs) {
    say(`${precision}: compiling${options.precision === 'int8' ? ' (calibrating + quantizing)' : ''}`);
    const model = compileGraph(graph, { prefix: defaultPrefix(a.model), source: a.model, precision: options });
    const step = (m: string): void => (say(`${precision}: ${m}`), cliProgress.start(`${precision}: ${m}`));
    const { outputs, rowLength, n } = await runModelBatch(model, x, { target, onProgress: step });
    cliProgress.end();
    results[precision] = classificationMetrics(argmaxRows(outputs, rowLength), labels, rowLength);
    say(`${precision}: done (${n} windows)`);
  }
  if (a.json) {
    const strip = (m: ClassificationMetrics) => ({ accuracy: m.accuracy, macroF1: m.macroF1, confusion: m.confusion });
    console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, strip(v)])), null, 2));
    return 0;
  }
  const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
  const cols = Object.keys(results);
  console.log(`${printable(a.model)} on ${printable(a.data)} (${labels.length} windows, ${target}):`);
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
