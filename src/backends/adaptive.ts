import { cTypeOf } from '../ir/dtype.ts';
import { inputError } from '../ir/errors.ts';
import { numel } from '../ir/shape.ts';
import type { Graph, Node } from '../ir/types.ts';
import { apiName, type EmittedModel } from './c/emit-model.ts';
import { STAGES, type PipelineOptions, type PipelineState } from './pipeline.ts';

// Adaptive inference (issue 14): a multi-exit network compiled as a staged program. Stage k runs
// exactly the nodes exit k needs that no earlier exit needs; after it, a decision policy on exit k's
// scores either returns or goes on. The arena plan is the ordinary liveness plan of the stage-ordered
// schedule, so a run that stops after stage k has executed a prefix of it (valid by construction),
// and the only tensors live across a decision are those a later stage still reads.

export type PolicyKind = 'margin' | 'softmax';
export const POLICY_KINDS: readonly PolicyKind[] = ['margin', 'softmax'];
/** Q16 fixed point of the softmax policy: exp(0) = 2^16. */
const ONE_Q16 = 65536;
/** "Always leave" for the softmax policy (no sum of six Q16 terms reaches it). */
const ALWAYS = 0x7fffffff;
/** log2(e) as the float32 the C literal denotes. */
const LOG2E_F32 = Math.fround(Math.LOG2E);
/** Float scores: 2^(−t) for t ≥ 17 is below one Q16 step, so the term is 0. */
const POW2_CUTOFF = 17;
/** round(2^16 · 2^(−f/256)), f = 0..255: exp(−d) = 2^(−d·log2 e), split into a shift and this table. */
export const POW2_TABLE_Q16: readonly number[] = Array.from({ length: 256 }, (_, f) => Math.round(ONE_Q16 * 2 ** (-f / 256)));

/** A score vector: [C] or [1, C] with C ≥ 2. */
const isScoreVector = (shape: number[]): boolean => shape.filter((d) => d !== 1).length === 1 && numel(shape) >= 2;

/** The nodes each tensor's value depends on (its producer and everything upstream). */
function ancestors(graph: Graph, tensor: string): Set<Node> {
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const seen = new Set<Node>();
  const stack = [tensor];
  while (stack.length) {
    const n = producer.get(stack.pop()!);
    if (!n || seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs.filter(Boolean));
  }
  return seen;
}

/** `--exits out1,out2` or `--exits auto` (every score-vector output, shallowest first) → the exit
 * outputs in stage order. Every graph output must be an exit (the adaptive API has one score buffer). */
export function resolveExits(graph: Graph, spec: string): string[] {
  const exits =
    spec === 'auto'
      ? graph.outputs.filter((o) => isScoreVector(graph.tensors[o]!.shape)).sort((a, b) => ancestors(graph, a).size - ancestors(graph, b).size)
      : spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of exits) if (!graph.outputs.includes(e)) throw inputError(`--exits: '${e}' is not an output of the model (outputs: ${graph.outputs.join(', ')})`);
  if (new Set(exits).size !== exits.length) throw inputError(`--exits: an output is named twice in '${spec}'`);
  if (exits.length < 2) throw inputError(`--exits: a staged program needs at least 2 exits, got ${exits.length} (${spec === 'auto' ? 'score-vector outputs of the model' : spec})`);
  const missing = graph.outputs.filter((o) => !exits.includes(o));
  if (missing.length) throw inputError(`--exits: every output must be an exit; add ${missing.join(', ')} (or give --exits auto)`);
  const t0 = graph.tensors[exits[0]!]!;
  for (const e of exits) {
    const t = graph.tensors[e]!;
    if (!isScoreVector(t.shape) || numel(t.shape) !== numel(t0.shape) || t.dtype !== t0.dtype)
      throw inputError(`--exits: '${e}' [${t.shape.join(', ')}] ${t.dtype} is not a class-score vector like '${exits[0]}' [${t0.shape.join(', ')}] ${t0.dtype}`);
  }
  return exits;
}

/** Stage of each node: the first exit (in the given order) that needs it. Nodes no exit needs get
 * the last stage. Every stage is closed under "needs": an ancestor's stage is never later. */
