// @module-tag qemu
/**
 * Pins the Cortex-M4 cycle model (toolchain/README.md, "Timing model") on
 * hand-written instruction sequences: each runs in QEMU with the counting
 * plugin, and the counters of the empty sequence are subtracted, so what is
 * left is exactly the snippet's own instructions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORTEX_M4_TIMING,
  INSN_CLASSES,
  buildFirmware,
  estimateCycles,
  runFirmware,
  type ClassCounts,
  type MultiTransferCounts,
  type RunResult,
} from '../../src/targets/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SNIPPETS = path.join(here, 'fixtures', 'cycle_snippets');

interface Counters {
  classes: Partial<ClassCounts>;
  pipelinedLoads: number;
  multiTransfers: MultiTransferCounts;
  addressStalls: number;
  takenBranches: number;
}

let work: string;
const runs = new Map<number, RunResult>();

async function runSnippet(n: number): Promise<RunResult> {
  const { elf } = await buildFirmware({ target: 'cortex-m4', modelDir: SNIPPETS, outDir: path.join(work, `s${n}`), defines: { SNIPPET: n } });
  return runFirmware({ target: 'cortex-m4', elf, input: new Uint8Array(4), inputBytes: 4, outputBytes: 4, measure: { segments: [] }, timeoutMs: 20_000 });
}

/** The snippet's own counters: its run minus the empty snippet's run. */
function snippetCounters(n: number): Counters {
  const a = runs.get(n)!;
  const b = runs.get(0)!;
  const classes: Partial<ClassCounts> = {};
  for (const c of INSN_CLASSES) {
    const d = a.classes![c] - b.classes![c];
    if (d !== 0) classes[c] = d;
  }
  const ma = a.multiTransfers!;
  const mb = b.multiTransfers!;
  return {
    classes,
    pipelinedLoads: a.pipelinedLoads! - b.pipelinedLoads!,
    multiTransfers: {
      loads: ma.loads - mb.loads,
      loadWords: ma.loadWords - mb.loadWords,
      stores: ma.stores - mb.stores,
      storeWords: ma.storeWords - mb.storeWords,
    },
    addressStalls: a.addressStalls! - b.addressStalls!,
    takenBranches: a.takenBranches! - b.takenBranches!,
  };
}

const cycles = (c: Counters) =>
  estimateCycles(c.classes, c.takenBranches, { pipelinedLoads: c.pipelinedLoads, multiTransfers: c.multiTransfers, addressStalls: c.addressStalls });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'harc-cycle-model-'));
  for (const n of [0, 1, 2, 3, 4, 5]) runs.set(n, await runSnippet(n));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Cortex-M4 cycle model on known instruction sequences', () => {
  it('single loads: LDR 2, the next three pipelined at 1, ADD 1, STR 1', () => {
    const c = snippetCounters(1);
    expect(c).toEqual({
      classes: { load: 4, store: 1, other: 1 },
      pipelinedLoads: 3,
      multiTransfers: { loads: 0, loadWords: 0, stores: 0, storeWords: 0 },
      addressStalls: 0,
      takenBranches: 0,
    });
    expect(cycles(c)).toBe(2 + 1 + 1 + 1 + 1 + 1);
  });

  it('LDM/STM/LDRD/STRD/PUSH/POP cost 1+N and break load pipelining', () => {
    const c = snippetCounters(2);
    expect(c).toEqual({
      classes: { load: 5, store: 3 },
      pipelinedLoads: 0,
      multiTransfers: { loads: 3, loadWords: 3 + 2 + 4, stores: 3, storeWords: 2 + 2 + 4 },
      addressStalls: 0,
      takenBranches: 0,
    });
    // ldm{3} 4, ldr 2, stm{2} 3, ldrd 3, ldr 2, strd 3, push{4} 5, pop{4} 5
    expect(cycles(c)).toBe(4 + 2 + 3 + 3 + 2 + 3 + 5 + 5);
  });

  it('VLDM/VSTM/VPUSH/VPOP count words (a D register is two), VLDR.64 is 1+2', () => {
    const c = snippetCounters(3);
    expect(c).toEqual({
      classes: { load: 5, store: 3 },
      pipelinedLoads: 1,
      multiTransfers: { loads: 3, loadWords: 4 + 2 + 4, stores: 2, storeWords: 2 + 4 },
      addressStalls: 0,
      takenBranches: 0,
    });
    // vldm{4} 5, vldr 2, vldr (pipelined) 1, vstm{2} 3, vldr.64 3, vpush{d8,d9} 5, vpop 5, vstr 1
    expect(cycles(c)).toBe(5 + 2 + 1 + 3 + 3 + 5 + 5 + 1);
  });

  it('a load/store right after the instruction that computed its address stalls 1; a load whose address was just loaded is not pipelined', () => {
    const c = snippetCounters(4);
    expect(c).toEqual({
      classes: { load: 4, store: 3, other: 4 },
      pipelinedLoads: 1,
      multiTransfers: { loads: 0, loadWords: 0, stores: 0, storeWords: 0 },
      addressStalls: 2,
      takenBranches: 0,
    });
    // str 1, adds 1, ldr [r1] 2+1 stall, ldr [r2] 2 (its base was just loaded), ldr [ip] 1 (pipelined),
    // add 1, str 1, mov 1, str [r1] 1+1 stall, cmp 1, ldr [r1] 2
    expect(cycles(c)).toBe(1 + 1 + 3 + 2 + 1 + 1 + 1 + 1 + 2 + 1 + 2);
  });

  it('FPU arithmetic (TRM table 7-1): VMUL and VADD 1, VFMA and VMLA 3, VDIV 14', () => {
    const c = snippetCounters(5);
    expect(c).toEqual({
      classes: { load: 2, store: 1, fp: 2, fpmac: 2, fpdiv: 1 },
      pipelinedLoads: 1,
      multiTransfers: { loads: 0, loadWords: 0, stores: 0, storeWords: 0 },
      addressStalls: 0,
      takenBranches: 0,
    });
    // vldr 2, vldr (pipelined) 1, vmul 1, vadd 1, vfma 3, vmla 3, vdiv 14, vstr 1: a multiply-add
    // costs 2 as VMUL + VADD and 3 as one VFMA, which is why the float kernels do not fuse
    expect(cycles(c)).toBe(2 + 1 + 1 + 1 + 3 + 3 + 14 + 1);
  });

  it('the instruction counts themselves are unchanged by the model', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const c = snippetCounters(n);
      const insns = Object.values(c.classes).reduce((s, x) => s + (x ?? 0), 0);
      expect(insns).toBe(runs.get(n)!.instructions! - runs.get(0)!.instructions!);
      expect(insns).toBe([0, 6, 8, 8, 11, 8][n]);
    }
  });
});

describe('estimateCycles with multi-word transfers', () => {
  it('replaces the class cost of each transfer by 1 + words on Cortex-M4 only', () => {
    const m = { loads: 2, loadWords: 7, stores: 1, storeWords: 4 };
    const base = estimateCycles({ load: 5, store: 3, other: 2 }, 1, { pipelinedLoads: 1 });
    expect(base).toBe(5 * 2 + 3 * 1 + 2 - 1 + CORTEX_M4_TIMING.takenBranchPenalty);
    expect(estimateCycles({ load: 5, store: 3, other: 2 }, 1, { pipelinedLoads: 1, multiTransfers: m })).toBe(
      base + (2 + 7 - 2 * 2) + (1 + 4 - 1 * 1),
    );
    expect(estimateCycles({ load: 5 }, 0, { model: 'riscv', multiTransfers: m })).toBe(10);
  });
});
