import { compileGraph, type CompileOptions } from '../backends/compile.ts';
import type { EmittedModel } from '../backends/c/emit-model.ts';
import { isPreQuantized, type Precision, type PrecisionOptions } from '../backends/precision.ts';
import { inputError } from '../ir/errors.ts';
import { readNpy } from '../ir/npy.ts';
import type { Graph } from '../ir/types.ts';
import type { CalibMethod } from '../planning/calibrate.ts';
import { progress } from './format.ts';
import { defaultPrefix, loadForCli, type LoadArgs } from './model-input.ts';
import { notice } from './notice.ts';
import { checkArenaSize, checkCalibShape } from './validate.ts';
import { cliProgress } from './progress.ts';
import { weightBitsSpecOf, type WeightBitsArgs } from './weight-bits.ts';

/** The precision options every command shares. */
export interface PrecisionArgs extends WeightBitsArgs {
  precision?: Precision;
  calib?: string;
  calibMethod?: CalibMethod;
  calibSamples?: number;
}

/** The precision asked for: explicit, else int8 when calibration data is given, else float. */
export const effectivePrecision = (a: PrecisionArgs): Precision => a.precision ?? (a.calib ? 'int8' : 'float');

/** Reads the calibration file (checked against the model's input) and turns the flags into PrecisionOptions. */
export function precisionOptions(a: PrecisionArgs, graph: Graph): PrecisionOptions {
  const precision = effectivePrecision(a);
  const weightBits = weightBitsSpecOf(a);
  if (precision === 'float') {
    if (weightBits) throw inputError('--weight-bits / --bits choose integer weights: add --calib X.npy (int8)');
    if (a.calib) notice(`--calib ${a.calib} is ignored: --precision float needs no calibration`);
    return { precision };
  }
  if (!a.calib) throw inputError('--precision int8 needs calibration data: give --calib X.npy (float32 [N, ...input shape], e.g. zoo/data/calib_X.npy)');
  const calib = readNpy(a.calib);
  if (calib.dtype !== 'float32' && calib.dtype !== 'float64') throw inputError(`${a.calib}: calibration data must be float32 (got ${calib.dtype})`);
  checkCalibShape(graph, calib, a.calib);
  return {
    precision,
    calib,
    calibMethod: a.calibMethod ?? 'minmax',
    calibSamples: a.calibSamples,
    ...(weightBits ? { weightBits } : {}),
    onProgress: (done, total) => cliProgress.step(`calibrating (${a.calibMethod ?? 'minmax'})`, done, total, 'samples'),
  };
}

/** Load + check + optimize + (calibrate + quantize) + emit C: what every command compiles. */
export function compileForCli(model: string, a: PrecisionArgs & LoadArgs & { name?: string }, opts: Omit<CompileOptions, 'precision'> = {}): EmittedModel {
  const graph = loadForCli(model, a);
  // a pre-quantized model (.tflite) carries its own quantization: nothing to calibrate
  const preQuantized = isPreQuantized(graph);
  if (preQuantized && (a.precision === 'int8' || a.calib)) notice(`${model} is already quantized; --precision / --calib are ignored`);
  const precision = preQuantized ? undefined : precisionOptions(a, graph);
  const emitted = compileGraph(graph, { prefix: a.name ?? defaultPrefix(model), source: model, ...opts, precision });
  checkArenaSize(emitted.plan.bytes, model);
  return emitted;
}