export function stageOfNodes(graph: Graph, exits: string[]): Map<Node, number> {
  const stage = new Map<Node, number>();
  exits.forEach((e, k) => {
    for (const n of ancestors(graph, e)) if (!stage.has(n)) stage.set(n, k);
  });
  for (const n of graph.nodes) if (!stage.has(n)) stage.set(n, exits.length - 1);
  return stage;
}

/** The nodes regrouped by stage, each stage in the given (memory-aware) order: still topological,
 * since an ancestor never belongs to a later stage. */
export function orderByStage(graph: Graph, exits: string[]): Graph {
  const stage = stageOfNodes(graph, exits);
  const nodes = graph.nodes.map((n, i) => ({ n, i })).sort((a, b) => stage.get(a.n)! - stage.get(b.n)! || a.i - b.i).map((x) => x.n);
  return { ...graph, nodes };
}

export interface ExitInfo {
  output: string;
  /** Layer indices (EmittedModel.layers) of the stage that ends at this exit. */
  layers: number[];
  /** MACs of this stage alone. */
  macs: number;
  /** int8 scores: their scale (the margin in real units is (q1 − q2) · scale). */
  scale?: number;
  /** int8 scores: round(2^16 · exp(−scale · d)) for d = 0..255, the softmax policy's table. */
  expTable?: number[];
}

/** Q16 exp(−(top1 − s)) of one float score: float32 subtract and multiply (IEEE, so C and TS round
 * alike), then integers only. Within 0.3 % of exp (the 1/256 step in log2 units), deterministic. */
export function floatExpTermQ16(top1: number, s: number): number {
  const t = Math.fround(Math.fround(top1 - s) * LOG2E_F32);
  if (!(t < POW2_CUTOFF)) return 0;
  const q = Math.trunc(t * 256);
  return POW2_TABLE_Q16[q & 255]! >> (q >> 8);
}

export interface AdaptiveModel extends EmittedModel {
  exits: ExitInfo[];
  /** Packed harness layout with -DHARC_ADAPTIVE_HARNESS: policy words then the input; exit index then scores. */
  adaptiveInputBytes: number;
  adaptiveOutputBytes: number;
  int8: boolean;
}

/** round(2^16 · exp(−scale · d)), d = 0..255: computed once here, the same table in C and TS. */
export const expTableQ16 = (scale: number): number[] => Array.from({ length: 256 }, (_, d) => Math.round(ONE_Q16 * Math.exp(-scale * d)));

/** Runs the stages of src/backends/pipeline.ts with the schedule regrouped by stage before the arena
 * is planned, then adds the staged API to the rendered C. */
export function compileAdaptive(graph: Graph, exitSpec: string, opts: PipelineOptions = {}): AdaptiveModel {
  if (opts.memory?.ioInArena) throw inputError('--exits cannot be combined with --io-in-arena (the adaptive API writes scores to the caller\'s buffer)');
  let exits: string[] = [];
  let s: PipelineState = { graph };
  for (const stage of STAGES) {
    let next = stage.run(s, opts);
    // shapes are known from here on (the exits keep their names through the float passes)
    if (stage.name === 'float passes') exits = resolveExits(next.graph, exitSpec);
    if (stage.name === 'schedule') next = { ...next, graph: orderByStage(next.graph, exits) };
    opts.onStage?.(stage.name, stage.summary(s, next, opts));
    s = next;
  }
  return addStagedApi(s.model!, exits);
}

