import { bytesPerElement } from '../ir/dtype.ts';
import type { Graph } from '../ir/types.ts';
import { isWeightedNode } from '../passes/weight-bits.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmittedModel } from '../backends/c/emit-model.ts';
import { writeModelDir } from '../backends/compile.ts';
import {
  buildFirmware,
  elfSize,
  elfSymbols,
  estimateCycles,
  layerSegments,
  resolveBoard,
  runFirmware,
  type McuTargetName,
  type OptLevel,
} from './index.ts';

/** `{ weightBits }` for a weighted layer, else nothing. */
function weightBitsField(graph: Graph, layer: string): { weightBits?: number } {
  const node = graph.nodes.find((n) => n.name === layer);
  const w = node && isWeightedNode(node) && node.inputs[1] ? graph.tensors[node.inputs[1]] : undefined;
  return w?.data ? { weightBits: w.quant?.bits ?? 8 * bytesPerElement(w.dtype) } : {};
}

export interface LayerMeasurement {
  index: number;
  name: string;
  op: string;
  macs: number;
  instructions: number;
  codeBytes: number;
  weightBytes: number;
  /** Weighted layers: the bit width of their weights (8, 4, 2; 32 in a float model). */
  weightBits?: number;
}

/** What `harc measure` reports; every figure comes from the built ELF or the emulator run. */
export interface Measurement {
  target: McuTargetName;
  board: string;
  optLevel: OptLevel;
  inferences: number;
  /** Per inference, counted by the QEMU plugin between the inference markers. */
  instructions: number;
  cyclesEstimate: number;
  macs: number;
  flash: { total: number; code: number; weights: number; dataInit: number };
  sram: { total: number; arena: number; static: number; stack: number };
  layers: LayerMeasurement[];
  /** Instructions between the inference start and the first layer (call glue, input copy). */
  harnessInstructions: number;
  elf: string;
}

/** Deterministic stand-in input (a sine sweep in [-1, 1]) for measuring without user data. */
export function syntheticInput(bytes: number): Uint8Array {
  const f = new Float32Array(Math.ceil(bytes / 4)).map((_, i) => Math.sin(i * 0.731) * 0.9);
  return new Uint8Array(f.buffer).slice(0, bytes);
}

export async function measureModel(
  model: EmittedModel,
  opts: { target: McuTargetName; board?: string; optLevel?: OptLevel; input?: Uint8Array; onProgress?: (what: string) => void; /** keep sources and ELF here */ workDir?: string },
): Promise<Measurement> {
  const optLevel = opts.optLevel ?? 'O2';
  const board = resolveBoard(opts.target, opts.board);
  const dir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'harc-measure-')));
  try {
    await writeModelDir(model, join(dir, 'src'));
    opts.onProgress?.(`building for ${board.name} (-${optLevel})`);
    const { elf } = await buildFirmware({ target: opts.target, board: board.name, modelDir: join(dir, 'src'), outDir: join(dir, 'build'), optLevel });
    const symbols = await elfSymbols(elf, { target: opts.target });
    const segments = layerSegments(symbols);
    const input = opts.input ?? syntheticInput(model.inputBytes);
    opts.onProgress?.(`running in QEMU (${board.runsOn}) with the instruction counter`);
    const run = await runFirmware({ target: opts.target, board: board.name, elf, input, inputBytes: model.inputBytes, outputBytes: model.outputBytes, measure: { segments } });
    const n = run.inferences;
    const size = await elfSize(elf, { target: opts.target, stackBytes: run.stackBytes ?? 0 });
    const sizeOf = (name: string): number => symbols.find((s) => s.name === name)?.size ?? 0;
    const layers: LayerMeasurement[] = model.layers.map((l) => ({
      index: l.index,
      name: l.name,
      op: l.op,
      macs: l.macs,
      instructions: Math.round((run.segments?.find((s) => s.id === l.index && s.name.startsWith(`harc_L${l.index}_`))?.instructions ?? 0) / n),
      codeBytes: sizeOf(l.fn),
      weightBytes: l.weightSymbols.reduce((s, sym) => s + sizeOf(sym), 0),
      ...weightBitsField(model.graph, l.name),
    }));
    const weights = layers.reduce((s, l) => s + l.weightBytes, 0);
    const instructions = Math.round((run.instructions ?? 0) / n);
    const cycles = estimateCycles(run.classes ?? {}, run.takenBranches ?? 0, { model: opts.target, pipelinedLoads: run.pipelinedLoads ?? 0, ...(run.multiTransfers ? { multiTransfers: run.multiTransfers } : {}), addressStalls: run.addressStalls ?? 0 });
    const stack = run.stackBytes ?? 0;
    return {
      target: opts.target,
      board: board.name,
      optLevel,
      inferences: n,
      instructions,
      cyclesEstimate: Math.round(cycles / n),
      macs: layers.reduce((s, l) => s + l.macs, 0),
      flash: { total: size.flash, code: size.text - weights, weights, dataInit: size.data },
      sram: { total: size.sram + stack, arena: model.plan.bytes, static: size.sram, stack },
      layers,
      elf,
      harnessInstructions: Math.round((run.segments?.find((s) => s.name === 'harness')?.instructions ?? 0) / n),
    };
  } finally {
    if (!opts.workDir) await rm(dir, { recursive: true, force: true });
  }
}
