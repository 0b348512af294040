import type { Value } from '../types.ts';

/** A node compiled for the fast interpreter: inputs in, outputs out. Outputs live in buffers
 * allocated once per compiled graph, so a value is valid until the kernel runs again. */
export type FastKernel = (inputs: (Value | undefined)[]) => Value[];