function addStagedApi(model: EmittedModel, exits: string[]): AdaptiveModel {
  const { graph, plan, prefix } = model;
  const stage = stageOfNodes(graph, exits);
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const stageOfLayer = model.layers.map((l) => stage.get(nodeByName.get(l.name)!)!);
  // Every exit's scores go to the one `out` buffer, so no later stage may read a tensor placed there.
  for (const [bi, b] of plan.buffers.entries()) {
    if (b.location.kind !== 'output') continue;
    const k = exits.indexOf(graph.outputs[b.location.index]!);
    for (const n of graph.nodes)
      if (stage.get(n)! > k && n.inputs.some((t) => plan.bufferOf[t] === bi))
        throw inputError(`--exits: node '${n.name}' of stage ${stage.get(n)! + 1} reads exit '${exits[k]}''s output buffer; give the exits in depth order`);
  }
  const out = graph.tensors[exits[0]!]!;
  const int8 = out.dtype === 'int8';
  if (!int8 && out.dtype !== 'float32') throw inputError(`--exits: scores of type ${out.dtype} are not supported (float32 or int8)`);
  const classes = numel(out.shape);
  const ctype = int8 ? 'int8_t' : 'float';
  const infos: ExitInfo[] = exits.map((e, k) => {
    const layers = model.layers.filter((_, i) => stageOfLayer[i] === k).map((l) => l.index);
    const scale = graph.tensors[e]!.quant?.scale[0];
    return { output: e, layers, macs: layers.reduce((s, i) => s + model.layers[i]!.macs, 0), ...(int8 ? { scale, expTable: expTableQ16(scale!) } : {}) };
  });
  const K = exits.length;
  const P = prefix.toUpperCase();
  const inParams = graph.inputs.map((n, i) => `const ${cTypeOf(graph.tensors[n]!.dtype)} *${apiName(n, 'in', i)}`);
  const aliases = exits.map((e) => `  ${ctype} *${apiName(e, 'out', graph.outputs.indexOf(e))} = out;`);
  const stages = infos.map((x, k) => [
    `  /* stage ${k + 1}: ${x.layers.length} layers, ${x.macs} MACs, ending at exit '${x.output}' */`,
    ...x.layers.map((i) => model.layers[i]!.call),
    k < K - 1 ? `  if (${prefix}_exit_leaves(${k}, out, p)) return ${k};` : `  return ${k};`,
  ]);
  const thrType = int8 ? 'int32_t' : 'float';
  const header = `
/* ---- Adaptive inference (harc compile --exits): ${K} exits ${exits.map((e) => `'${e}'`).join(', ')}. ---- */
#define ${P}_EXITS ${K}
#define ${P}_POLICY_MARGIN 0
#define ${P}_POLICY_SOFTMAX 1

/** Decision policy, a run-time argument. kind ${P}_POLICY_MARGIN: leave at exit k when top-1 − top-2
 * of its scores ≥ threshold[k]${int8 ? ' (int8 units: θ / scale, rounded up)' : ''}. kind ${P}_POLICY_SOFTMAX: leave when
 * ${int8 ? 'Σ_j round(2^16·exp(scale·(s_j − s_max)))' : 'Σ_j E(s_max − s_j), E(d) = 2^16·2^(−d·log2 e) on a 1/256 grid in log2 units,'} ≤ threshold[k], i.e. max softmax ≥ 2^16 / threshold[k].
 * threshold[${K - 1}] (the last exit) is not read. harc computes thresholds from θ (src/backends/adaptive.ts). */
typedef struct {
  int32_t kind;
  ${thrType} threshold[${K}];
} ${prefix}_policy;

/** Runs the stages until the policy accepts an exit; writes that exit's ${classes} scores to out and
 * returns its index (0 = first exit). ${prefix}_run() still runs the whole network. */
int ${prefix}_run_adaptive(${[...inParams, `${ctype} *out`, `const ${prefix}_policy *p`].join(', ')});

/** Packed form for harc's harnesses: in = kind, thresholds (4 bytes each), input; out = int32 exit, scores. */
int ${prefix}_invoke_adaptive_packed(const void *in, void *out);

#ifdef HARC_ADAPTIVE_HARNESS
#undef HARC_MODEL_INPUT_BYTES
#undef HARC_MODEL_OUTPUT_BYTES
#undef HARC_MODEL_INVOKE
#define HARC_MODEL_INPUT_BYTES ${4 * (1 + K) + model.inputBytes}
#define HARC_MODEL_OUTPUT_BYTES ${4 + model.outputBytes / K}
#define HARC_MODEL_INVOKE(in, out) ${prefix}_invoke_adaptive_packed((in), (out))
#endif

`;
  const tables = int8
    ? infos.slice(0, K - 1).map((x, k) => `static const int32_t ${prefix}_exp_q16_${k}[256] = {\n${x.expTable!.map((v) => `  ${v},`).join('\n')}\n};`).join('\n')
    : `/* round(2^16 · 2^(−f/256)): the softmax policy's exp, as a shift and this table */\nstatic const int32_t ${prefix}_pow2_q16[256] = {\n${POW2_TABLE_Q16.map((v) => `  ${v},`).join('\n')}\n};`;
  const leaves = `
/* Top-1 and top-2 of the scores, then the policy's test, in ${int8 ? 'integers only' : 'float32 then integers (the same operations as the TS reference)'}. */
static int ${prefix}_exit_leaves(int k, const ${ctype} *s, const ${prefix}_policy *p)
{
  ${int8 ? 'int32_t' : 'float'} top1 = s[0], top2 = s[1];
  int i;
  if (top2 > top1) { top1 = s[1]; top2 = s[0]; }
  for (i = 2; i < ${classes}; ++i) {
    if (s[i] > top1) { top2 = top1; top1 = s[i]; }
    else if (s[i] > top2) top2 = s[i];
  }
  if (p->kind == ${P}_POLICY_MARGIN) return top1 - top2 >= p->threshold[k];
${
  int8
    ? `  {
    static const int32_t *const table[${K - 1}] = { ${infos.slice(0, K - 1).map((_, j) => `${prefix}_exp_q16_${j}`).join(', ')} };
    int32_t sum = 0;
    for (i = 0; i < ${classes}; ++i) sum += table[k][top1 - (int32_t)s[i]];
    return sum <= p->threshold[k];
  }`
    : `  {
    int32_t sum = 0;
    for (i = 0; i < ${classes}; ++i) {
      const float t = (top1 - s[i]) * ${LOG2E_F32.toPrecision(9)}f;
      if (t < ${POW2_CUTOFF}.0f) {
        const int32_t q = (int32_t)(t * 256.0f);
        sum += ${prefix}_pow2_q16[q & 255] >> (q >> 8);
      }
    }
    return (float)sum <= p->threshold[k];
  }`
}
}

int ${prefix}_run_adaptive(${[...inParams, `${ctype} *out`, `const ${prefix}_policy *p`].join(', ')})
{
${aliases.join('\n')}
${stages.flat().join('\n')}
}

int ${prefix}_invoke_adaptive_packed(const void *in, void *out)
{
  const unsigned char *ip = (const unsigned char *)in;
  unsigned char *op = (unsigned char *)out;
  ${prefix}_policy p;
  int32_t e;
  unsigned i;
  for (i = 0; i < 4u; ++i) ((unsigned char *)&p.kind)[i] = ip[i];
  for (i = 0; i < ${4 * K}u; ++i) ((unsigned char *)p.threshold)[i] = ip[4u + i];
  e = ${prefix}_run_adaptive(${graph.inputs.map((n) => `(const ${cTypeOf(graph.tensors[n]!.dtype)} *)(ip + ${4 * (1 + K)})`).join(', ')}, (${ctype} *)(op + 4), &p);
  for (i = 0; i < 4u; ++i) op[i] = ((const unsigned char *)&e)[i];
  return 0;
}
`;
  if (graph.inputs.length !== 1) throw inputError(`--exits: models with ${graph.inputs.length} inputs are not supported (one input)`);
  const h = model.files['model.h']!;
  const at = h.lastIndexOf('#ifdef __cplusplus');
  const files = { ...model.files, 'model.h': h.slice(0, at) + header + h.slice(at), 'model.c': model.files['model.c']! + '\n' + tables + leaves };
  return { ...model, files, exits: infos, int8, adaptiveInputBytes: 4 * (1 + K) + model.inputBytes, adaptiveOutputBytes: 4 + model.outputBytes / K };
}

