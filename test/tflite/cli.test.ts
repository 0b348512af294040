// @module-tag c
// The CLI on .tflite files: malformed files exit 2 with one line (no stack, no output written);
// compile / inspect on a pre-quantized model; `harc run` resets a stateful model per inference and
// keeps its state with --stream (against TFLM's outputs.npy / outputs_stream.npy when ../shared is
// present).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harc, tmp } from '../helpers.ts';
import { tinyFcModel } from './build-model.ts';
import { ORACLE, SHARED } from './oracle.ts';

describe('harc CLI on .tflite', () => {
  const dir = tmp('harc-tflite-cli-');
  const good = join(dir, 'tiny.tflite');
  writeFileSync(good, tinyFcModel());

  it('compiles and inspects a pre-quantized model without --calib', async () => {
    const r = await harc(['inspect', good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Gemm int8/);
    const c = await harc(['compile', good, '-o', join(dir, 'out')]);
    expect(c.code).toBe(0);
    expect(readFileSync(join(dir, 'out', 'model.h'), 'utf8')).toMatch(/int tiny_run\(const int8_t \*in0_x, int8_t \*out0_y\);/);
  });

  for (const [what, bytes] of [
    ['truncated', tinyFcModel().slice(0, 100)],
    ['wrong identifier', tinyFcModel({ identifier: 'XXXX' })],
    ['buffer index out of range', tinyFcModel({ weightBuffer: 7 })],
  ] as const) {
    it(`a ${what} file exits 2 with one line and writes nothing`, async () => {
      const f = join(dir, `bad-${what.replace(/ /g, '-')}.tflite`);
      writeFileSync(f, bytes);
      const r = await harc(['compile', f, '-o', join(dir, `bad-${what.length}`)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^harc: error: .*bad-.*\.tflite: malformed \.tflite file: /);
      expect(existsSync(join(dir, `bad-${what.length}`))).toBe(false);
    });
  }

  it.skipIf(!existsSync(ORACLE))('run resets a stateful model per inference; --stream keeps the state (trained_lstm_int8 vs TFLM)', async () => {
    const model = join(SHARED, 'tflite-micro/trained_lstm_int8.tflite');
    const ref = join(ORACLE, 'trained_lstm_int8');
    const npyBody = (f: string): Buffer => {
      const b = readFileSync(f);
      return b.subarray(10 + b.readUInt16LE(8));
    };
    const y = join(dir, 'y.npy');
    const ys = join(dir, 'ys.npy');
    expect((await harc(['run', model, '-i', join(ref, 'inputs.npy'), '-o', y])).code).toBe(0);
    expect((await harc(['run', model, '-i', join(ref, 'inputs.npy'), '-o', ys, '--stream'])).code).toBe(0);
    expect(npyBody(y).equals(npyBody(join(ref, 'outputs.npy')))).toBe(true);
    expect(npyBody(ys).equals(npyBody(join(ref, 'outputs_stream.npy')))).toBe(true);
    expect(npyBody(y).equals(npyBody(ys))).toBe(false);
  }, 120_000);
});
