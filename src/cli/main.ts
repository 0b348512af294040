import yargs from 'yargs';
import { inputError } from '../ir/errors.ts';
import type { McuTargetName } from '../targets/index.ts';
import { optionalBytes, optionalCount } from './args.ts';
import { wrapHelp } from './help.ts';
import { EXIT, report } from './exit.ts';
import { checkOutDir, checkOutFile } from './output.ts';
import type { PrecisionArgs } from './precision.ts';
import type { CalibMethod } from '../planning/calibrate.ts';
import type { Precision } from '../backends/precision.ts';
import {
  addForceOption,
  addInputOption,
  addJsonOption,
  addMemoryOptions,
  addPlanOptions,
  addBoardOption,
  addModelOptions,
  addOptLevelOption,
  addPrecisionOptions,
  addTargetOption,
  MCU_TARGET_CHOICES,
} from './options.ts';

// Command modules are imported inside their handlers: `harc --version` and `--help` load neither
// the compiler nor the toolchain code.

/** Raw yargs values of the shared options (kebab-case keys as declared in options.ts). */
interface RawArgs {
  model?: string;
  const?: string[];
  'allow-nonfinite'?: boolean;
  precision?: string;
  calib?: string;
  'calib-method'?: string;
  'calib-samples'?: string;
  'weight-bits'?: string;
  bits?: string;
  target?: string;
  board?: string;
}

/** The shared options parsed strictly, before any work. */
function commonArgs(a: RawArgs) {
  const precision: PrecisionArgs = {
    precision: a.precision as Precision | undefined,
    calib: a.calib,
    calibMethod: a['calib-method'] as CalibMethod | undefined,
    calibSamples: optionalCount(a['calib-samples'], '--calib-samples', 1),
    weightBits: optionalCount(a['weight-bits'], '--weight-bits', 1),
    bits: a.bits,
  };
  if (a.calib === '') throw inputError('--calib: give a calibration .npy file');
  return { model: a.model!, const: a.const, allowNonfinite: a['allow-nonfinite'], board: a.board, ...precision };
}

/** A board must exist and belong to the target; checked before any build. */
async function checkBoard(target: string, board: string | undefined): Promise<void> {
  if (board === undefined) return;
  if (target === 'host') throw inputError(`--board ${board}: the host target has no boards; give --target cortex-m4 or riscv`);
  const { resolveBoard } = await import('../targets/boards.ts');
  try {
    resolveBoard(target as McuTargetName, board);
  } catch (e) {
    throw inputError(`--board ${board}: ${(e as Error).message}`);
  }
}

const mcuTarget = (target: string, command: string): McuTargetName => {
  if (!(MCU_TARGET_CHOICES as readonly string[]).includes(target))
    throw inputError(`harc ${command} --target ${target}: only a microcontroller target can be measured; give --target ${MCU_TARGET_CHOICES.join(' or ')}`);
  return target as McuTargetName;
};