export interface Policy {
  kind: PolicyKind;
  /** θ per exit (real units: a score margin, or a probability); the last exit's is not used. */
  thetas: number[];
}

/** `margin:0.5,1.2` / `softmax:0.9,0.95` → a policy (missing thetas: the last one given repeats). */
export function parsePolicy(spec: string, exits: number): Policy {
  const m = /^(margin|softmax):(.+)$/.exec(spec);
  if (!m) throw inputError(`--policy '${spec}': use margin:θ1,θ2,… or softmax:θ1,θ2,…`);
  const thetas = m[2]!.split(',').map(Number);
  if (thetas.some((t) => !Number.isFinite(t))) throw inputError(`--policy '${spec}': thresholds must be numbers`);
  if (thetas.length > exits) throw inputError(`--policy '${spec}': ${thetas.length} thresholds for ${exits} exits`);
  while (thetas.length < exits) thetas.push(thetas[thetas.length - 1]!);
  return { kind: m[1] as PolicyKind, thetas };
}

/** The thresholds the device compares with, from θ (computed here, never on the device). */
export function policyThresholds(model: Pick<AdaptiveModel, 'exits' | 'int8'>, p: Policy): number[] {
  return model.exits.map((x, k) => {
    const t = p.thetas[k] ?? 0;
    if (!model.int8) return Math.fround(p.kind === 'margin' ? t : t <= 0 ? Infinity : Math.floor(ONE_Q16 / t));
    if (p.kind === 'margin') return t <= 0 ? 0 : Math.min(256, Math.ceil(t / x.scale!));
    return t <= 0 ? ALWAYS : Math.min(ALWAYS, Math.floor(ONE_Q16 / t));
  });
}

