import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesPerElement } from '../ir/dtype.ts';
import { numel } from '../ir/shape.ts';
import { packAdaptiveInput, type AdaptiveModel, type PolicyKind } from '../backends/adaptive.ts';
import { writeModelDir } from '../backends/compile.ts';
import { buildFirmware, estimateCycles, runFirmware, type OptLevel, type RunResult, type TargetName } from './index.ts';

// Builds and runs a staged program on a target: the full network (`_run`, every exit's scores) or
// `_run_adaptive` (the harness built with -DHARC_ADAPTIVE_HARNESS reads a policy before each window).

export interface FirmwareOpts {
  target: TargetName;
  board?: string;
  optLevel?: OptLevel;
  defines?: Record<string, string | number | boolean>;
  timeoutMs?: number;
  /** MCU targets: count instructions in QEMU (cycles from estimateCycles). */
  measure?: boolean;
}

/** Estimated cycles per inference of a measured run. */
export const cyclesPerInference = (run: RunResult, target: TargetName): number =>
  estimateCycles(run.classes ?? {}, run.takenBranches ?? 0, { model: target === 'riscv' ? 'riscv' : 'cortex-m4', pipelinedLoads: run.pipelinedLoads ?? 0 }) / run.inferences;

/** A window's policy: kind and the device thresholds (from policyThresholds). */
export interface DevicePolicy {
  kind: PolicyKind;
  thresholds: number[];
}

export interface AdaptiveRun {
  /** Exit taken per window. */
  exits: number[];
  /** Scores written per window (the exit's), raw bytes as the model's score type. */
  scores: Uint8Array[];
  run: RunResult;
}

async function withFirmware<T>(model: AdaptiveModel, o: FirmwareOpts, defines: Record<string, string | number | boolean>, f: (elf: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'harc-adaptive-'));
  try {
    await writeModelDir(model, join(dir, 'src'));
    const { elf } = await buildFirmware({ target: o.target, board: o.board, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), optLevel: o.optLevel, defines: { ...o.defines, ...defines } });
    return await f(elf);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bytes of one exit's scores. */
export const scoreBytes = (model: AdaptiveModel): number => {
  const t = model.graph.tensors[model.exits[0]!.output]!;
  return numel(t.shape) * bytesPerElement(t.dtype);
};

/** `_run` on every window (packed input bytes, one after the other): each exit's scores per window. */
export async function runFullNetwork(model: AdaptiveModel, inputs: Uint8Array[], o: FirmwareOpts): Promise<{ scores: Uint8Array[][]; run: RunResult }> {
  return withFirmware(model, o, {}, async (elf) => {
    const input = concat(inputs);
    const run = await runFirmware({ target: o.target, board: o.board, elf, input, inputBytes: model.inputBytes, outputBytes: model.outputBytes, timeoutMs: o.timeoutMs ?? 300_000, ...(o.measure ? { measure: { segments: [] } } : {}) });
    const per = scoreBytes(model);
    const outs = model.graph.outputs;
    const scores = inputs.map((_, w) =>
      model.exits.map((x) => {
        const at = w * model.outputBytes + outs.indexOf(x.output) * per;
        return run.output.slice(at, at + per);
      }),
    );
    return { scores, run };
  });
}

/** `_run_adaptive` on each window with its policy (one binary; the policy is run-time data). */
export async function runAdaptive(model: AdaptiveModel, inputs: Uint8Array[], policies: DevicePolicy[], o: FirmwareOpts): Promise<AdaptiveRun> {
  return withFirmware(model, o, { HARC_ADAPTIVE_HARNESS: true }, async (elf) => {
    const input = concat(inputs.map((x, w) => packAdaptiveInput(model, policies[w]!.kind, policies[w]!.thresholds, x)));
    const run = await runFirmware({ target: o.target, board: o.board, elf, input, inputBytes: model.adaptiveInputBytes, outputBytes: model.adaptiveOutputBytes, timeoutMs: o.timeoutMs ?? 300_000, ...(o.measure ? { measure: { segments: [] } } : {}) });
    const n = model.adaptiveOutputBytes;
    const dv = new DataView(run.output.buffer, run.output.byteOffset, run.output.byteLength);
    return {
      exits: inputs.map((_, w) => dv.getInt32(w * n, true)),
      scores: inputs.map((_, w) => run.output.slice(w * n + 4, (w + 1) * n)),
      run,
    };
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
