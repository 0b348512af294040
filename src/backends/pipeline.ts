import type { Graph } from '../ir/types.ts';
import type { ArenaPlan } from '../planning/arena-plan.ts';
import type { CalibrationTable } from '../planning/calibrate.ts';
import { optimize, optimizeFloatOnly, optimizeQuantizedOnly, type PassRecord } from '../passes/pipeline.ts';
import { inferShapes } from '../ir/infer.ts';
import { quantizeGraph } from '../passes/quantize.ts';
import type { ScheduleResult } from '../planning/schedule.ts';
import { fuseKernelEpilogues, kernelSetOf, loweringsFor, memoryOptionsOf, prepareForC, renderModel, type EmitOptions, type EmittedModel } from './c/emit-model.ts';
import { planModelArena, scheduleModel } from './c/memory.ts';
import { calibrateFor, isPreQuantized, quantizeOptionsFor, type PrecisionOptions } from './precision.ts';
import { inputError } from '../ir/errors.ts';

// Every stage from import to files, in order, in one table. Each stage is a pure function of the
// state before it (graphs are never changed in place: a stage returns new ones), so `--trace`
// can say what each one changed. Graph passes rewrite the graph; analyses (calibration, schedule,
// arena plan) add a result beside it; the emit stages turn it into C.

/** What the stages hand on. */
export interface PipelineState {
  graph: Graph;
  /** The float passes that ran, with the node count after each. */
  passes?: PassRecord[];
  calibration?: CalibrationTable;
  schedule?: ScheduleResult;
  plan?: ArenaPlan;
  model?: EmittedModel;
}

export interface PipelineOptions extends EmitOptions {
  precision?: PrecisionOptions;
  /** Per float pass: its name and the node count after it. */
  passTrace?: PassRecord[];
  /** Called after every stage with what it changed (harc compile --trace). */
  onStage?: (stage: string, summary: string) => void;
}

export interface Stage {
  name: string;
  kind: 'frontend' | 'graph pass' | 'analysis' | 'emit';
  /** Where it lives and what it does, for the docs and `--trace`. */
  what: string;
  run(s: PipelineState, o: PipelineOptions): PipelineState;
  /** One line: what the stage changed. */
  summary(before: PipelineState, after: PipelineState, o: PipelineOptions): string;
}

const isInt8 = (o: PipelineOptions): boolean => (o.precision?.precision ?? 'float') === 'int8';
/** Float to the end: not int8 and not an imported pre-quantized graph. */
const staysFloat = (s: PipelineState, o: PipelineOptions): boolean => !isInt8(o) && !isPreQuantized(s.graph);

/** "-2 BatchNormalization, +1 Transpose" between two graphs (or "no change"). */
export function opDiff(a: Graph, b: Graph): string {
  const count = (g: Graph): Map<string, number> => g.nodes.reduce((m, n) => m.set(n.op, (m.get(n.op) ?? 0) + 1), new Map<string, number>());
  const ca = count(a);
  const cb = count(b);
  const ops = [...new Set([...ca.keys(), ...cb.keys()])].sort();
  const parts = ops.flatMap((op) => {
    const d = (cb.get(op) ?? 0) - (ca.get(op) ?? 0);
    return d === 0 ? [] : [`${d > 0 ? '+' : ''}${d} ${op}`];
  });
  return `${a.nodes.length} → ${b.nodes.length} nodes` + (parts.length ? ` (${parts.join(', ')})` : '');
}

