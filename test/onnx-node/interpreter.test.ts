// The same applicable ONNX node cases through the TypeScript reference interpreter (no C): checks
// harc's reference semantics independently of the backend.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { inferShapes } from '../../src/ir/infer.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { extraCasesRoot } from './extra-cases.ts';
import { compareValues, discoverCases, formatSummary, type NodeCase, type RunnableCase } from './node-cases.ts';

const extraRoot = await extraCasesRoot();
const cases = [...discoverCases(), ...(extraRoot ? discoverCases(extraRoot) : [])];
const runnable = cases.filter((c): c is NodeCase & { run: () => RunnableCase } => !c.skip);

function interpretCase(c: NodeCase & { run: () => RunnableCase }): string | undefined {
  try {
    const rc = c.run();
    const outs = interpret(inferShapes(rc.graph), Object.fromEntries(rc.inputs.map((x) => [x.name, x.value])));
    for (const o of rc.outputs) {
      const got = outs[o.name];
      if (!got) return `no value for output '${o.name}'`;
      if (got.shape.join() !== o.value.shape.join()) return `output '${o.name}' has shape [${got.shape}], expected [${o.value.shape}]`;
      const err = compareValues(got.data, o.value);
      if (err) return `output '${o.name}': ${err}`;
    }
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

describe.runIf(cases.length > 0)('ONNX node tests through the reference interpreter', () => {
  const results = new Map(runnable.map((c) => [c.name, interpretCase(c)]));
  const failed = runnable.filter((c) => results.get(c.name)).map((c) => ({ name: c.name, error: results.get(c.name)! }));
  console.log(formatSummary('ONNX node tests (reference interpreter)', runnable.length - failed.length, failed, cases));

  afterAll(async () => {
    if (extraRoot) await rm(extraRoot, { recursive: true, force: true });
  });

  it('finds applicable cases', () => {
    expect(runnable.length).toBeGreaterThan(100);
  });

  it.each(runnable.map((c) => c.name))('%s', (name) => {
    expect(results.get(name)).toBeUndefined();
  });
});
