// @module-tag qemu
import '../../src/ir/ops/index.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAdaptive, exitTaken, orderByStage, policyThresholds, resolveExits, softmaxSumQ16, stageOfNodes, type AdaptiveModel, type PolicyKind } from '../../src/backends/adaptive.ts';
import { runAdaptive, runFullNetwork, type DevicePolicy } from '../../src/targets/adaptive-run.ts';
import type { TargetName } from '../../src/targets/index.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { interpretQuantized } from '../../src/ir/int8/interpret.ts';
import { interpret } from '../../src/ir/interpreter.ts';
import { quantizeForTensor } from '../../src/ir/int8/prepare.ts';
import { readNpy } from '../../src/ir/npy.ts';
import type { Value } from '../../src/ir/types.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { repo } from '../helpers.ts';

const MODEL = join(repo, 'zoo', 'models', 'har-cnn-3exit.onnx');
const WINDOWS = 12;
const data = readNpy(join(repo, 'zoo', 'data', 'test_X.npy'));
const per = 128 * 9;
const windows = Array.from({ length: WINDOWS }, (_, w) => (data.data as Float32Array).slice(w * 20 * per, (w * 20 + 1) * per));
const calib: Value = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));

// 'int8 w4': the same staged program with every weighted layer at 4 bits (packed; issue 12)
const compile = (precision: 'float' | 'int8' | 'int8 w4'): AdaptiveModel =>
  compileAdaptive(loadModel(MODEL), 'auto', {
    prefix: 'mx',
    precision: precision === 'float' ? { precision } : { precision: 'int8', calib, calibSamples: 64, ...(precision === 'int8 w4' ? { weightBits: { default: 4 } } : {}) },
  });

/** The device input of a window: float bytes, or the int8 codes of the quantized input. */
function inputBytes(m: AdaptiveModel, x: Float32Array): Uint8Array {
  const t = m.graph.tensors[m.graph.inputs[0]!]!;
  return m.int8 ? new Uint8Array(quantizeForTensor(t, x).buffer) : new Uint8Array(x.buffer.slice(0));
}
const asScores = (m: AdaptiveModel, b: Uint8Array): number[] => Array.from(m.int8 ? new Int8Array(b.buffer, b.byteOffset, b.length) : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));

describe('staged program (har-cnn-3exit)', () => {
  it('stages: each exit needs only its stage and the earlier ones; order stays topological', () => {
    const g = optimize(loadModel(MODEL));
    const exits = resolveExits(g, 'auto');
    expect(exits).toEqual(['exit1', 'exit2', 'exit3']);
    const staged = orderByStage(g, exits);
    const stage = stageOfNodes(staged, exits);
    const seen = new Set<string>(staged.inputs);
    for (const t of Object.values(staged.tensors)) if (t.data) seen.add(t.name);
    let last = 0;
    for (const n of staged.nodes) {
      expect(stage.get(n)!).toBeGreaterThanOrEqual(last);
      last = stage.get(n)!;
      for (const i of n.inputs) if (i) expect(seen.has(i), `${n.name} reads ${i} before it is written`).toBe(true);
      for (const o of n.outputs) if (o) seen.add(o);
    }
    expect(new Set(staged.nodes.map((n) => stage.get(n))).size).toBe(3);
  });

  it('rejects exits that are not outputs, a partial list and a single exit', () => {
    const g = optimize(loadModel(MODEL));
    expect(() => resolveExits(g, 'exit1,nope')).toThrow(/'nope' is not an output/);
    expect(() => resolveExits(g, 'exit1,exit2')).toThrow(/every output must be an exit; add exit3/);
    expect(() => resolveExits(g, 'exit3')).toThrow(/at least 2 exits/);
  });
});

const TARGETS: TargetName[] = ['host', 'cortex-m4', 'riscv'];