const EXAMPLES = {
  compile: '$0 compile zoo/models/har-cnn.onnx --target cortex-m4 -o out/har-cnn',
  inspect: '$0 inspect zoo/models/mobilenet-1d.onnx --memory --svg arena.svg',
  run: '$0 run zoo/models/har-cnn.onnx --target cortex-m4 --input zoo/data/test_X.npy -o y.npy',
  measure: '$0 measure zoo/models/har-cnn.onnx --target riscv',
  check: '$0 check zoo/models/har-cnn.onnx --target cortex-m4 --max-flash 128KiB --max-sram 32KiB --report check.json',
  eval: '$0 eval zoo/models/har-cnn.onnx --data zoo/data/test_X.npy --labels zoo/data/test_y.npy --calib zoo/data/calib_X.npy',
  convert: '$0 convert zoo/models/har-cnn.onnx -o har-cnn.json --weights-file',
  ops: '$0 ops',
} as const;

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const run = async (fn: () => Promise<number>): Promise<void> => {
    code = await fn();
  };
  const cli = yargs(argv)
    .scriptName('harc')
    .usage('harc — compile small HAR neural networks to standalone C for microcontrollers, and measure them.\n\nUsage: $0 <command> [options]')
    .command(
      'compile <model>',
      'write C (model.c/.h, weights, build snippets) for a model into a directory',
      (y) =>
        addForceOption(addJsonOption(addMemoryOptions(addPrecisionOptions(addBoardOption(addTargetOption(addModelOptions(y))))), 'what was written'))
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output directory: new, empty, or written by harc before (replaced atomically)' })
          .option('name', { type: 'string', describe: 'C prefix of the API (default: the model file name)' })
          .option('save-json', { type: 'string', describe: 'also save the optimized graph as harc JSON to this file' })
          .option('trace', { type: 'boolean', default: false, describe: 'print what each stage of the pipeline changed (stderr)' })
          .option('exits', { type: 'string', describe: "multi-exit model: a staged program with <name>_run_adaptive(); the exit outputs in order (out1,out2,…) or 'auto'" })
          .example(EXAMPLES.compile, ''),
      (a) =>
        run(async () => {
          const c = commonArgs(a);
          checkOutDir(a.out, a.force, [a.model!, ...(a.calib ? [a.calib] : []), ...(a.const ?? []).map((c) => c.slice(c.indexOf('=') + 1))]);
          if (a['save-json'] !== undefined) checkOutFile(a['save-json'], '--save-json');
          await checkBoard(a.target, a.board);
          const [{ compileCommand }, { memoryArgs }] = await Promise.all([import('./commands/compile.ts'), import('./memory-options.ts')]);
          const memory = memoryArgs({ align: a.align, ioInArena: a['io-in-arena'], planner: a.planner, kernels: a.kernels, cmsisNn: a['cmsis-nn'] }, a.target);
          if (a.exits !== undefined) {
            const { compileAdaptiveCommand } = await import('./commands/adaptive.ts');
            return compileAdaptiveCommand({ ...c, exits: a.exits, target: a.target, out: a.out, name: a.name, memory });
          }
          return compileCommand({ ...c, target: a.target, out: a.out, name: a.name, saveJson: a['save-json'], json: a.json, trace: a.trace, memory });
        }),
    )
    .command(
      'inspect <model>',
      'show the compiled graph: shapes, parameters and MACs per layer, arena size',
      (y) =>
        addJsonOption(addMemoryOptions(addPrecisionOptions(addTargetOption(addModelOptions(y)))), 'the layers (and with --memory the arena plan)')
          .option('memory', { type: 'boolean', describe: 'arena timeline: one row per buffer, one column per schedule step (with --json: the plan)' })
          .option('svg', { type: 'string', describe: 'write the arena plan as an SVG picture to this file' })
          .example(EXAMPLES.inspect, ''),
      (a) =>
        run(async () => {
          const c = commonArgs(a);
          if (a.svg !== undefined) checkOutFile(a.svg, '--svg');
          const [{ inspectCommand }, { memoryArgs }] = await Promise.all([import('./commands/inspect.ts'), import('./memory-options.ts')]);
          const memoryOptions = memoryArgs({ align: a.align, ioInArena: a['io-in-arena'], planner: a.planner, kernels: a.kernels, cmsisNn: a['cmsis-nn'] }, a.target);
          return inspectCommand({ ...c, json: a.json, memory: a.memory, svg: a.svg, memoryOptions });
        }),
    )
    .command(
      'run <model>',
      'build for a target, run (natively or in QEMU) on .npy inputs',
      (y) =>
        addJsonOption(addOptLevelOption(addInputOption(addPlanOptions(addPrecisionOptions(addBoardOption(addTargetOption(addModelOptions(y))))), true)), 'the outputs')
          .option('out', { alias: ['o', 'output'], type: 'string', array: true, describe: 'write the outputs to .npy files, one per model output (default: print them)' })
          .option('stream', { type: 'boolean', default: false, describe: 'stateful models: keep the state across the inferences of the input file (default: reset before each)' })
          .option('exits', { type: 'string', describe: "multi-exit model: run <name>_run_adaptive() (exit outputs in order, or 'auto'); needs --policy" })
          .option('policy', { type: 'string', describe: 'with --exits: margin:θ1,θ2,… (top-1 − top-2 score) or softmax:θ1,θ2,… (max probability)' })
          .example(EXAMPLES.run, '256 windows in QEMU'),
      (a) =>
        run(async () => {
          const c = commonArgs(a);
          for (const o of a.out ?? []) checkOutFile(o, '-o');
          await checkBoard(a.target, a.board);
          const [{ runCommand }, { memoryArgs }] = await Promise.all([import('./commands/run.ts'), import('./memory-options.ts')]);
          const memory = memoryArgs({ planner: a.planner, kernels: a.kernels, cmsisNn: a['cmsis-nn'] }, a.target);
          if (a.exits !== undefined) {
            const { runAdaptiveCommand } = await import('./commands/adaptive.ts');
            return runAdaptiveCommand({ ...c, exits: a.exits, policy: a.policy, target: a.target, input: a.input ?? [], output: a.out, opt: a.opt, memory });
          }
          return runCommand({ ...c, target: a.target, input: a.input ?? [], out: a.out, opt: a.opt, json: a.json, stream: a.stream, memory });
        }),
    )
    .command(
      'measure <model>',
      'instructions (exact, QEMU), estimated cycles, flash and SRAM of the built firmware',
      (y) => addJsonOption(addOptLevelOption(addInputOption(addPlanOptions(addPrecisionOptions(addBoardOption(addTargetOption(addModelOptions(y), true)))), false)), 'the measurement').example(EXAMPLES.measure, ''),
      (a) =>
        run(async () => {
          const c = commonArgs(a);
          const target = mcuTarget(a.target, 'measure');
          await checkBoard(target, a.board);
          const [{ measureCommand }, { memoryArgs }] = await Promise.all([import('./commands/measure.ts'), import('./memory-options.ts')]);
          const memory = memoryArgs({ planner: a.planner, kernels: a.kernels, cmsisNn: a['cmsis-nn'] }, target);
          return measureCommand({ ...c, target, opt: a.opt, input: a.input, json: a.json, memory });
        }),
    )
    .command(
      'check <model>',
      'gate a model on budgets: exit 0 within, 1 over, 2 bad input, 3 missing tool',
      (y) =>
        addJsonOption(addOptLevelOption(addInputOption(addPlanOptions(addPrecisionOptions(addBoardOption(addTargetOption(addModelOptions(y), true)))), false)), 'the report (docs/check-report.schema.json)')
          .option('max-flash', { type: 'string', describe: 'flash budget in bytes: 65536, 64KiB (×1024), 64KB (×1000), 1MiB' })
          .option('max-sram', { type: 'string', describe: 'SRAM budget (static + measured stack), same units as --max-flash' })
          .option('max-cycles', { type: 'string', describe: 'budget of estimated cycles per inference, a whole number such as 8000000' })
          .option('report', { type: 'string', describe: 'write the JSON report (docs/check-report.schema.json) to this file' })
          .example(EXAMPLES.check, ''),
      (a) =>
        run(async () => {
          const c = commonArgs(a);
          const maxFlash = optionalBytes(a['max-flash'], '--max-flash');
          const maxSram = optionalBytes(a['max-sram'], '--max-sram');
          const maxCycles = optionalCount(a['max-cycles'], '--max-cycles');
          if (maxFlash === undefined && maxSram === undefined && maxCycles === undefined) throw inputError('harc check needs a budget: give at least one of --max-flash, --max-sram, --max-cycles');
          const target = mcuTarget(a.target, 'check');
          if (a.report !== undefined) checkOutFile(a.report, '--report');
          await checkBoard(target, a.board);
          const [{ checkCommand }, { memoryArgs }] = await Promise.all([import('./commands/check.ts'), import('./memory-options.ts')]);
          const memory = memoryArgs({ planner: a.planner, kernels: a.kernels, cmsisNn: a['cmsis-nn'] }, target);
          return checkCommand({ ...c, target, opt: a.opt, input: a.input, json: a.json, report: a.report, maxFlash, maxSram, maxCycles, memory });
        }),
    )
    .command(
      'convert <model>',
      "save a model in harc's JSON graph format",
      (y) =>
        addJsonOption(addModelOptions(y), 'what was written')
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'the .json file to write' })
          .option('weights-file', { type: 'boolean', describe: 'weights in a side .bin file (next to -o) instead of inline base64' })
          .example(EXAMPLES.convert, ''),
      (a) =>
        run(async () => {
          if (a.const?.length) throw inputError('harc convert saves the model as it is: --const is not supported here (give it to compile, run, ...)');
          checkOutFile(a.out, '-o');
          const { convertCommand } = await import('./commands/convert.ts');
          return convertCommand({ model: a.model!, out: a.out, weightsFile: a['weights-file'], json: a.json, allowNonfinite: a['allow-nonfinite'] });
        }),
    )
    .command(
      'eval <model>',
      'accuracy, macro-F1 and confusion matrix of the float (and int8) C on a labelled data set',
      (y) =>
        addJsonOption(addPrecisionOptions(addTargetOption(addModelOptions(y))), '{float: {accuracy, macroF1, confusion}, int8: {...}}')
          .option('data', { type: 'string', demandOption: true, describe: 'inputs: float32 .npy [N, ...input shape]' })
          .option('labels', { type: 'string', demandOption: true, describe: 'labels: .npy [N] of integer class indices (uint8, int32 or int64)' })
          .option('exits', { type: 'string', describe: "multi-exit model: sweep the decision thresholds and print the operating modes (exit outputs in order, or 'auto'; needs an MCU --target)" })
          .option('val-data', { type: 'string', describe: 'with --exits: validation inputs the thresholds are chosen on' })
          .option('val-labels', { type: 'string', describe: 'with --exits: validation labels' })
          .option('policy', { type: 'string', describe: 'with --exits: sweep one policy, margin or softmax (default: both)' })
          .option('svg', { type: 'string', describe: 'with --exits: write the modes plot (SVG) to this file' })
          .option('qemu-windows', { type: 'string', describe: 'with --exits: test windows of the QEMU check of the predicted cycles (default 128)' })
          .example(EXAMPLES.eval, 'float vs int8'),
      (a) =>
        run(async () => {
          const c = commonArgs(a);
          if (a.exits !== undefined) {
            const target = mcuTarget(a.target, 'eval --exits');
            if (a.policy !== undefined && a.policy !== 'margin' && a.policy !== 'softmax') throw inputError(`--policy ${a.policy}: harc eval --exits sweeps margin or softmax`);
            if (a.svg !== undefined) checkOutFile(a.svg, '--svg');
            const qemuWindows = optionalCount(a['qemu-windows'], '--qemu-windows', 1) ?? 128;
            const { adaptiveEvalCommand } = await import('./commands/adaptive-eval.ts');
            return adaptiveEvalCommand({ ...c, exits: a.exits, data: a.data, labels: a.labels, valData: a['val-data'], valLabels: a['val-labels'], target, policy: a.policy, svg: a.svg, json: a.json, qemuWindows });
          }
          const { evalCommand } = await import('./commands/eval.ts');
          return evalCommand({ ...c, target: a.target, data: a.data, labels: a.labels, json: a.json });
        }),
    )
    .command(
      'ops',
      'list the supported operators',
      (y) => y.example(EXAMPLES.ops, ''),
      () => run(async () => (await import('./commands/ops.ts')).opsCommand()),
    )
    .demandCommand(1, 'give a command')
    .strict()
    .recommendCommands()
    .help()
    .version('0.1.0')
    .wrap(null)
    .fail((msg, err) => {
      throw err ?? Object.assign(new Error(msg), { name: 'YError' });
    })
    .epilog(`Exit codes: 0 ok, 1 a check failed (over budget, mismatch), 2 bad input or usage, 3 a required tool is missing, ${EXIT.bug} a bug in harc.`);
  try {
    await cli.parseAsync(argv, {}, (_err, _argv, output) => {
      if (output) console.log(wrapHelp(output, process.stdout.isTTY ? process.stdout.columns : undefined));
    });
  } catch (e) {
    const command = argv.find((x) => !x.startsWith('-'));
    return report(e, command && command in EXAMPLES ? command : undefined, command);
  }
  return code;
}

