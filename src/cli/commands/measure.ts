import { measureModel, type Measurement } from '../../backends/measure.ts';
import type { McuTargetName, OptLevel } from '../../backends/targets/index.ts';
import { readNpy } from '../../ir/npy.ts';
import { fmtBytes, fmtInt, progress, table } from '../format.ts';
import { defaultPrefix } from '../model-input.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';
import { defaultAlignment } from '../../backends/c/memory.ts';
import { packInputs, toModelInputs } from '../tensors.ts';

export interface MeasureArgs extends PrecisionArgs {
  /** int8 kernel set (--kernels); default portable. */
  kernels?: string;
  model: string;
  target: McuTargetName;
  board?: string;
  opt: OptLevel;
  input?: string;
  const?: string[];
  json?: boolean;
}

export async function measureFor(a: MeasureArgs): Promise<Measurement> {
  const model = compileForCli(a.model, { ...a, name: defaultPrefix(a.model) }, { memory: { alignment: defaultAlignment(a.target), ...(a.kernels ? { kernels: a.kernels, target: a.target } : {}) } });
  const graph = model.graph;
  const input = a.input ? packInputs(graph, toModelInputs(graph, [readNpy(a.input)], [a.input]), [a.input]).bytes : undefined;
  return measureModel(model, { target: a.target, board: a.board, optLevel: a.opt, input, onProgress: progress });
}

export function measurementText(m: Measurement, model: string): string {
  const lines = [
    `${model} on ${m.target} (${m.board}, -${m.optLevel}), per inference (mean of ${m.inferences}):`,
    `  instructions   ${fmtInt(m.instructions)}   (executed, counted in QEMU)`,
    `  cycles (est.)  ${fmtInt(m.cyclesEstimate)}   (timing model in toolchain/README.md)`,
    `  MACs           ${fmtInt(m.macs)}${m.cyclesEstimate > 0 ? `   (${(m.macs / m.cyclesEstimate).toFixed(3)} MACs/cycle)` : ''}`,
    `  flash          ${fmtBytes(m.flash.total)}   = code ${fmtBytes(m.flash.code)} + weights ${fmtBytes(m.flash.weights)} + .data init ${fmtBytes(m.flash.dataInit)}`,
    `  SRAM           ${fmtBytes(m.sram.total)}   = static ${fmtBytes(m.sram.static)} (arena ${fmtBytes(m.sram.arena)}) + stack ${fmtBytes(m.sram.stack)} (measured)`,
    '',
    table(
      ['#', 'layer', 'op', 'MACs', 'instructions', '%', 'code', 'weights'],
      m.layers.map((l) => [String(l.index), l.name, l.op, l.macs, l.instructions, m.instructions > 0 ? `${((100 * l.instructions) / m.instructions).toFixed(1)}%` : '', fmtBytes(l.codeBytes), fmtBytes(l.weightBytes)]),
    ),
  ];
  return lines.join('\n');
}

/** `harc measure`: instructions, cycles, flash and SRAM from the built ELF and the emulator. */
export async function measureCommand(a: MeasureArgs): Promise<number> {
  const m = await measureFor(a);
  console.log(a.json ? JSON.stringify(m, null, 2) : measurementText(m, a.model));
  return 0;
}
