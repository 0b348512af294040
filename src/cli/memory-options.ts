import type { Argv } from 'yargs';
import { DEFAULT_KERNEL_SET, kernelSetNames } from '../backends/c/kernels/index.ts';
import { defaultAlignment, type CMemoryOptions } from '../backends/c/memory.ts';
import { inputError } from '../ir/errors.ts';
import { DEFAULT_PLANNER, PLANNER_NAMES } from '../passes/planner.ts';

/** Arena options shared by `compile` and `inspect`. */
export const addMemoryOptions = <T>(y: Argv<T>) =>
  y
    .option('align', { type: 'number', describe: 'arena buffer alignment in bytes (default: 4 on cortex-m4 / riscv, 8 on host)' })
    .option('io-in-arena', { type: 'boolean', describe: 'place the model inputs/outputs inside the arena; model.h gains <prefix>_input(i), _output(i), _invoke()' })
    .option('planner', { choices: PLANNER_NAMES, default: DEFAULT_PLANNER, describe: 'arena offset planner (docs/memory.md); every search is bounded by counts, never time' })
    .option('kernels', { choices: kernelSetNames(), default: DEFAULT_KERNEL_SET, describe: 'int8 kernel set (docs/int8-kernels.md): portable = every path under #if, harc = the target path only, reference, cmsis-nn = calls into CMSIS-NN' })
    .option('cmsis-nn', { type: 'string', describe: 'CMSIS-NN directory for --kernels cmsis-nn (default: $CMSIS_NN_PATH)' });

/** Parsed yargs → CMemoryOptions for a target. */
export function memoryArgs(a: { align?: number; 'io-in-arena'?: boolean; planner?: string; kernels?: string; 'cmsis-nn'?: string }, target = 'host'): CMemoryOptions {
  if (a['cmsis-nn'] !== undefined) process.env['CMSIS_NN_PATH'] = a['cmsis-nn']; // harc.mk / harc.cmake default
  const alignment = a.align ?? defaultAlignment(target);
  if (!Number.isInteger(alignment) || alignment < 4 || (alignment & (alignment - 1)) !== 0)
    throw inputError(`--align ${a.align}: expected a power of two ≥ 4`);
  if (a.planner !== undefined && !PLANNER_NAMES.includes(a.planner)) throw inputError(`--planner ${a.planner}: expected one of ${PLANNER_NAMES.join(', ')}`);
  if (a.kernels !== undefined && !kernelSetNames().includes(a.kernels)) throw inputError(`--kernels ${a.kernels}: expected one of ${kernelSetNames().join(', ')}`);
  return { alignment, ioInArena: a['io-in-arena'] ?? false, planner: a.planner ?? DEFAULT_PLANNER, kernels: a.kernels ?? DEFAULT_KERNEL_SET, target };
}
