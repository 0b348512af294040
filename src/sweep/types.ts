// The records a sweep writes, one per candidate (DIR/results.jsonl) and the front (DIR/pareto.json).
// Plain data: the report, `sweep pick` and `sweep merge` read only these, never the sweep's
// internals, so a shard's files from another machine are as good as a local run's.

/** Weight bit-widths harc has kernels for. */
export type WeightBits = 8 | 4 | 2;

/** Accuracy figures of one candidate on one split. */
export interface SplitScore {
  accuracy: number;
  macroF1: number;
  /** Windows scored. */
  n: number;
}

/** One candidate: a bit-width per weighted layer, and what it measured. */
export interface SweepResult {
  /** Content hash (hex) of model bytes, bits, target, kernel set and compiler flags: the cache key. */
  id: string;
  /** Position in the deterministic enumeration; results.jsonl is sorted by it. */
  index: number;
  /** Layer name → weight bits, every swept layer, in the graph's layer order. */
  bits: Record<string, WeightBits>;
  /** The width when every swept layer has the same one, else null. */
  uniform: WeightBits | null;
  /** The split the search decides on. */
  val: SplitScore;
  /** Held-out split, never used to choose; absent when no test data was given. */
  test?: SplitScore;
  /** Bytes of all weights and biases as stored (packed sub-byte). */
  weightBytes: number;
  /** From the target ELF. */
  flash: number;
  sram: number;
  /** One inference on the target in QEMU: executed instructions and the cycle model's estimate. */
  instructions: number;
  cycles: number;
  /** Wall-clock times, informative only: never part of the id, the front or any decision. */
  compileMs: number;
  runMs: number;
}

/** Objectives of the front: val accuracy ↑, flash ↓, SRAM ↓, cycles ↓. */
export interface ParetoFile {
  model: string;
  target: string;
  objectives: ['val.accuracy:max', 'flash:min', 'sram:min', 'cycles:min'];
  /** ids of the non-dominated candidates, in results order. */
  front: string[];
  candidates: number;
}