for (const precision of ['float', 'int8', 'int8 w4'] as const) {
  describe(`${precision}: run_adaptive equals the TS reference decision and the full network's scores`, () => {
    const m = compile(precision);
    if (precision === 'int8 w4') it('stores 4-bit weights packed', () => expect(m.files['weights.c']).toMatch(/_w4\[/));
    const inputs = windows.map((x) => inputBytes(m, x));
    const kinds: PolicyKind[] = ['margin', 'softmax'];
    /** The statistic a policy compares at exit k: the margin (leave when ≥), or the Q16 softmax sum (leave when ≤). */
    const stat = (kind: PolicyKind, k: number, s: number[]): number => {
      const sorted = [...s].sort((a, b) => b - a);
      return kind === 'margin' ? (m.int8 ? sorted[0]! - sorted[1]! : Math.fround(sorted[0]! - sorted[1]!)) : softmaxSumQ16(m, k, s);
    };
    /** Per kind: every window at exit 1, none early, then the median statistic at exit 1, then at exit 2 only. */
    const policiesFor = (ref: number[][][]): DevicePolicy[] =>
      kinds.flatMap((kind) => {
        const always = policyThresholds(m, { kind, thetas: [0, 0, 0] });
        const never = policyThresholds(m, { kind, thetas: kind === 'margin' ? [1e9, 1e9, 0] : [2, 2, 0] });
        const median = (k: number): number => ref.map((w) => stat(kind, k, w[k]!)).sort((a, b) => a - b)[Math.floor(ref.length / 2)]!;
        return [always, never, [median(0), never[1]!, 0], [never[0]!, median(1), 0]].map((thresholds) => ({ kind, thresholds }));
      });
    for (const target of TARGETS) {
      it(target, async () => {
        const full = await runFullNetwork(m, inputs, { target });
        const policies = policiesFor(full.scores.map((w) => w.map((b) => asScores(m, b))));
        if (!m.int8) {
          // float: the full network's scores match the float interpreter (same kernels order, float rounding)
          const g = m.graph;
          windows.forEach((x, w) => {
            const ref = interpret(g, { [g.inputs[0]!]: { shape: g.tensors[g.inputs[0]!]!.shape, dtype: 'float32', data: x } });
            m.exits.forEach((e, k) => {
              const r = Array.from(ref[e.output]!.data as Float32Array);
              const c = asScores(m, full.scores[w]![k]!);
              expect(Math.max(...c.map((v, i) => Math.abs(v - r[i]!)))).toBeLessThan(1e-4 * Math.max(1, ...r.map(Math.abs)));
            });
          });
        }
        if (m.int8) {
          // the full network's scores are the int8 interpreter's, bit for bit
          const q = m.graph;
          windows.forEach((_, w) => {
            const ref = interpretQuantized(q, { [q.inputs[0]!]: { shape: q.tensors[q.inputs[0]!]!.shape, dtype: 'int8', data: new Int8Array(inputs[w]!.buffer) } });
            m.exits.forEach((x, k) => expect(asScores(m, full.scores[w]![k]!)).toEqual(Array.from(ref[x.output]!.data as Int8Array)));
          });
        }
        const allPolicies = policies.flatMap((p) => inputs.map(() => p));
        const allInputs = policies.flatMap(() => inputs);
        const r = await runAdaptive(m, allInputs, allPolicies, { target, defines: target === 'cortex-m4' ? { HARC_GUARD: true } : {} });
        const dist = policies.map(() => [0, 0, 0]);
        allInputs.forEach((_, i) => {
          const w = i % inputs.length;
          const p = allPolicies[i]!;
          const ref = full.scores[w]!.map((b) => asScores(m, b));
          const e = exitTaken(m, ref, p.kind, p.thresholds);
          expect(r.exits[i], `window ${w} policy ${p.kind} ${p.thresholds}`).toBe(e);
          expect(Buffer.from(r.scores[i]!).equals(Buffer.from(full.scores[w]![e]!))).toBe(true);
          dist[Math.floor(i / inputs.length)]![e]!++;
        });
        // θ = 0: every window leaves at exit 1; θ out of reach: none leaves early
        kinds.forEach((_, j) => {
          expect(dist[j * 4]).toEqual([WINDOWS, 0, 0]);
          expect(dist[j * 4 + 1]).toEqual([0, 0, WINDOWS]);
        });
        // the same binary, other thresholds: other exit distributions (some windows leave at exit 1, some later)
        kinds.forEach((_, j) => {
          expect(dist[j * 4 + 2]![0]).toBeGreaterThan(0);
          expect(dist[j * 4 + 2]![0]).toBeLessThan(WINDOWS);
        });
        expect(new Set(dist.map((d) => d.join(','))).size).toBeGreaterThanOrEqual(3);
      }, 600_000);
    }
  });
}
