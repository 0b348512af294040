import { extname } from 'node:path';
import { inputError } from '../ir/errors.ts';
import '../ir/ops/index.ts';
import { loadGraphJson } from '../ir/serialize.ts';
import type { Graph } from '../ir/types.ts';
import { importOnnx, type Notice } from './onnx.ts';
import { importTflite } from './tflite/import.ts';

/** Loads a model by its extension: `.onnx`, `.tflite` or harc's `.json`; `notice` hears what was assumed. */
export function loadModel(path: string, notice?: Notice): Graph {
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return importOnnx(path, notice);
  if (ext === '.json') return loadGraphJson(path);
  if (ext === '.tflite') return importTflite(path);
  throw inputError(`${path}: unknown model format '${ext || '(none)'}'; give an .onnx or .tflite file or a harc .json graph`);
}
