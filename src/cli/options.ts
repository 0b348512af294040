import type { Argv } from 'yargs';
import type { McuTargetName, OptLevel, TargetName } from '../targets/index.ts';
import type { Precision } from '../backends/precision.ts';
import type { CalibMethod } from '../planning/calibrate.ts';

// Every option is declared once here, so it has the same name, alias, type, choices and default in
// every command. This module imports types only: `harc --help` and `--version` must not load the
// compiler (a test checks that these lists equal the backends' own).

export const TARGET_CHOICES: readonly TargetName[] = ['host', 'cortex-m4', 'riscv'];
export const MCU_TARGET_CHOICES: readonly McuTargetName[] = ['cortex-m4', 'riscv'];
export const PRECISION_CHOICES: readonly Precision[] = ['float', 'int8'];
export const CALIB_METHOD_CHOICES: readonly CalibMethod[] = ['minmax', 'percentile', 'mse'];
export const OPT_LEVEL_CHOICES: readonly OptLevel[] = ['O0', 'O1', 'O2', 'O3', 'Os'];

export const modelArg = <T>(y: Argv<T>) => y.positional('model', { type: 'string', demandOption: true, describe: 'model: .onnx or harc .json graph' });

/** Loading the model: constants bound in, non-finite weights refused unless allowed. */
export const addModelOptions = <T>(y: Argv<T>) =>
  modelArg(y)
    .option('const', { type: 'string', array: true, describe: 'bind graph input NAME to constant data: NAME=FILE.npy (repeatable)' })
    .option('allow-nonfinite', { type: 'boolean', default: false, describe: 'accept NaN/Inf weights (refused by default: they make every output NaN)' });

/** One --target for every command, with the same choices; `measure` and `check` count instructions
 * in QEMU, so they default to cortex-m4 and refuse host with one line. */
export const addTargetOption = <T>(y: Argv<T>, measured = false) =>
  y
    .option('target', {
      alias: 't',
      choices: TARGET_CHOICES,
      default: (measured ? 'cortex-m4' : 'host') as TargetName,
      describe: 'host C or a microcontroller (default: host; cortex-m4 for measure and check, which need a microcontroller)',
    });

/** For the commands that build firmware or its build snippets. */
export const addBoardOption = <T>(y: Argv<T>) => y.option('board', { type: 'string', describe: 'board of the target (default: its QEMU board); see toolchain/README.md' });

export const addOptLevelOption = <T>(y: Argv<T>) => y.option('opt', { alias: 'O', choices: OPT_LEVEL_CHOICES, default: 'O2' as OptLevel, describe: 'C optimization level of the firmware build' });

export const addPrecisionOptions = <T>(y: Argv<T>) =>
  y
    .option('precision', { choices: PRECISION_CHOICES, describe: 'float32, or int8 (TFLite int8 scheme; needs --calib). Default: int8 when --calib is given, else float' })
    .option('calib', { type: 'string', describe: 'int8: calibration inputs, float32 .npy [N, ...input shape] (e.g. zoo/data/calib_X.npy)' })
    .option('calib-method', { choices: CALIB_METHOD_CHOICES, default: 'minmax' as CalibMethod, describe: 'int8: activation range from min/max, the 99.99th percentile, or the MSE-optimal clip' })
    .option('calib-samples', { type: 'string', describe: 'int8: use at most N calibration samples (evenly spaced; default all)' })
    .option('weight-bits', { type: 'string', describe: 'int8: weight bits of every weighted layer: 8, 4 or 2 (packed in flash; activations stay int8)' })
    .option('bits', { type: 'string', describe: "int8: weight bits per layer: FILE.json {\"name or glob\": bits} or 'conv*=4,fc=8' (names as inspect --json lists them; overrides --weight-bits)" });

/** Arena options of `compile` and `inspect`. */
export const addMemoryOptions = <T>(y: Argv<T>) =>
  addPlanOptions(y)
    .option('align', { type: 'string', describe: 'arena buffer alignment in bytes, a power of two ≥ 4 (default: 4 on cortex-m4 / riscv, 8 on host)' })
    .option('io-in-arena', { type: 'boolean', describe: 'place the model inputs/outputs inside the arena; model.h gains <prefix>_input(i), _output(i), _invoke()' });

