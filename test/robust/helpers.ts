/** Zoo models compiled in memory (float, and int8 on a few calibration windows) for the C robustness tests. */
import { join } from 'node:path';
import { compileGraph } from '../../src/backends/compile.ts';
import type { EmittedModel } from '../../src/backends/c/emit-model.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { repo } from '../helpers.ts';

export const ZOO = ['har-cnn', 'microbi-convlstm', 'mobilenet-1d', 'deepconvlstm', 'seq-gru', 'seq-lstm', 'seq-rnn'] as const;
export const zooModel = (name: string): string => join(repo, 'zoo', 'models', `${name}.onnx`);

/** The model's C; int8 is calibrated on `calibSamples` evenly spaced windows of zoo/data/calib_X.npy
 * (few, to keep the tests cheap: these tests are about the C, not about accuracy). */
export function zooC(name: string, precision: 'float' | 'int8', calibSamples = 8): EmittedModel {
  const graph = loadModel(zooModel(name));
  const prefix = `${name.replaceAll('-', '_')}${precision === 'int8' ? '_q' : ''}`;
  if (precision === 'float') return compileGraph(graph, { prefix });
  const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
  return compileGraph(graph, { prefix, precision: { precision: 'int8', calib, calibSamples } });
}
