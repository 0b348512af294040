import type { Node } from '../types.ts';

/** A clamp fused into a producer (Relu, Relu6, Clip): harc attributes act_min / act_max. */
export function fusedClamp(node: Node): { min: number; max: number } {
  const min = typeof node.attrs['act_min'] === 'number' ? (node.attrs['act_min'] as number) : -Infinity;
  const max = typeof node.attrs['act_max'] === 'number' ? (node.attrs['act_max'] as number) : Infinity;
  return { min, max };
}

export const clampValue = (v: number, c: { min: number; max: number }): number => Math.min(Math.max(v, c.min), c.max);
