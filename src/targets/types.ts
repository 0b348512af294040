/** Shared types of the target backends (build, run, measure). */

export type TargetName = 'host' | 'cortex-m4' | 'riscv';
export type McuTargetName = Exclude<TargetName, 'host'>;

export const TARGET_NAMES: readonly TargetName[] = ['host', 'cortex-m4', 'riscv'];

export type OptLevel = 'O0' | 'O1' | 'O2' | 'O3' | 'Os';

/** Instruction classes reported by the QEMU plugin (toolchain/plugin/insn_count.c). */
export const INSN_CLASSES = [
  'load',
  'store',
  'mul',
  'mac',
  'div',
  'branch',
  'fp',
  'fpmac',
  'fpdiv',
  'other',
] as const;
export type InsnClass = (typeof INSN_CLASSES)[number];
export type ClassCounts = Record<InsnClass, number>;

/**
 * Multi-word loads and stores (LDM/POP/LDRD/VLDM/VPOP/VLDR.64 and the store
 * forms), counted by the QEMU plugin inside their class: how many executed
 * and how many 32-bit words they moved.
 */
export interface MultiTransferCounts {
  loads: number;
  loadWords: number;
  stores: number;
  storeWords: number;
}

/** A code region whose entry address starts a measurement segment (usually a layer function). */
export interface Segment {
  address: number;
  id: number;
  name: string;
}

export interface SegmentCount {
  id: number;
  name: string;
  instructions: number;
}

export function isMcuTarget(target: TargetName): target is McuTargetName {
  return target !== 'host';
}

export function emptyClassCounts(): ClassCounts {
  const counts = {} as ClassCounts;
  for (const c of INSN_CLASSES) counts[c] = 0;
  return counts;
}
