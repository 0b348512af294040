// @module-tag c
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware } from '../../src/targets/index.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { repo, tmp } from '../helpers.ts';
import { zooC } from './helpers.ts';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

// The generated C under AddressSanitizer and UndefinedBehaviorSanitizer on the host, any report fatal:
// real windows and extreme ones (zeros, ±1e30, NaN, ±Inf, denormals, alternating huge values) for
// float models, the int8 range's ends and ramps for int8 models; CNN and recurrent zoo models. A
// deliberately broken model first shows that the sanitizers do report in this environment.

const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];
const CASES = [
  { name: 'har-cnn', precision: 'float' },
  { name: 'har-cnn', precision: 'int8' },
  { name: 'seq-gru', precision: 'float' },
  { name: 'microbi-convlstm', precision: 'int8' },
] as const;

const work = tmp('harc-sanitize-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** N windows of the model input as packed float32 bytes: real ones, then the extremes. */
function windows(floatsPerWindow: number): Uint8Array {
  const real = readNpy(join(repo, 'zoo', 'data', 'test_X.npy')).data as Float32Array;
  const rows: Float32Array[] = [real.slice(0, floatsPerWindow), real.slice(floatsPerWindow * 100, floatsPerWindow * 101)];
  const fill = (f: (i: number) => number) => Float32Array.from({ length: floatsPerWindow }, (_, i) => f(i));
  rows.push(fill(() => 0), fill(() => 1e30), fill(() => -1e30), fill(() => NaN), fill(() => Infinity), fill(() => -Infinity));
  rows.push(fill(() => 1e-42), fill((i) => (i % 2 ? 3e38 : -3e38)), fill((i) => (i % 7 === 0 ? NaN : i % 3 ? 1e6 : -1e6)));
  const all = new Float32Array(rows.length * floatsPerWindow);
  rows.forEach((r, k) => all.set(r, k * floatsPerWindow));
  return new Uint8Array(all.buffer);
}

describe('generated C under ASan + UBSan (host)', () => {
  beforeAll(() => {
    process.env['ASAN_OPTIONS'] = 'detect_leaks=0:abort_on_error=0:halt_on_error=1';
    process.env['UBSAN_OPTIONS'] = 'halt_on_error=1:print_stacktrace=1';
  });

  it('the sanitizers are live: an out-of-bounds write fails the run', async () => {
    const dir = join(work, 'broken');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'model.h'), '#define HARC_MODEL_INPUT_BYTES 4\n#define HARC_MODEL_OUTPUT_BYTES 4\nint broken_invoke(const void *in, void *out);\n#define HARC_MODEL_INVOKE(in, out) broken_invoke((in), (out))\n');
    writeFileSync(join(dir, 'src', 'model.c'), '#include <string.h>\n#include "model.h"\nstatic int cells[4];\nint broken_invoke(const void *in, void *out)\n{\n    int i;\n    memcpy(&i, in, sizeof i);\n    cells[i] = 1;\n    memcpy(out, &cells[0], 4);\n    return 0;\n}\n');
    const { elf } = await buildFirmware({ target: 'host', modelDir: join(dir, 'src'), outDir: join(dir, 'build'), optLevel: 'O1', extraCflags: SANITIZE });
    const index = (i: number) => new Uint8Array(Int32Array.of(i).buffer);
    await expect(runFirmware({ target: 'host', elf, input: index(3), inputBytes: 4, outputBytes: 4 })).resolves.toBeDefined();
    await expect(runFirmware({ target: 'host', elf, input: index(4), inputBytes: 4, outputBytes: 4 })).rejects.toThrow(/AddressSanitizer|runtime error/);
  });

  for (const c of CASES) {
    it(`${c.name} ${c.precision}: real and extreme inputs run clean`, async () => {
      const model = zooC(c.name, c.precision);
      const dir = join(work, `${c.name}-${c.precision}`);
      await writeModelDir(model, join(dir, 'src'));
      const { elf } = await buildFirmware({ target: 'host', modelDir: join(dir, 'src'), outDir: join(dir, 'build'), optLevel: 'O1', extraCflags: SANITIZE });
      const floatsPerWindow = c.precision === 'float' ? model.inputBytes / 4 : model.inputBytes;
      const input = c.precision === 'float' ? windows(floatsPerWindow) : int8Windows(floatsPerWindow);
      const r = await runFirmware({ target: 'host', elf, input, inputBytes: model.inputBytes, outputBytes: model.outputBytes, timeoutMs: 120_000 });
      expect(r.inferences).toBe(input.length / model.inputBytes);
    });
  }
});

/** int8 models take int8 inputs: every byte pattern's extremes (-128, 127, 0) and a ramp. */
function int8Windows(bytesPerWindow: number): Uint8Array {
  const rows = [() => 0x80, () => 0x7f, () => 0, (i: number) => i & 0xff, (i: number) => (i % 2 ? 0x80 : 0x7f)];
  const out = new Uint8Array(rows.length * bytesPerWindow);
  rows.forEach((f, k) => {
    for (let i = 0; i < bytesPerWindow; i++) out[k * bytesPerWindow + i] = f(i);
  });
  return out;
}
