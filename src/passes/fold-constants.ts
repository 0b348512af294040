import { inferShapes } from '../ir/infer.ts';
import type { Graph } from '../ir/types.ts';
import { eliminateDeadCode } from './dead-code.ts';

/** Evaluates every node whose inputs are all constants (incl. Shape of a static tensor), then drops
 * the folded nodes. */
export const foldConstants = (graph: Graph): Graph => eliminateDeadCode(inferShapes(graph, { fold: true }));
