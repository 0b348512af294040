// @module-tag qemu
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, harc, tmp } from '../helpers.ts';

// Bad input gets one clear line naming the problem and exit code 2; never a stack trace, never
// half-written output.

const tensor = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' });
const graphJson = (nodes: object[], tensors: object[], inputs = ['x'], outputs = ['y']) => ({ format: 'harc-graph', version: 1, name: 'g', inputs, outputs, tensors, nodes });

function writeJson(dir: string, name: string, obj: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

function expectCleanError(r: { code: number; stderr: string; stdout: string }, code: number, ...needles: string[]): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^harc: error: /);
  for (const n of needles) expect(r.stderr).toContain(n);
  expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
}

describe('bad input → exit 2 with a clear message', () => {
  const dir = tmp();

  it('truncated ONNX', async () => {
    const bytes = readFileSync(fixture('conv1d_bn_relu'));
    const p = join(dir, 'truncated.onnx');
    writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const out = join(dir, 'out-truncated');
    const r = await harc(['compile', p, '-o', out]);
    expectCleanError(r, 2, 'truncated.onnx', 'truncated or corrupt');
    expect(existsSync(out)).toBe(false);
  });

  it('JSON that fails the schema names the JSON path', async () => {
    const p = writeJson(dir, 'schema.json', graphJson([{ name: 'n', op: 'Relu', inputs: ['x'] }], [tensor('x', [1, 4])]));
    expectCleanError(await harc(['inspect', p]), 2, 'schema.json', '/nodes/0', 'outputs');
  });

  it('JSON that is not JSON', async () => {
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"format": "harc-graph", "version": 1, "na');
    expectCleanError(await harc(['inspect', p]), 2, 'broken.json', 'not valid JSON');
  });

  it('a graph with a cycle names the nodes on it', async () => {
    const nodes = [
      { name: 'a', op: 'Add', inputs: ['x', 'b_out'], outputs: ['a_out'] },
      { name: 'b', op: 'Relu', inputs: ['a_out'], outputs: ['b_out'] },
      { name: 'c', op: 'Relu', inputs: ['a_out'], outputs: ['y'] },
    ];
    const p = writeJson(dir, 'cycle.json', graphJson(nodes, [tensor('x', [1, 4])]));
    expectCleanError(await harc(['compile', p, '-o', join(dir, 'o')]), 2, 'cycle', "'a'", "'b'");
  });

  it('a shape mismatch names the node and both shapes', async () => {
    const nodes = [{ name: 'bad_add', op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }];
    const w = { name: 'w', shape: [3], dtype: 'float32', data: { base64: Buffer.from(new Float32Array(3).buffer).toString('base64') } };
    const p = writeJson(dir, 'shape.json', graphJson(nodes, [tensor('x', [1, 4]), w]));
    expectCleanError(await harc(['compile', p, '-o', join(dir, 'o')]), 2, "'bad_add'", '[1,4]', '[3]');
  });

  it('unsupported ops are all reported at once', async () => {
    const nodes = [
      { name: 'f1', op: 'FancyOp', inputs: ['x'], outputs: ['t'] },
      { name: 'f2', op: 'OtherOp', inputs: ['t'], outputs: ['y'] },
    ];
    const p = writeJson(dir, 'unsupported.json', graphJson(nodes, [tensor('x', [1, 4])]));
    expectCleanError(await harc(['inspect', p]), 2, "'f1' (FancyOp)", "'f2' (OtherOp)", 'harc ops');
  });

  it('an input of the wrong shape', async () => {
    const { encodeNpy } = await import('../../src/ir/npy.ts');
    const p = join(dir, 'wrong.npy');
    writeFileSync(p, encodeNpy({ shape: [3, 3], dtype: 'float32', data: new Float32Array(9) }));
    expectCleanError(await harc(['run', fixture('mlp'), '--input', p]), 2, 'wrong.npy', '[3,3]');
  });

  it('unknown command or option is a usage error', async () => {
    const r = await harc(['compiel', 'x.onnx']);
    expect(r.code).toBe(2);
    const r2 = await harc(['inspect', fixture('mlp'), '--bogus']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('bogus');
  });

  it('a missing file', async () => {
    expectCleanError(await harc(['inspect', join(dir, 'nope.onnx')]), 2, 'nope.onnx', 'cannot read');
  });
});

describe('harc check exit codes', () => {
  it('0 within budget, 1 over budget (naming it), 2 bad input, 3 missing tool', async () => {
    const dir = tmp();
    const report = join(dir, 'report.json');
    const ok = await harc(['check', fixture('mlp'), '--target', 'cortex-m4', '--max-flash', '1MiB', '--max-sram', '256KiB', '--report', report]);
    expect(ok.code).toBe(0);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.ok).toBe(true);
    expect(rep.budgets.map((b: { name: string }) => b.name)).toEqual(['flash', 'sram']);
    const { Ajv } = await import('ajv');
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'check-report.schema.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(rep), JSON.stringify(validate.errors)).toBe(true);

    const over = await harc(['check', fixture('mlp'), '--target', 'riscv', '--max-flash', '1KiB', '--max-sram', '256KiB']);
    expect(over.code).toBe(1);
    expect(over.stdout).toMatch(/flash.*OVER by/);

    const bad = await harc(['check', join(dir, 'missing.onnx'), '--target', 'cortex-m4', '--max-flash', '64KiB']);
    expect(bad.code).toBe(2);

    const noTool = await harc(['check', fixture('mlp'), '--target', 'cortex-m4', '--max-flash', '64KiB'], { PATH: '/nonexistent' });
    expect(noTool.code).toBe(3);
    expect(noTool.stderr).toMatch(/arm-none-eabi-gcc/);
    expect(noTool.stderr).toMatch(/apt-get install|setup-toolchains/);
  });
});
