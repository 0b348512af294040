import type { Graph, Node } from '../../../ir/types.ts';
import type { Lowering } from '../lower/context.ts';
import { int8Lowerings } from '../lower/int8.ts';

// Kernel sets, in the spirit of TFLM's kernels/ vs kernels/cmsis_nn/: the same lowering interface
// and the same prepared parameters (src/ir/int8/prepare.ts), one table op → lowering per set. A
// set's lowering may decline a node (`accepts`); the node then goes to the reference lowering. The
// set is chosen by name (`--kernels`) and may depend on the target. Adding a set is one file in
// this directory that calls registerKernelSet, imported from ./index.ts.

/** A lowering of a kernel set: `accepts` (default: every node) says whether it takes this node;
 * decided from the graph alone, like its declared scratch. */
export type KernelLowering = Lowering & { accepts?: (graph: Graph, node: Node) => boolean };

export interface KernelSet {
  name: string;
  /** One line for `--help`, `harc ops` and the docs. */
  summary: string;
  /** Runtime headers (templates/runtime/) model.c includes, in order, when the model is integer. */
  runtimeHeaders: readonly string[];
  /** The weight layouts it emits (the reference weights only for the nodes it declines). */
  weightLayout: string;
  /** Its int8 lowerings for a target (the C compiler target decides nothing: the set does). */
  int8(target: string): Readonly<Record<string, KernelLowering>>;
  /** Its float32 lowerings for a target (absent: the portable float lowerings for every node). */
  float?(target: string): Readonly<Record<string, KernelLowering>>;
  /** Its int8 Conv reads a channels-first graph input in place (x_layout NCHW: the layout transpose
   * layer goes, src/passes/absorb-input-transpose.ts); absent: the transpose stays a layer. */
  int8ChannelsFirstInput?: boolean;
  /** Nodes its kernels run as one (fused epilogues), rewritten before scheduling and planning so
   * the plan sees the fused node; absent: none. */
  epilogues?(graph: Graph, target: string): Graph;
}

const sets = new Map<string, KernelSet>();

export function registerKernelSet(set: KernelSet): void {
  sets.set(set.name, set);
}

export const kernelSetNames = (): string[] => [...sets.keys()];
export const kernelSetNamed = (name: string): KernelSet | undefined => sets.get(name);

/** The default set of the library API: every path under `#if` (one model.c for any core). */
export const DEFAULT_KERNEL_SET = 'portable';

/** The set the CLI uses when `--kernels` is not given: on an MCU target the fastest there is for
 * it (harc's own path alone, bit-exact with every other set), so `harc measure` and `harc check`
 * report what a user would ship; elsewhere the portable C, which builds for any core. */
export const defaultKernelSetFor = (target: string): string => (target === 'cortex-m4' || target === 'riscv' ? 'harc' : DEFAULT_KERNEL_SET);

/** The int8 lowering of `node` under a set for a target: the set's if it takes the node, else the
 * reference lowering (undefined when there is none). */
export function int8LoweringFor(set: KernelSet, target: string, graph: Graph, node: Node): Lowering | undefined {
  const own = set.int8(target)[node.op];
  if (own && (!own.accepts || own.accepts(graph, node))) return own;
  return int8Lowerings[node.op];
}

/** The float lowering of `node` under a set for a target: the set's if it takes the node, else the
 * portable one. */
export function floatLoweringFor(set: KernelSet, target: string, graph: Graph, node: Node, portable: Readonly<Record<string, Lowering>>): Lowering | undefined {
  const own = set.float?.(target)[node.op];
  if (own && (!own.accepts || own.accepts(graph, node))) return own;
  return portable[node.op];
}
