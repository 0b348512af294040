import { basename, extname } from 'node:path';
import { loadModel } from '../frontends/load.ts';
import { hasQdq, stripQdq } from '../frontends/onnx-qdq.ts';
import { bindConstants } from '../ir/bind.ts';
import { inputError } from '../ir/errors.ts';
import { inferShapes } from '../ir/infer.ts';
import { quantizeWithGraphParams } from '../passes/quantize-qdq.ts';
import { readNpy } from '../ir/npy.ts';
import type { Graph, Value } from '../ir/types.ts';
import { notice } from './notice.ts';
import { checkFiniteWeights, checkTensorSizes } from './validate.ts';

/** How a command loads its model: `--const` bindings, and whether NaN/Inf weights are accepted. */
export interface LoadArgs {
  const?: readonly string[];
  allowNonfinite?: boolean;
}

/** Parses `--const NAME=FILE.npy` options into values. */
export function parseConsts(specs: readonly string[] | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const spec of specs ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw inputError(`--const '${spec}': expected NAME=FILE.npy`);
    out[spec.slice(0, eq)] = readNpy(spec.slice(eq + 1));
  }
  return out;
}

/** Loads a model, binds constants, resolves every shape and refuses what would make wrong C (so
 * errors surface before any output). */
export function loadForCli(path: string, a: LoadArgs = {}): Graph {
  const g = inferShapes(foldQdq(bindConstants(loadModel(path, notice), parseConsts(a.const))));
  checkTensorSizes(g);
  checkFiniteWeights(g, a.allowNonfinite ?? false);
  return g;
}

/** An ONNX QDQ model becomes harc's integer graph with its own parameters (a pre-quantized graph
 * from here on, like a .tflite import); any other graph is returned as it is. */
export function foldQdq(g: Graph): Graph {
  if (!hasQdq(g)) return g;
  const { graph, params } = stripQdq(g);
  return quantizeWithGraphParams(graph, params);
}

/** The C API prefix: the model file's name (graph names from exporters are often just 'torch_jit'). */
export const defaultPrefix = (path: string): string => basename(path, extname(path)).replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, 'm$1');
