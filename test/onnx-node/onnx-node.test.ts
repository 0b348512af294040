// @module-tag c
// ONNX backend node conformance: every applicable case of the ONNX node test suite compiled by
// harc to C, built for the host with gcc, run, and compared with the suite's reference outputs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGraph, writeModelDir } from '../../src/backends/compile.ts';
import { buildFirmware, runFirmware } from '../../src/targets/index.ts';
import { extraCasesRoot } from './extra-cases.ts';
import { compareValues, discoverCases, formatSummary, pool, type NodeCase, type RunnableCase } from './node-cases.ts';

/** The host harness counts inferences by input records, so a model needs at least one input byte. */
const NO_INPUT = 'no runtime inputs (the harness counts inferences by input records)';

const extraRoot = await extraCasesRoot();
const discovered = [...discoverCases(), ...(extraRoot ? discoverCases(extraRoot) : [])];
const results = new Map<string, string | undefined>();
let work: string;

/** Inputs packed back to back in the compiled graph's input order, as float32 little-endian. */
function packInputs(rc: RunnableCase, order: string[], bytes: number): Uint8Array {
  const byName = new Map(rc.inputs.map((x) => [x.name, x.value]));
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const name of order) {
    const v = byName.get(name);
    if (!v) throw new Error(`compiled model expects input '${name}', the case has none`);
    const part = new Uint8Array(Float32Array.from(v.data).buffer);
    out.set(part, at);
    at += part.length;
  }
  if (at !== bytes) throw new Error(`packed ${at} input bytes, the model expects ${bytes}`);
  return out;
}

async function runCase(c: NodeCase & { run: () => RunnableCase }): Promise<string | undefined> {
  try {
    const rc = c.run();
    const model = compileGraph(rc.graph);
    const dir = path.join(work, c.name);
    await writeModelDir(model, path.join(dir, 'src'));
    const { elf } = await buildFirmware({ target: 'host', modelDir: path.join(dir, 'src'), outDir: path.join(dir, 'build') });
    const input = packInputs(rc, model.graph.inputs, model.inputBytes);
    const { output } = await runFirmware({ target: 'host', elf, input, inputBytes: model.inputBytes, outputBytes: model.outputBytes });
    const y = new Float32Array(output.slice().buffer);
    let off = 0;
    for (const o of rc.outputs) {
      const n = o.value.data.length;
      const err = compareValues(y.subarray(off, off + n), o.value);
      if (err) return `output '${o.name}': ${err}`;
      off += n;
    }
    if (off !== y.length) return `${y.length} output values, the reference has ${off}`;
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n').slice(0, 4).join(' | ');
  }
}

const cases: NodeCase[] = discovered.map((c) => {
  if (c.skip !== undefined) return c;
  const rc = c.run();
  return rc.inputs.length === 0 ? { name: c.name, skip: NO_INPUT } : c;
});
const runnable = cases.filter((c): c is NodeCase & { run: () => RunnableCase } => !c.skip);

describe.runIf(discovered.length > 0)('ONNX node tests through C on the host', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'harc-onnx-node-'));
    const errors = await pool(runnable, 2, runCase);
    runnable.forEach((c, i) => results.set(c.name, errors[i]));
    const failed = runnable.filter((c) => results.get(c.name)).map((c) => ({ name: c.name, error: results.get(c.name)! }));
    console.log(formatSummary('ONNX node tests (C, host)', runnable.length - failed.length, failed, cases));
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    if (extraRoot) await rm(extraRoot, { recursive: true, force: true });
  });

  it('finds applicable cases', () => {
    expect(runnable.length).toBeGreaterThan(100);
  });

  it.each(runnable.map((c) => c.name))('%s', (name) => {
    expect(results.get(name)).toBeUndefined();
  });
});
