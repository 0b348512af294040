import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { STAGES } from '../../src/backends/pipeline.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { readNpy } from '../../src/ir/npy.ts';
import type { Graph } from '../../src/ir/types.ts';
import { repo } from '../helpers.ts';

/** Freezes a graph's structure (typed-array contents cannot be frozen; nothing writes them). */
function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !ArrayBuffer.isView(x) && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const int8 = { precision: 'int8' as const, calib, calibSamples: 8 };

describe('one visible pipeline', () => {
  it('lists every stage from import to files, in order', () => {
    expect(STAGES.map((s) => s.name)).toEqual(['import', 'float passes', 'calibrate', 'quantize', 'float-only passes', 'materialize outputs', 'schedule', 'plan arena', 'lower + render', 'write files']);
  });

  it('reports each stage once, in order, with what it changed', () => {
    const seen: [string, string][] = [];
    compileGraph(loadModel(join(repo, 'zoo', 'models', 'har-cnn.onnx')), { precision: int8, onStage: (s, what) => seen.push([s, what]) });
    expect(seen.map(([s]) => s)).toEqual(STAGES.map((s) => s.name));
    expect(Object.fromEntries(seen)['quantize']).toMatch(/^7 of 7 nodes integer/);
    expect(Object.fromEntries(seen)['plan arena']).toMatch(/^\d+ B \(lower bound \d+ B\)/);
  });

  for (const model of ['zoo/models/har-cnn.onnx', 'zoo/models/microbi-convlstm.onnx', 'test/fixtures/onnx/concat_branches.onnx']) {
    it(`never changes the graph it is given (${model}, float and int8)`, () => {
      const fresh = (): Graph => loadModel(join(repo, model));
      for (const precision of model.startsWith('zoo') ? [undefined, int8] : [undefined]) {
        // a frozen graph: any stage writing into it throws (ES modules are strict)
        const frozen = compileGraph(deepFreeze(fresh()), { precision });
        expect(frozen.files).toEqual(compileGraph(fresh(), { precision }).files);
      }
    });
  }
});
