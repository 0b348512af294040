import { bytesPerElement, isFloat } from '../ir/dtype.ts';
import { inputError } from '../ir/errors.ts';
import { numel } from '../ir/shape.ts';
import type { Graph, Value } from '../ir/types.ts';
import { printable } from './notice.ts';
import { batchOf } from './tensors.ts';

// Data that would compile to wrong or undefined C is refused here, before any build: the generated
// code indexes with `int`, and a NaN weight turns every output into NaN without a word.

/** The largest byte count the generated C can index with `int` (32 bits on every target). */
export const MAX_C_BYTES = 2 ** 31 - 1;

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Every tensor must fit in `int` bytes (and so in a 32-bit target's address space). */
export function checkTensorSizes(graph: Graph): void {
  let weights = 0;
  for (const t of Object.values(graph.tensors)) {
    const bytes = numel(t.shape) * bytesPerElement(t.dtype);
    if (t.data) weights += bytes;
    if (bytes > MAX_C_BYTES)
      throw inputError(
        `${graph.source ?? graph.name}: tensor '${printable(t.name)}' [${t.shape}] needs ${fmt(bytes)} bytes; the generated C indexes with int (at most ${fmt(MAX_C_BYTES)} bytes), so fix the model's shapes`,
      );
  }
  if (weights > MAX_C_BYTES) throw inputError(`${graph.source ?? graph.name}: the weights need ${fmt(weights)} bytes, more than a 32-bit target can address with int (${fmt(MAX_C_BYTES)})`);
}

/** The planned arena must fit in `int` bytes too (tensors that fit one by one can add up past it). */
export function checkArenaSize(bytes: number, where: string): void {
  if (bytes > MAX_C_BYTES) throw inputError(`${where}: the arena needs ${fmt(bytes)} bytes, more than the generated C can index with int (${fmt(MAX_C_BYTES)})`);
}

/** NaN or ±Inf in a constant is refused unless the user asks for it. */
export function checkFiniteWeights(graph: Graph, allow: boolean): void {
  if (allow) return;
  for (const t of Object.values(graph.tensors)) {
    if (!t.data || !isFloat(t.dtype)) continue;
    const data = t.data as ArrayLike<number>;
    let bad = 0;
    let first = -1;
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i]!)) {
        bad++;
        if (first < 0) first = i;
      }
    if (bad > 0)
      throw inputError(`${graph.source ?? graph.name}: tensor '${printable(t.name)}' holds ${bad} NaN/Inf value(s) (first at index ${first}); fix the model, or give --allow-nonfinite`);
  }
}

/** Calibration data must be windows of the model's (first) input: [N, ...shape], or the shape itself. */
export function checkCalibShape(graph: Graph, calib: Value, file: string): void {
  const shape = graph.tensors[graph.inputs[0]!]!.shape;
  batchOf(calib, shape, `--calib ${file}`);
}

/** Labels for `eval`: integer class indices, one per input window, each inside the model's classes.
 * Returns them as Int32Array. */
export function checkLabels(graph: Graph, x: Value, dataFile: string, labels: Value, labelsFile: string): Int32Array {
  const inShape = graph.tensors[graph.inputs[0]!]!.shape;
  const { n } = batchOf(x, inShape, `--data ${dataFile}`);
  if (!['uint8', 'int8', 'int16', 'int32', 'int64'].includes(labels.dtype)) throw inputError(`--labels ${labelsFile}: labels must be integer class indices (got ${labels.dtype})`);
  if (labels.shape.length > 2 || (labels.shape.length === 2 && labels.shape[1] !== 1))
    throw inputError(`--labels ${labelsFile}: shape [${labels.shape}]; expected [N] (one class index per window)`);
  const y = Int32Array.from(labels.data as ArrayLike<number>);
  if (y.length !== n) throw inputError(`--labels ${labelsFile} has ${y.length} labels but --data ${dataFile} holds ${n} inputs`);
  const outShape = graph.tensors[graph.outputs[0]!]!.shape;
  const classes = numel(outShape[0] === 1 ? outShape.slice(1) : outShape);
  const bad = y.findIndex((v) => v < 0 || v >= classes);
  if (bad >= 0) throw inputError(`--labels ${labelsFile}: label ${y[bad]} at index ${bad} is outside the model's ${classes} classes (0..${classes - 1})`);
  return y;
}
