import '../../src/ir/ops/index.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAdaptive, stageOfNodes } from '../../src/backends/adaptive.ts';
import { loadModel } from '../../src/frontends/load.ts';
import { readNpy } from '../../src/ir/npy.ts';
import { repo } from '../helpers.ts';
import { expectValidPlan } from '../memory/memory-helpers.ts';

const MODEL = join(repo, 'zoo', 'models', 'har-cnn-3exit.onnx');

describe('arena plan of the staged program', () => {
  for (const precision of ['float', 'int8'] as const) {
    it(`${precision}: across each decision only the tensors a later stage reads stay live`, () => {
      const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
      const m = compileAdaptive(loadModel(MODEL), 'auto', { precision: precision === 'int8' ? { precision, calib, calibSamples: 32 } : { precision } });
      const { graph, plan } = m;
      expectValidPlan(plan);
      const exits = m.exits.map((x) => x.output);
      const stage = stageOfNodes(graph, exits);
      const step = new Map(plan.schedule.map((name, i) => [name, i]));
      const nodes = graph.nodes;
      for (let k = 0; k < exits.length - 1; k++) {
        const decision = Math.max(...nodes.filter((n) => stage.get(n) === k).map((n) => step.get(n.name)!));
        // every node of stage ≤ k runs before the decision, every later one after it
        for (const n of nodes) expect(step.get(n.name)! <= decision).toBe(stage.get(n)! <= k);
        const liveAcross = plan.buffers.filter((b) => b.location.kind === 'arena' && b.firstStep <= decision && b.lastStep > decision);
        const producedBefore = new Set(nodes.filter((n) => stage.get(n)! <= k).flatMap((n) => n.outputs));
        const readLater = new Set(nodes.filter((n) => stage.get(n)! > k).flatMap((n) => n.inputs).filter((t) => producedBefore.has(t)));
        expect(readLater.size).toBeGreaterThan(0);
        expect(new Set(liveAcross.map((b) => b.id))).toEqual(new Set([...readLater].map((t) => plan.bufferOf[t]!)));
      }
    }, 60_000);
  }
});
