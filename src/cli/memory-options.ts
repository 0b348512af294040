import { defaultKernelSetFor, kernelSetNames } from '../backends/c/kernels/index.ts';
import { defaultAlignment, type CMemoryOptions } from '../backends/c/memory.ts';
import { inputError } from '../ir/errors.ts';
import { DEFAULT_PLANNER, PLANNER_NAMES } from '../planning/planner.ts';
import { parseCount } from './args.ts';

/** --align / --io-in-arena / --planner / --kernels → CMemoryOptions for a target (the option
 * declarations live in options.ts, which must not load the compiler: the names are checked here). */
export function memoryArgs(a: { align?: string; ioInArena?: boolean; planner?: string; kernels?: string; cmsisNn?: string }, target = 'host'): CMemoryOptions {
  // where the firmware build and harc.mk / harc.cmake find CMSIS-NN (--kernels cmsis-nn)
  if (a.cmsisNn !== undefined) process.env['CMSIS_NN_PATH'] = a.cmsisNn;
  const alignment = a.align === undefined ? defaultAlignment(target) : parseCount(a.align, '--align');
  if (alignment < 4 || (alignment & (alignment - 1)) !== 0) throw inputError(`--align ${a.align}: expected a power of two ≥ 4`);
  if (a.planner !== undefined && !PLANNER_NAMES.includes(a.planner)) throw inputError(`--planner ${a.planner}: expected one of ${PLANNER_NAMES.join(', ')}`);
  if (a.kernels !== undefined && !kernelSetNames().includes(a.kernels)) throw inputError(`--kernels ${a.kernels}: expected one of ${kernelSetNames().join(', ')}`);
  return { alignment, ioInArena: a.ioInArena ?? false, planner: a.planner ?? DEFAULT_PLANNER, kernels: a.kernels ?? defaultKernelSetFor(target), target };
}
