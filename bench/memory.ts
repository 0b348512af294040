// Arena size per zoo model and test fixture: harc's plan (memory-aware schedule, in-place
// elementwise kernels, concat in place, best placement), no reuse at all, and a TensorFlow Lite
// Micro-style plan (the graph's own order, no in-place, greedy by size with first fit), against
// the lower bound of harc's schedule. Run: node --import tsx bench/memory.ts [--align N]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitModel } from '../src/backends/c/emit-model.ts';
import { materializeOutputs } from '../src/passes/materialize-outputs.ts';
import { table } from '../src/cli/format.ts';
import { loadModel } from '../src/frontends/load.ts';
import { inferShapes } from '../src/ir/infer.ts';
import { planArena } from '../src/planning/arena-plan.ts';
import { alignUp } from '../src/planning/memory-groups.ts';
import { optimize } from '../src/passes/pipeline.ts';

const repo = join(import.meta.dirname, '..');
const alignArg = process.argv.indexOf('--align');
const alignment = alignArg > 0 ? Number(process.argv[alignArg + 1]) : 8;

const models = [
  ...readdirSync(join(repo, 'zoo', 'models')).filter((f) => f.endsWith('.onnx')).map((f) => join('zoo', 'models', f)),
  ...readdirSync(join(repo, 'test', 'fixtures', 'onnx')).filter((f) => f.endsWith('.onnx')).map((f) => join('test', 'fixtures', 'onnx', f)),
];

interface Row {
  model: string;
  kernels: number;
  noReuse: number;
  tflm: number;
  givenOrderBound: number;
  harc: number;
  lowerBound: number;
  inPlace: number;
  concatViews: number;
  rescheduled: boolean;
  placement: string;
  whyNot?: string;
  /** What sets the lower bound: the node at the peak step, and what else is held across it. */
  boundBy: string;
  planMs: number;
}

const rows: Row[] = [];
for (const rel of models) {
  const optimized = optimize(loadModel(join(repo, rel)));
  // the graph in its given order, as the emitter sees it before scheduling
  const given = inferShapes(materializeOutputs(optimized), { fold: false });
  const t0 = performance.now();
  const m = emitModel(optimized, { memory: { alignment } });
  const planMs = performance.now() - t0;
  const plain = planArena(given, { alignment, concatInPlace: false, planner: 'tflm' });
  const noReuse = plain.buffers.filter((b) => b.location.kind === 'arena').reduce((s, b) => s + alignUp(b.bytes, alignment), 0);
  const p = m.plan;
  const viewSteps = new Set(p.elided);
  const concatViews = p.elided.filter((s) => m.graph.nodes[s]?.op === 'Concat').length;
  // the peak step: the kernel running there, its own operands, and what is held for later
  const arenaBufs = p.buffers.filter((b) => b.location.kind === 'arena');
  const liveAt = (s: number) => arenaBufs.filter((b) => b.firstStep <= s && s <= b.lastStep);
  let peakStep = 0;
  for (let s = 0; s < p.schedule.length; s++) if (liveAt(s).reduce((a, b) => a + alignUp(b.bytes, alignment), 0) === p.lowerBound) (peakStep = s), (s = Infinity);
  const node = m.graph.nodes[peakStep]!;
  const own = new Set([...node.inputs, ...node.outputs].filter((t) => t && p.bufferOf[t] !== undefined).map((t) => p.bufferOf[t]!));
  const held = liveAt(peakStep).filter((b) => !own.has(b.id) && b.scratchOf !== peakStep);
  const heldBytes = held.reduce((a, b) => a + alignUp(b.bytes, alignment), 0);
  const boundBy = `${node.op} @${peakStep}` + (heldBytes > 0 ? ` + ${heldBytes} B held (${held.length} tensor${held.length > 1 ? 's' : ''})` : ' (its own in+out)');
  let whyNot: string | undefined;
  if (p.bytes > p.lowerBound) whyNot = `placement ${p.placement}: ${p.bytes - p.lowerBound} B over the bound`;
  rows.push({
    model: rel,
    kernels: m.graph.nodes.length - viewSteps.size,
    noReuse,
    tflm: plain.bytes,
    givenOrderBound: plain.lowerBound,
    harc: p.bytes,
    lowerBound: p.lowerBound,
    inPlace: Object.keys(p.inPlace).length,
    concatViews,
    rescheduled: p.schedule.join('\n') !== given.nodes.map((n) => n.name).join('\n'),
    placement: p.placement,
    whyNot,
    boundBy,
    planMs: Math.round(planMs),
  });
}

const pct = (a: number, b: number): string => (b === 0 ? '—' : `${(((a - b) / b) * 100).toFixed(1)}%`);
console.log(`arena bytes, alignment ${alignment}`);
console.log(
  table(
    ['model', 'kernels', 'no reuse', 'TFLM-style', 'harc', 'lower bound', 'harc vs TFLM', 'in place', 'concat views', 'resched.', 'bound set by', 'why not at bound'],
    rows.map((r) => [
      r.model.replace(/^(zoo\/models|test\/fixtures\/onnx)\//, ''),
      r.kernels,
      r.noReuse,
      r.tflm,
      r.harc,
      r.lowerBound,
      pct(r.harc, r.tflm),
      r.inPlace,
      r.concatViews,
      r.rescheduled ? 'yes' : 'no',
      r.boundBy,
      r.whyNot ?? '— (at bound)',
    ]),
  ),
);
const total = (k: 'noReuse' | 'tflm' | 'harc' | 'lowerBound'): number => rows.reduce((s, r) => s + r[k], 0);
console.log(`total: no reuse ${total('noReuse')} B, TFLM-style ${total('tflm')} B, harc ${total('harc')} B (${pct(total('harc'), total('tflm'))}), lower bound ${total('lowerBound')} B`);
mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(join(repo, 'bench', 'results', 'memory.json'), JSON.stringify({ alignment, generated: new Date().toISOString(), models: rows }, null, 2) + '\n');
console.log('wrote bench/results/memory.json');
