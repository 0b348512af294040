import type { Graph, Node } from '../../../ir/types.ts';
import { cloneGraph, producerOf, singleConsumer } from '../../../passes/rewrite.ts';
import { int8UnaryTable } from './int8-unary-table.ts';

// Fused table epilogues (kernel set `harc`): an int8 HardSwish / Sigmoid / Tanh whose input is
// read by nothing else is applied by the layer that produces that input, as it writes each output
// byte: out = table[requantized + 128], the table being the one the unfused layer would run
// (int8-unary-table.ts, the reference integer kernel on all 256 codes), so the bytes are the
// unfused sequence's. The intermediate tensor leaves the schedule and the arena plan (the planner
// sees one node writing the activation's output); it stays in `tensors` because the producer's
// requantization is to its scale and zero point.

/** Activations whose int8 kernel is a function of one code (a 256-entry table). */
const TABLE_OPS = new Set(['HardSwish', 'Sigmoid', 'Tanh']);

/** Attribute of a fused producer: the name of its own int8 output (the removed intermediate). */
export const EPILOGUE_OF = 'harc_epilogue_of';
/** Attribute of a fused producer: the 256 output codes of the absorbed activation. */
export const EPILOGUE_TABLE = 'harc_epilogue_table';
/** Attribute of a fused producer: the op of the absorbed activation (for comments and reports). */
export const EPILOGUE_OP = 'harc_epilogue_op';

const is8 = (g: Graph, name: string): boolean => g.tensors[name]?.dtype === 'int8' && g.tensors[name]?.quant?.bits === 8;

/** The node as its lowering's parameters are computed: with its own int8 output, before fusion. */
export const unfused = (n: Node): Node => (typeof n.attrs[EPILOGUE_OF] === 'string' ? { ...n, outputs: [n.attrs[EPILOGUE_OF], ...n.outputs.slice(1)] } : n);

/** The fused table of a producer, if it has one. */
export const epilogueTable = (n: Node): number[] | undefined => (Array.isArray(n.attrs[EPILOGUE_TABLE]) ? (n.attrs[EPILOGUE_TABLE] as number[]) : undefined);

/** Fuses every table activation into its producer where `canFuse(graph, producer)` says the
 * producer's kernel applies a table as it writes. */
export function fuseTableEpilogues(graph: Graph, canFuse: (g: Graph, producer: Node) => boolean): Graph {
  let g: Graph | undefined;
  for (const act of graph.nodes) {
    if (!TABLE_OPS.has(act.op)) continue;
    const mid = act.inputs[0]!;
    const out = act.outputs[0]!;
    if (!is8(graph, mid) || !is8(graph, out) || singleConsumer(graph, mid) !== act) continue;
    const prod = producerOf(graph, mid);
    if (!prod || prod.outputs.length !== 1 || epilogueTable(prod) || !canFuse(graph, prod)) continue;
    g ??= cloneGraph(graph);
    const table = int8UnaryTable(graph, act);
    const p = g.nodes.find((n) => n.name === prod.name)!;
    p.attrs[EPILOGUE_OF] = mid;
    p.attrs[EPILOGUE_TABLE] = table;
    p.attrs[EPILOGUE_OP] = act.op;
    p.outputs = [out];
    g.nodes = g.nodes.filter((n) => n.name !== act.name);
  }
  return g ?? graph;
}
