import { defaultAlignment, type CMemoryOptions } from '../backends/c/memory.ts';
import { inputError } from '../ir/errors.ts';
import { parseCount } from './args.ts';

/** --align / --io-in-arena → CMemoryOptions for a target. */
export function memoryArgs(a: { align?: string; ioInArena?: boolean }, target = 'host'): CMemoryOptions {
  const alignment = a.align === undefined ? defaultAlignment(target) : parseCount(a.align, '--align');
  if (alignment < 4 || (alignment & (alignment - 1)) !== 0) throw inputError(`--align ${a.align}: expected a power of two ≥ 4`);
  return { alignment, ioInArena: a.ioInArena ?? false };
}
