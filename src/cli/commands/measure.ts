import { measureModel, type Measurement } from '../../targets/measure.ts';
import type { McuTargetName, OptLevel } from '../../targets/index.ts';
import { readNpy } from '../../ir/npy.ts';
import { fmtBytes, fmtInt, table } from '../format.ts';
import { cliProgress } from '../progress.ts';
import { defaultPrefix, type LoadArgs } from '../model-input.ts';
import { printable } from '../notice.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';
import { defaultAlignment, type CMemoryOptions } from '../../backends/c/memory.ts';
import { packInputs, toModelInputs } from '../tensors.ts';

export interface MeasureArgs extends PrecisionArgs, LoadArgs {
  model: string;
  target: McuTargetName;
  board?: string;
  opt: OptLevel;
  input?: string[];
  json?: boolean;
  /** Arena planner and kernel set (--planner, --kernels). */
  memory?: CMemoryOptions;
}

export async function measureFor(a: MeasureArgs): Promise<Measurement> {
  const model = compileForCli(a.model, { ...a, name: defaultPrefix(a.model) }, { memory: a.memory ?? { alignment: defaultAlignment(a.target) } });
  const graph = model.graph;
  const input = a.input?.length ? packInputs(graph, toModelInputs(graph, a.input.map(readNpy), a.input), a.input).bytes : undefined;
  const m = await measureModel(model, { target: a.target, board: a.board, optLevel: a.opt, input, onProgress: (what) => cliProgress.start(what) });
  cliProgress.end();
  return m;
}

export function measurementText(m: Measurement, model: string): string {
  const lines = [
    `${printable(model)} on ${m.target} (${m.board}, -${m.optLevel}), per inference (mean of ${m.inferences}):`,
    `  instructions   ${fmtInt(m.instructions)}   (executed, counted in QEMU)`,
    `  cycles (est.)  ${fmtInt(m.cyclesEstimate)}   (timing model in toolchain/README.md)`,
    `  MACs           ${fmtInt(m.macs)}${m.cyclesEstimate > 0 ? `   (${(m.macs / m.cyclesEstimate).toFixed(3)} MACs/cycle)` : ''}`,
    `  flash          ${fmtBytes(m.flash.total)}   = code ${fmtBytes(m.flash.code)} + weights ${fmtBytes(m.flash.weights)} + .data init ${fmtBytes(m.flash.dataInit)}`,
    `  SRAM           ${fmtBytes(m.sram.total)}   = static ${fmtBytes(m.sram.static)} (arena ${fmtBytes(m.sram.arena)}) + stack ${fmtBytes(m.sram.stack)} (measured)`,
    '',
    table(
      ['#', 'layer', 'op', 'MACs', 'instructions', '%', 'code', 'weights', 'bits'],
      m.layers.map((l) => [String(l.index), printable(l.name), l.op, l.macs, l.instructions, m.instructions > 0 ? `${((100 * l.instructions) / m.instructions).toFixed(1)}%` : '', fmtBytes(l.codeBytes), fmtBytes(l.weightBytes), l.weightBits === undefined ? '' : String(l.weightBits)]),
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
