import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultCoverageTables, opCoverage } from '../../src/backends/c/coverage.ts';
import { opsCommand } from '../../src/cli/commands/ops.ts';
import { inferShapes } from '../../src/ir/infer.ts';
import { registerOp, registeredOps, unregisterOp } from '../../src/ir/registry.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { graph, rand } from '../graph-builder.ts';

// One op record (OpDef + traits) per op: every stage reads it, and this checks the records against
// the lowering tables and the interpreters so that they cannot drift apart.

const incomplete = (op: string, traits?: Parameters<typeof registerOp>[0]['traits']): void =>
  registerOp({ op, attrs: {}, arity: [1, 1], infer: (_n, [x]) => [{ shape: x!.shape, dtype: x!.dtype }], evaluate: (_n, [x]) => [x!], traits });

afterEach(() => {
  for (const op of ['TestNoTraits', 'TestHalfDone']) unregisterOp(op);
});

describe('op coverage', () => {
  it('every registered op has its traits, a float lowering, and what its int8 trait promises', () => {
    expect(opCoverage().problems).toEqual([]);
  });

  it('reports a deliberately incomplete op: no traits, no lowerings, no integer kernel', () => {
    incomplete('TestNoTraits');
    incomplete('TestHalfDone', { elementwise: 'unary', quant: { kind: 'calibrated' }, int8: 'kernel' });
    const { problems } = opCoverage();
    expect(problems).toEqual([
      expect.stringMatching(/^TestHalfDone: no float C lowering/),
      expect.stringMatching(/^TestHalfDone: int8 'kernel' but no int8 C lowering/),
      expect.stringMatching(/^TestHalfDone: int8 'kernel' but no integer interpreter kernel/),
      expect.stringMatching(/^TestNoTraits: registered without traits/),
    ]);
  });

  it('reports lowering tables and kernel sets that name unregistered ops', () => {
    const t = defaultCoverageTables({ extra: ['NoSuchOp'] });
    const { problems } = opCoverage({ ...t, int8: { ...t.int8, AlsoNotAnOp: t.int8['Relu']! } });
    expect(problems).toEqual(["AlsoNotAnOp: the int8 lowering table names an op that is not registered", "NoSuchOp: kernel set 'extra' names an op that is not registered"]);
  });

  it('harc ops lists every registered op from the same records', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(...String(s).split('\n')));
    try {
      opsCommand();
    } finally {
      spy.mockRestore();
    }
    const rows = new Map(lines.slice(2).map((l) => [l.split(/\s+/)[0]!, l]));
    expect([...rows.keys()].sort()).toEqual(registeredOps());
    expect(rows.get('Elu')).toMatch(/C kernel\s+lookup table\s+calibrated\s+reference/);
    expect(rows.get('Conv')).toMatch(/integer kernel.*reference, portable, harc/);
    expect(rows.get('Reshape')).toMatch(/view/);
    expect(lines.some((l) => l.startsWith('incomplete'))).toBe(false);
  });

  it('an elementwise op is layout-agnostic through its trait: Conv→Elu→Conv gains no transposes (as with Relu)', () => {
    const transposes = (act: string): number => {
      const g = graph({
        inputs: { x: [1, 4, 16] },
        consts: { w1: { shape: [4, 4, 3], data: rand(48, 1) }, w2: { shape: [4, 4, 3], data: rand(48, 2) } },
        nodes: [
          ['c1', 'Conv', ['x', 'w1'], ['a']],
          ['act', act, ['a'], ['b']],
          ['c2', 'Conv', ['b', 'w2'], ['y']],
        ],
        outputs: ['y'],
      });
      return optimize(inferShapes(g)).nodes.filter((n) => n.op === 'Transpose').length;
    };
    expect(transposes('Elu')).toBe(transposes('Relu'));
    expect(transposes('Softsign')).toBe(transposes('Relu'));
  });
});