export const STAGES: readonly Stage[] = [
  {
    name: 'import',
    kind: 'frontend',
    what: 'src/frontends/load.ts: ONNX or harc JSON → Graph (run by the caller, src/cli/model-input.ts)',
    run: (s) => s,
    summary: (_b, a) => `${a.graph.nodes.length} nodes, ${Object.keys(a.graph.tensors).length} tensors (${Object.values(a.graph.tensors).filter((t) => t.data).length} constant)`,
  },
  {
    name: 'float passes',
    kind: 'graph pass',
    what: 'src/passes/pipeline.ts: folding, BN/affine folding, channels-last layout, fusion, views, dead code (none for a pre-quantized import: it is already the integer graph)',
    run(s, o) {
      if (isPreQuantized(s.graph)) return { ...s, graph: inferShapes(s.graph, { fold: false }), passes: [] };
      const passes: PassRecord[] = [];
      const graph = optimize(s.graph, { trace: passes });
      o.passTrace?.push(...passes);
      return { ...s, graph, passes };
    },
    summary(b, a) {
      let n = b.graph.nodes.length;
      const changed = (a.passes ?? []).flatMap((p) => (p.nodes === n ? [] : [`${p.pass} ${n}→${(n = p.nodes)}`]));
      return opDiff(b.graph, a.graph) + (changed.length ? `; ${changed.join(', ')}` : '');
    },
  },
  {
    name: 'calibrate',
    kind: 'analysis',
    what: 'src/planning/calibrate.ts: int8 only, the range of every activation on the calibration inputs',
    run: (s, o) => (isInt8(o) && !isPreQuantized(s.graph) ? { ...s, calibration: calibrateFor(s.graph, o.precision!) } : s),
    summary: (_b, a, o) => (a.calibration ? `${Object.keys(a.calibration).length} tensor ranges (${o.precision?.calibMethod ?? 'minmax'})` : 'skipped (float or pre-quantized)'),
  },
  {
    name: 'quantize',
    kind: 'graph pass',
    what: 'src/passes/quantize.ts: int8 only, TFLite int8 scheme from the op traits and the ranges',
    run: (s, o) => (s.calibration ? { ...s, graph: quantizeGraph(s.graph, s.calibration, quantizeOptionsFor(s.graph, o.precision!)) } : s),
    summary: (b, a) => (a.graph === b.graph ? 'skipped (float)' : `${a.graph.nodes.filter((n) => a.graph.tensors[n.outputs[0]!]?.quant).length} of ${a.graph.nodes.length} nodes integer; ${opDiff(b.graph, a.graph)}`),
  },
  {
    name: 'float-only passes',
    kind: 'graph pass',
    what: 'src/passes/pipeline.ts optimizeFloatOnly (float: a channels-first input read in place by its first Conv) or optimizeQuantizedOnly (the same for an int8 Conv with one group, for a kernel set that reads it in place: KernelSet.int8ChannelsFirstInput)',
    run: (s, o) =>
      staysFloat(s, o) ? { ...s, graph: optimizeFloatOnly(s.graph) } : s.calibration && kernelSetOf(o).int8ChannelsFirstInput ? { ...s, graph: optimizeQuantizedOnly(s.graph) } : s,
    summary: (b, a) => (a.graph === b.graph ? 'skipped (integer)' : opDiff(b.graph, a.graph)),
  },
  {
    name: 'materialize outputs',
    kind: 'graph pass',
    what: 'src/passes/materialize-outputs.ts: every graph output written by a kernel (a copy where it is a constant, input or view); then the kernel set\'s fused epilogues (KernelSet.epilogues)',
    run: (s, o) => ({ ...s, graph: fuseKernelEpilogues(prepareForC(s.graph), o) }),
    summary: (b, a) => opDiff(b.graph, a.graph),
  },
  {
    name: 'schedule',
    kind: 'analysis',
    what: 'src/planning/schedule.ts: the topological order with the smallest peak of live arena bytes',
    run(s, o) {
      const r = scheduleModel(s.graph, loweringsFor(s.graph, o), memoryOptionsOf(o));
      return { ...s, graph: r.graph, schedule: r.schedule };
    },
    summary: (_b, a) => (a.schedule ? `${a.schedule.method}: peak ${a.schedule.peak} B (given order ${a.schedule.originalPeak} B), ${a.schedule.states} states` : 'off (given order)'),
  },
  {
    name: 'plan arena',
    kind: 'analysis',
    what: 'src/planning/arena-plan.ts + planner.ts: liveness, in-place, offsets by the chosen planner',
    run: (s, o) => ({ ...s, plan: planModelArena(s.graph, loweringsFor(s.graph, o), memoryOptionsOf(o)) }),
    summary: (_b, a, o) =>
      `${a.plan!.bytes} B (lower bound ${a.plan!.lowerBound} B), ${a.plan!.buffers.length} buffers, planner ${o.memory?.planner ?? 'search'}: ${a.plan!.placement}`,
  },
  {
    name: 'lower + render',
    kind: 'emit',
    what: 'src/backends/c/emit-model.ts + lower/: each node through its lowering, model.c/.h, weights.c/.h',
    run: (s, o) => ({ ...s, model: renderModel(s.graph, s.plan!, o) }),
    summary: (_b, a) => `${a.model!.layers.length} layers; ${Object.entries(a.model!.files).map(([f, t]) => `${f} ${t.length} B`).join(', ')}`,
  },
  {
    name: 'write files',
    kind: 'emit',
    what: 'src/backends/compile.ts writeModelDir: the files into the output directory, atomically (run by the caller)',
    run: (s) => s,
    summary: () => 'by the caller',
  },
];

/** Runs every stage on an imported graph; the emitted model. */
export function runPipeline(graph: Graph, opts: PipelineOptions = {}): EmittedModel {
  const precision = opts.precision?.precision ?? 'float';
  if (precision !== 'float' && precision !== 'int8') throw inputError(`unknown precision '${precision}' (use float or int8)`);
  let s: PipelineState = { graph };
  for (const stage of STAGES) {
    const next = stage.run(s, opts);
    opts.onStage?.(stage.name, stage.summary(s, next, opts));
    s = next;
  }
  return s.model!;
}