/** What decides the generated C beyond the model: the arena planner and the int8 kernel set (every
 * command that builds the model takes them, so what is measured is what compile writes). */
export const addPlanOptions = <T>(y: Argv<T>) =>
  y
    .option('planner', { type: 'string', describe: 'arena offset planner: search (default), greedy or tflm (docs/memory.md); every search is bounded by counts, never time' })
    .option('kernels', { type: 'string', describe: 'kernel set: harc (default on cortex-m4 and riscv: the target path alone, its fastest; also float on cortex-m4), portable (default on host; every path under #if, one C for any core), reference, or cmsis-nn (calls into Arm CMSIS-NN; docs/int8-kernels.md, docs/float-kernels.md)' })
    .option('cmsis-nn', { type: 'string', describe: 'CMSIS-NN directory for --kernels cmsis-nn (default: $CMSIS_NN_PATH)' });

export const addInputOption = <T>(y: Argv<T>, required: boolean) =>
  y.option('input', {
    alias: 'i',
    type: 'string',
    array: true,
    demandOption: required,
    describe: `input .npy: the input shape (1 inference) or [N, ...shape] (N inferences); one per graph input${required ? '' : ' (default: a synthetic window)'}`,
  });

export const addJsonOption = <T>(y: Argv<T>, what: string) => y.option('json', { type: 'boolean', default: false, describe: `print ${what} as JSON on stdout` });

export const addForceOption = <T>(y: Argv<T>) => y.option('force', { type: 'boolean', default: false, describe: 'replace an existing -o that harc did not write (a file, or a directory with other files)' });

/** `harc sweep`: what is swept, on which data, and how the work is spread. */
export const SWEEP_STRATEGY_CHOICES = ['exhaustive', 'greedy', 'random'] as const;
export const addSweepOptions = <T>(y: Argv<T>) =>
  y
    .option('data', { type: 'string', demandOption: true, describe: 'TEST inputs, float32 .npy [N, ...input shape]: scored for the report, never used to choose' })
    .option('labels', { type: 'string', demandOption: true, describe: 'TEST labels, .npy [N] of class indices' })
    .option('calib', { type: 'string', demandOption: true, describe: 'calibration inputs, float32 .npy [N, ...input shape]; calibrated once, shared by every candidate' })
    .option('calib-method', { choices: CALIB_METHOD_CHOICES, default: 'minmax' as CalibMethod, describe: 'activation range from min/max, the 99.99th percentile, or the MSE-optimal clip' })
    .option('val', { type: 'string', describe: 'VALIDATION inputs the search decides on (with --val-labels)' })
    .option('val-labels', { type: 'string', describe: 'VALIDATION labels' })
    .option('val-fraction', { type: 'string', describe: 'without --val: this fraction of the --data windows (seeded shuffle by --seed) is validation, the rest test (default 0.5)' })
    .option('bits', { type: 'string', default: '8,4,2', describe: 'weight widths to try per layer, from 8, 4, 2' })
    .option('layers', { type: 'string', array: true, describe: 'swept layers: names or globs of weighted layers (harc inspect --json); the others stay 8 bits (default: every weighted layer)' })
    .option('strategy', { choices: SWEEP_STRATEGY_CHOICES, default: 'exhaustive' as const, describe: 'every assignment (uniform first, then odometer order), greedy descent from all-8, or a seeded random sample' })
    .option('max', { type: 'string', describe: 'at most N candidates (exhaustive: the first N of the order; random: default 32; greedy: stop when reached)' })
    .option('seed', { type: 'string', default: '1', describe: 'seed of --strategy random and of the --val-fraction split' })
    .option('jobs', { alias: 'j', type: 'string', describe: 'candidates built and run at once (default 2)' })
    .option('shard', { type: 'string', describe: 'K/N: only the K-th of N disjoint slices (index mod N = K−1); merge them with harc sweep merge. Not with greedy' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output directory: results.jsonl, timings.jsonl, pareto.json, sweep.json' })
    .option('force', { type: 'boolean', default: false, describe: 'write into an existing directory that harc sweep did not write' });
