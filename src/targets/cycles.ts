/**
 * Cycle estimates from instruction-class counts (see toolchain/README.md,
 * "Timing model"). These are static models, not cycle-accurate simulation:
 * no wait states, no cache/bus contention, no operand-dependent latency.
 */
import { INSN_CLASSES, type ClassCounts, type InsnClass, type MultiTransferCounts } from './types.ts';

export type CycleModel = 'cortex-m4' | 'riscv';

export interface TimingModel {
  /** Cycles per instruction of each class. */
  perClass: Record<InsnClass, number>;
  /** Extra cycles per taken branch (pipeline refill). */
  takenBranchPenalty: number;
  /** Cycles saved per load issued right after another load (pipelined). */
  pipelinedLoadSaving: number;
  /**
   * Multi-word loads/stores cost `1 + words` instead of their class's cost
   * (false: they cost what their class costs).
   */
  multiTransferOnePlusN: boolean;
  /** Cycles added when a load/store's address register was written by the instruction before. */
  addressDependencyStall: number;
}

/**
 * Cortex-M4 (ARM DDI 0439B, Cortex-M4 TRM r0p1; every rule with its section
 * is in toolchain/README.md, "Timing model"):
 * ALU 1; LDR 2, or 1 when pipelined behind another single load whose result
 * it does not use as address (3.3.2); +1 for a load/store whose address register
 * the instruction just before computed (3.3.2, no forwarding path);
 * STR 1 (3.3.2: address phase overlaps the next instruction);
 * LDM/STM/PUSH/POP/LDRD/STRD 1+N for N words, never pipelined (table 3-1, 3.3.2);
 * MUL/MLA/SMLAxx/SMLAD and DSP SIMD 1; SDIV/UDIV 2-12 → 7 (mid value);
 * branch 1 + P with P = 2 (refill 1-3) for taken branches;
 * FPU (table 7-1): VADD/VSUB/VMUL/VCVT/VMOV/VCMP 1, VMLA/VFMA 3, VDIV/VSQRT 14,
 * VLDR/VSTR 2/1 like LDR/STR, VLDM/VSTM/VPUSH/VPOP and VLDR/VSTR.64 1+N words.
 */
export const CORTEX_M4_TIMING: TimingModel = {
  perClass: {
    load: 2,
    store: 1,
    mul: 1,
    mac: 1,
    div: 7,
    branch: 1,
    fp: 1,
    fpmac: 3,
    fpdiv: 14,
    other: 1,
  },
  takenBranchPenalty: 2,
  pipelinedLoadSaving: 1,
  multiTransferOnePlusN: true,
  addressDependencyStall: 1,
};

/**
 * Simple in-order single-issue RV32IMC core (SiFive E31-like): 1 cycle per
 * instruction, loads 2 (1-cycle load-use bubble assumed), MUL 1 (pipelined),
 * DIV/REM 33 (bit-serial divider), taken branch/jump +2 (no prediction).
 * F/D are absent on rv32imc: soft-float helper calls show up as integer code.
 */
export const RISCV_TIMING: TimingModel = {
  perClass: {
    load: 2,
    store: 1,
    mul: 1,
    mac: 1,
    div: 33,
    branch: 1,
    fp: 1,
    fpmac: 1,
    fpdiv: 1,
    other: 1,
  },
  takenBranchPenalty: 2,
  pipelinedLoadSaving: 0,
  multiTransferOnePlusN: false,
  addressDependencyStall: 0,
};

export interface CycleOptions {
  model?: CycleModel;
  /** Loads directly following a load (plugin counter `pipelinedLoads`). */
  pipelinedLoads?: number;
  /** Multi-word loads/stores (plugin counters `multi_*`); absent = none. */
  multiTransfers?: MultiTransferCounts;
  /** Loads/stores right after the instruction that computed their address (plugin `address_stalls`). */
  addressStalls?: number;
}

/** Estimated core cycles for the given class counts and taken branches. */
export function estimateCycles(
  classCounts: Partial<ClassCounts>,
  takenBranches: number,
  opts: CycleOptions = {},
): number {
  const timing = (opts.model ?? 'cortex-m4') === 'cortex-m4' ? CORTEX_M4_TIMING : RISCV_TIMING;
  let cycles = 0;
  for (const c of INSN_CLASSES) cycles += (classCounts[c] ?? 0) * timing.perClass[c];
  cycles += takenBranches * timing.takenBranchPenalty;
  cycles -= Math.min(opts.pipelinedLoads ?? 0, classCounts.load ?? 0) * timing.pipelinedLoadSaving;
  const m = opts.multiTransfers;
  if (m && timing.multiTransferOnePlusN) {
    // Each was charged its class's cost above; replace that with 1 + words.
    cycles += m.loads + m.loadWords - m.loads * timing.perClass.load;
    cycles += m.stores + m.storeWords - m.stores * timing.perClass.store;
  }
  cycles += (opts.addressStalls ?? 0) * timing.addressDependencyStall;
  return cycles;
}
