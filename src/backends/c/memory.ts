import { lookupOp, traitsOf } from '../../ir/registry.ts';
import { inPlaceInputsOf } from '../../ir/traits.ts';
import type { Graph, Node } from '../../ir/types.ts';
import { planArena, type ArenaPlan, type MemoryOptions, type PlanBudget } from '../../planning/arena-plan.ts';
import { scheduleForMemory, type ScheduleResult } from '../../planning/schedule.ts';
import type { Lowering } from './lower/context.ts';

/** Memory options of the C backend (harc compile --align, --io-in-arena, ...). */
export interface CMemoryOptions {
  /** Arena buffer alignment in bytes (default: 8; see defaultAlignment for per-target values). */
  alignment?: number;
  /** Graph inputs / outputs inside the arena; the API gains <prefix>_input(i) / _output(i) /
   * _invoke() and <prefix>_run() copies in and out. */
  ioInArena?: boolean;
  /** Memory-aware scheduling (default true). */
  schedule?: boolean;
  /** In-place elementwise kernels (default true). */
  inPlace?: boolean;
  /** Concats as views of their producers' outputs (default true). */
  concatInPlace?: boolean;
  /** Arena offset planner by name (src/planning/planner.ts; default 'search'). */
  planner?: string;
  /** Scheduling and placement search budget (counts, never time). */
  budget?: Partial<PlanBudget>;
  /** Kernel set by name (src/backends/c/kernels/; default 'portable'); it declares the scratch
   * its lowerings need, so it is part of what memory planning sees. */
  kernels?: string;
  /** The target the kernel set lowers for (default 'host'). */
  target?: string;
}

/** Arena alignment per target: 4 bytes is what every Cortex-M4 / RV32 load needs (float, int32,
 * LDRD on M4, word-wise int8 SIMD); the host keeps 8. */
export const defaultAlignment = (target: string): number => (target === 'cortex-m4' || target === 'riscv' ? 4 : 8);

/** Inputs the float kernel of `node` may overwrite with its output (elementwise ops, and those with
 * the inPlace trait: BatchNormalization, Softmax): each of these kernels reads an element (or a
 * whole softmax row) before writing the same element, and the C has no `restrict`. Integer kernels
 * are never in place (their parameters may differ per operand), nor are pooling, conv, gemm,
 * transposes and recurrent ops. */
export function inPlaceInputs(graph: Graph, node: Node): number[] {
  const t = (name: string | undefined) => (name ? graph.tensors[name] : undefined);
  const allFloat = [...node.inputs, ...node.outputs].every((n) => !n || t(n)?.dtype === 'float32');
  if (!allFloat || t(node.outputs[0])?.quant) return [];
  return inPlaceInputsOf(traitsOf(node.op));
}

/** The scratch each kernel's lowering declares (Lowering.scratchBytes), so scratch can be
 * scheduled and planned like a tensor without running the lowering. */
export function declaredScratch(graph: Graph, lowerOf: (n: Node) => Lowering | undefined): Map<Node, number> {
  const scratch = new Map<Node, number>();
  for (const node of graph.nodes) {
    if (lookupOp(node.op)?.isView) continue;
    const bytes = lowerOf(node)?.scratchBytes?.(graph, node) ?? 0;
    if (bytes > 0) scratch.set(node, bytes);
  }
  return scratch;
}

/** What memory planning needs to know of the C backend: alignment, in-place kernels, scratch. */
function memoryModel(graph: Graph, lowerOf: (n: Node) => Lowering | undefined, opts: CMemoryOptions): MemoryOptions {
  const scratchBytes = declaredScratch(graph, lowerOf);
  return {
    alignment: opts.alignment ?? 8,
    ioInArena: opts.ioInArena ?? false,
    concatInPlace: opts.concatInPlace ?? true,
    inPlace: opts.inPlace === false ? undefined : (n: Node) => inPlaceInputs(graph, n),
    scratch: (n: Node) => scratchBytes.get(n) ?? 0,
  };
}

/** Stage 'schedule': the graph with its nodes in the memory-aware order (the given graph is not
 * changed; with `schedule: false` it is returned as it is). */
export function scheduleModel(graph: Graph, lowerOf: (n: Node) => Lowering | undefined, opts: CMemoryOptions = {}): { graph: Graph; schedule?: ScheduleResult } {
  if (opts.schedule === false) return { graph };
  const schedule = scheduleForMemory(graph, { ...memoryModel(graph, lowerOf, opts), budget: opts.budget });
  return { graph: { ...graph, nodes: schedule.nodes }, schedule };
}

/** Stage 'plan arena': liveness over the graph's node order and the offsets of every buffer. */
export const planModelArena = (graph: Graph, lowerOf: (n: Node) => Lowering | undefined, opts: CMemoryOptions = {}): ArenaPlan =>
  planArena(graph, { ...memoryModel(graph, lowerOf, opts), planner: opts.planner, budget: opts.budget });

/** Schedules `graph` for memory and plans its arena; returns the graph with its nodes in the
 * scheduled order (the given graph is not changed). */
export function planModelMemory(
  graph: Graph,
  lowerOf: (n: Node) => Lowering | undefined,
  opts: CMemoryOptions = {},
): { graph: Graph; plan: ArenaPlan; schedule?: ScheduleResult } {
  const { graph: scheduled, schedule } = scheduleModel(graph, lowerOf, opts);
  return { graph: scheduled, plan: planModelArena(scheduled, lowerOf, opts), schedule };
}
