import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harc, tmp } from '../helpers.ts';

const MODEL = 'zoo/models/har-cnn-3exit.onnx';

describe('harc compile --exits', () => {
  it('writes the staged API next to the full-network one', async () => {
    const out = join(tmp('harc-exits-'), 'mx');
    const r = await harc(['compile', MODEL, '--exits', 'auto', '--name', 'mx', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stage 1: \d+ layers, 138384 MACs → exit 'exit1'/);
    const h = readFileSync(join(out, 'model.h'), 'utf8');
    expect(h).toContain('int mx_run_adaptive(const float *in0_input, float *out, const mx_policy *p);');
    expect(h).toMatch(/int mx_run\(const float \*in0_input, float \*out0_exit1, float \*out1_exit2, float \*out2_exit3\);/);
  }, 60_000);

  it('bad --exits / --policy: one line, exit code 2, nothing written', async () => {
    const out = join(tmp('harc-exits-'), 'mx');
    const r = await harc(['compile', MODEL, '--exits', 'exit1,exit9', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("harc: error: --exits: 'exit9' is not an output of the model (outputs: exit1, exit2, exit3)");
    expect(existsSync(out)).toBe(false);
    const p = await harc(['compile', 'zoo/models/har-cnn.onnx', '--exits', 'auto', '-o', out]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/needs at least 2 exits/);
  }, 60_000);
});
