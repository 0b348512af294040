import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { memoryArgs } from '../../src/cli/memory-options.ts';
import { loadForCli } from '../../src/cli/model-input.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { compileCandidate, prepareSweep, sweptLayers } from '../../src/sweep/prepare.ts';
import { repo } from '../helpers.ts';

// A sweep calibrates once and reuses the table and channel means for every candidate; what it
// builds must still be exactly what `harc compile --bits` writes for the same bits.

describe('a candidate’s C', () => {
  it('is byte-identical to compile --bits with the same per-layer bits', () => {
    const file = join(repo, 'zoo', 'models', 'har-cnn.onnx');
    const all = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
    const per = all.data.length / all.shape[0]!;
    const calib = { ...all, shape: [16, ...all.shape.slice(1)], data: (all.data as Float32Array).slice(0, 16 * per) };
    const graph = loadForCli(file);
    process.env['HARC_CALIB_CACHE'] = '0';
    const base = prepareSweep(graph, calib);
    const layers = sweptLayers(base.weighted, ['*Conv']);
    expect(layers).toHaveLength(3);
    const memory = memoryArgs({}, 'cortex-m4');
    for (const bits of [
      { [layers[0]!]: 8, [layers[1]!]: 4, [layers[2]!]: 2 },
      { [layers[0]!]: 8, [layers[1]!]: 8, [layers[2]!]: 8 },
    ] as const) {
      const swept = compileCandidate(base, bits as Record<string, 8 | 4 | 2>, { prefix: 'har_cnn', source: file, memory });
      const rules = Object.entries(bits).map(([pattern, b]) => ({ pattern, bits: b as 8 | 4 | 2 }));
      const compiled = compileGraph(graph, { prefix: 'har_cnn', source: file, memory, precision: { precision: 'int8', calib, calibMethod: 'minmax', weightBits: { rules } } });
      expect(Object.keys(swept.files).sort()).toEqual(Object.keys(compiled.files).sort());
      for (const f of Object.keys(compiled.files)) expect(swept.files[f], f).toBe(compiled.files[f]);
    }
  }, 300_000);
});
