import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/backends/compile.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { numel } from '../../src/ir/shape.ts';
import { rand } from '../graph-builder.ts';

// The HAPT-trained sequence models (zoo/train_hapt.py, docs/seeds.md): their manifest entries, that
// harc imports and quantizes the committed ONNX, and the windowing of the raw recordings
// (zoo/hapt_windows.py) on a tiny synthetic recording.

const repo = join(import.meta.dirname, '..', '..');
interface Entry {
  name: string;
  file: string;
  dataset?: string;
  params: number;
  inputShape: number[];
  outputShape: number[];
  classes: string[];
  epochs: number;
  seed: number;
  trainSeconds: number;
  trainCommand: string;
  floatTestAccuracy: number;
  floatTestMacroF1: number;
}
const manifest = (JSON.parse(readFileSync(join(repo, 'zoo', 'manifest.json'), 'utf8')) as { models: Entry[] }).models;
const hapt = manifest.filter((m) => m.dataset === 'hapt');
const NAMES = ['seq-rnn-hapt', 'seq-lstm-hapt', 'seq-gru-hapt'];
const WEIGHTED = new Set(['RNN', 'LSTM', 'GRU', 'Gemm']);

describe('HAPT-trained zoo models', () => {
  it('the manifest has the three models of the sequence-model study, with their training record', () => {
    expect(hapt.map((m) => m.name).sort()).toEqual([...NAMES].sort());
    for (const m of hapt) {
      expect(m.inputShape, m.name).toEqual([1, 50, 6]);
      expect(m.outputShape, m.name).toEqual([1, 12]);
      expect(m.classes, m.name).toHaveLength(12);
      expect(m.trainCommand, m.name).toContain(`zoo/train_hapt.py --model ${m.name}`);
      expect(m.epochs, m.name).toBeGreaterThan(0);
      expect(m.trainSeconds, m.name).toBeGreaterThan(0);
      // 12 classes: chance is ~1/12; a trained model is far above it
      expect(m.floatTestAccuracy, m.name).toBeGreaterThan(0.5);
      expect(m.floatTestMacroF1, m.name).toBeLessThanOrEqual(1);
    }
  });

  it.each(NAMES)('%s: harc imports it ([1, 50, 6] → [1, 12], the manifest parameter count) and quantizes it to int8', (name) => {
    const m = hapt.find((e) => e.name === name)!;
    const g = inferShapes(loadModel(join(repo, 'zoo', m.file)));
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([1, 50, 6]);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([1, 12]);
    const weights = new Set(g.nodes.filter((n) => WEIGHTED.has(n.op)).flatMap((n) => n.inputs.slice(1, n.op === 'Gemm' ? 3 : 4)));
    const params = [...weights].filter((t) => t !== '').reduce((s, t) => s + numel(g.tensors[t]!.shape), 0);
    expect(params).toBe(m.params);
    const calib = { shape: [4, 50, 6], dtype: 'float32' as const, data: Float32Array.from(rand(4 * 50 * 6, 11)) };
    const q = compileGraph(g, { prefix: name.replace(/\W/g, '_'), precision: { precision: 'int8', calib } });
    expect(q.files['model.c']).toContain(`${name.replace(/\W/g, '_')}_run`);
  });
});

// numpy only (no torch); skipped where /usr/bin/python3 has no numpy
const python = ((): boolean => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!python)('HAPT windowing (zoo/hapt_windows.py)', () => {
  const run = (code: string): unknown => JSON.parse(execFileSync('/usr/bin/python3', ['-c', `import sys, json; sys.path.insert(0, 'zoo'); import numpy as np; import hapt_windows as hw\n${code}`], { cwd: repo, encoding: 'utf8' }));

  it('window ends: every stride-th from the first full window, unlabelled ends dropped, dense ends inside chosen labels', () => {
    // 12 samples, windows of 4: ends 3, 6, 9 at stride 3; sample 6 is unlabelled
    const ends = run(`L = np.array([1,1,1,1,1,1,0,7,7,7,2,2], dtype=np.uint8)
print(json.dumps([hw.window_ends(L, 4, 3).tolist(), hw.window_ends(L, 4, 3, (7,), 1).tolist()]))`);
    expect(ends).toEqual([
      [3, 9],
      [3, 7, 8, 9],
    ]);
  });

  it('a window is the samples up to its end, labelled by its last sample, never across recordings; splits by subject', () => {
    // two recordings of 6 samples: subject 2 (test) then subject 1 (train); sample value = global index
    const out = run(`x = np.repeat(np.arange(12, dtype=np.float32)[:, None], 6, axis=1)
L = np.array([1,1,2,2,3,3, 4,4,0,5,5,6], dtype=np.uint8)
recs = [(1, 2, 0, 6), (2, 1, 6, 6)]
X, y, s = hw.make_split(x, L, recs, 'test', length=3)
print(json.dumps([X[:, :, 0].tolist(), y.tolist(), s.tolist(), [hw.split_of(u) for u in (2, 7, 1)]]))`) as [number[][], number[], number[], string[]];
    // test stride 25 from end 2: one window per 6-sample recording, only the test subject's
    expect(out[0]).toEqual([[0, 1, 2]]);
    expect(out[1]).toEqual([1]); // label of sample 2 (id 2) minus 1
    expect(out[2]).toEqual([2]);
    expect(out[3]).toEqual(['test', 'val', 'train']);
  });
});