/** The device's decision for exit k, in TS: the same integer (or float32) arithmetic as the C. */
export function exitLeaves(model: Pick<AdaptiveModel, 'exits' | 'int8'>, k: number, scores: ArrayLike<number>, kind: PolicyKind, threshold: number): boolean {
  let top1 = scores[0]!;
  let top2 = scores[1]!;
  if (top2 > top1) [top1, top2] = [top2, top1];
  for (let i = 2; i < scores.length; i++) {
    if (scores[i]! > top1) [top2, top1] = [top1, scores[i]!];
    else if (scores[i]! > top2) top2 = scores[i]!;
  }
  if (kind === 'margin') return (model.int8 ? top1 - top2 : Math.fround(top1 - top2)) >= threshold;
  return softmaxSumQ16(model, k, scores, top1) <= threshold;
}

/** The softmax policy's statistic at exit k: Σ_j exp(s_j − s_max) in Q16, as the device computes it. */
export function softmaxSumQ16(model: Pick<AdaptiveModel, 'exits' | 'int8'>, k: number, scores: ArrayLike<number>, top1 = Math.max(...Array.from(scores))): number {
  let sum = 0;
  if (model.int8) {
    const table = model.exits[k]!.expTable!;
    for (let i = 0; i < scores.length; i++) sum += table[top1 - scores[i]!]!;
  } else for (let i = 0; i < scores.length; i++) sum += floatExpTermQ16(top1, scores[i]!);
  return sum;
}

/** The exit a window takes, given every exit's scores (in exit order). */
export function exitTaken(model: Pick<AdaptiveModel, 'exits' | 'int8'>, scores: ArrayLike<number>[], kind: PolicyKind, thresholds: number[]): number {
  for (let k = 0; k < scores.length - 1; k++) if (exitLeaves(model, k, scores[k]!, kind, thresholds[k]!)) return k;
  return scores.length - 1;
}

/** Packs one harness input: policy words (little-endian) then the input bytes. */
export function packAdaptiveInput(model: Pick<AdaptiveModel, 'int8'>, kind: PolicyKind, thresholds: number[], input: Uint8Array): Uint8Array {
  const buf = new Uint8Array(4 * (1 + thresholds.length) + input.length);
  const dv = new DataView(buf.buffer);
  dv.setInt32(0, POLICY_KINDS.indexOf(kind), true);
  thresholds.forEach((t, k) => (model.int8 ? dv.setInt32(4 + 4 * k, t, true) : dv.setFloat32(4 + 4 * k, t, true)));
  buf.set(input, 4 * (1 + thresholds.length));
  return buf;
}
