import type { Argv } from 'yargs';
import { kernelSetNames } from '../backends/c/kernels/index.ts';
import { inputError } from '../ir/errors.ts';

/** `--kernels` and `--cmsis-nn` for the commands that build firmware (run, measure, check). */
export const addKernelOptions = <T>(y: Argv<T>) =>
  y
    .option('kernels', { choices: kernelSetNames(), describe: 'int8 kernel set (docs/int8-kernels.md); default portable' })
    .option('cmsis-nn', { type: 'string', describe: 'CMSIS-NN directory for --kernels cmsis-nn (default: $CMSIS_NN_PATH)' });

/** The kernel set (none without --kernels: the default output, unchanged), and
 * --cmsis-nn handed to the firmware build as CMSIS_NN_PATH. */
export function kernelArgs(a: { kernels?: string; 'cmsis-nn'?: string }): { kernels?: string } {
  if (a['cmsis-nn'] !== undefined) process.env['CMSIS_NN_PATH'] = a['cmsis-nn'];
  if (a.kernels === undefined) return {};
  if (!kernelSetNames().includes(a.kernels)) throw inputError(`--kernels ${a.kernels}: expected one of ${kernelSetNames().join(', ')}`);
  return { kernels: a.kernels };
}
