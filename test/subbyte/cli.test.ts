// The sub-byte CLI surface (issue 12): --weight-bits / --bits on inspect (bits and stored weight
// bytes per layer), a bits file, and one-line usage errors with exit code 2. No C is built.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harc, tmp } from '../helpers.ts';

const HAR = 'zoo/models/har-cnn.onnx';
const INT8 = ['--precision', 'int8', '--calib', 'zoo/data/calib_X.npy', '--calib-samples', '4'];

interface Layer { name: string; op: string; params: number; weightBits?: number; weightBytes: number }
const layersOf = (stdout: string): Layer[] => (JSON.parse(stdout) as { layers: Layer[] }).layers;

describe('sub-byte CLI', () => {
  const dir = tmp('harc-subbyte-cli-');

  it('inspect --weight-bits 4: every weighted layer at 4 bits, weights stored packed', async () => {
    const r = await harc(['inspect', HAR, ...INT8, '--weight-bits', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const weighted = layersOf(r.stdout).filter((l) => l.weightBits !== undefined);
    expect(weighted.map((l) => l.weightBits)).toEqual([4, 4, 4, 4]);
    const int8 = layersOf((await harc(['inspect', HAR, ...INT8, '--json'])).stdout).filter((l) => l.weightBits !== undefined);
    expect(int8.map((l) => l.weightBits)).toEqual([8, 8, 8, 8]);
    // bias int32 either way; the weights half the bytes (rounded up)
    weighted.forEach((l, i) => expect(l.weightBytes).toBeLessThan(int8[i]!.weightBytes));
  }, 120_000);

  it('--bits FILE.json and NAME=BITS lists choose per layer (last match wins)', async () => {
    const file = join(dir, 'bits.json');
    writeFileSync(file, JSON.stringify({ '*Conv': 2, '/features/features.2/*': 4 }));
    const r = await harc(['inspect', HAR, ...INT8, '--bits', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(layersOf(r.stdout).flatMap((l) => (l.weightBits === undefined ? [] : [l.weightBits]))).toEqual([2, 4, 2, 8]);
    const r2 = await harc(['inspect', HAR, ...INT8, '--weight-bits', '4', '--bits', '/fc/Gemm=8', '--json']);
    expect(layersOf(r2.stdout).flatMap((l) => (l.weightBits === undefined ? [] : [l.weightBits]))).toEqual([4, 4, 4, 8]);
  }, 120_000);

  it('bad bits are one-line usage errors (exit 2)', async () => {
    for (const [args, msg] of [
      [['--weight-bits', '3'], /^harc: error: --weight-bits 3: expected 8, 4 or 2$/],
      [['--bits', 'conv*=4'], /^harc: error: --bits: 'conv\*' matches no weighted layer \(layers: .*see harc inspect --json\)$/],
      [['--bits', 'fc'], /^harc: error: --bits: 'fc' is not NAME=BITS/],
      [['--bits', join(dir, 'missing.json')], /^harc: error: --bits .*missing\.json: no such file$/],
    ] as const) {
      const r = await harc(['inspect', HAR, ...INT8, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const f = await harc(['inspect', HAR, '--weight-bits', '4']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/--weight-bits \/ --bits choose integer weights: add --calib X.npy/);
  }, 120_000);
});
