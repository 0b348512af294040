import yargs, { type Argv } from 'yargs';
import { HarcError, exitCodeOf } from '../ir/errors.ts';
import { TARGET_NAMES, type McuTargetName, type OptLevel, type TargetName } from '../backends/targets/index.ts';
import { checkCommand } from './commands/check.ts';
import { compileCommand } from './commands/compile.ts';
import { convertCommand } from './commands/convert.ts';
import { inspectCommand } from './commands/inspect.ts';
import { measureCommand } from './commands/measure.ts';
import { opsCommand } from './commands/ops.ts';
import { runCommand } from './commands/run.ts';
import { evalCommand } from './commands/eval.ts';
import { compileAdaptiveCommand, runAdaptiveCommand } from './commands/adaptive.ts';
import { adaptiveEvalCommand } from './commands/adaptive-eval.ts';
import { parseBytes } from './format.ts';
import { addPrecisionOptions, precisionArgs } from './precision.ts';
import { addMemoryOptions, memoryArgs } from './memory-options.ts';

const OPT_LEVELS: OptLevel[] = ['O0', 'O1', 'O2', 'O3', 'Os'];
const MCU_TARGETS = TARGET_NAMES.filter((t) => t !== 'host') as McuTargetName[];

const modelArg = (y: Argv) => y.positional('model', { type: 'string', demandOption: true, describe: 'model: .onnx or harc .json graph' });
const constOpt = { type: 'string' as const, array: true as const, describe: 'bind graph input NAME to constant data: NAME=FILE.npy (repeatable)' };
const boardOpt = { type: 'string' as const, describe: 'board (default: the QEMU board of the target); see toolchain/README.md' };
const optOpt = { choices: OPT_LEVELS, default: 'O2' as OptLevel, describe: 'C optimization level' };

/** Maps a thrown error to a message line and an exit code: 1 check, 2 input/usage, 3 missing tool. */
function report(e: unknown): number {
  const err = e as Error & { exitCode?: number; installCommand?: string };
  if (e instanceof HarcError) {
    console.error(`harc: error: ${e.message}`);
    return exitCodeOf(e.kind);
  }
  if (err?.name === 'ToolMissingError') {
    console.error(`harc: error: ${err.message}`);
    return 3;
  }
  if (err?.name === 'YError' || /Unknown argument|Missing required|Invalid values|Not enough non-option/.test(err?.message ?? '')) {
    console.error(`harc: error: ${err.message}\nRun 'harc --help' for usage.`);
    return 2;
  }
  if (err?.name === 'FirmwareRunError' || err?.name === 'FirmwareBuildError') {
    console.error(`harc: error: ${err.message}`);
    return 1;
  }
  console.error(`harc: internal error: ${err?.message ?? String(e)}\n(this is a bug in harc; HARC_DEBUG=1 shows the stack)`);
  if (process.env['HARC_DEBUG']) console.error(err?.stack);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const run = (fn: () => Promise<number> | number) => async () => {
    code = await fn();
  };
  const cli = yargs(argv)
    .scriptName('harc')
    .usage('harc — compile small HAR neural networks to standalone C for microcontrollers, and measure them.\n\nUsage: $0 <command> [options]')
    .command(
      'compile <model>',
      'write C (model.c/.h, weights, build snippets) for a model',
      (y) =>
        addMemoryOptions(addPrecisionOptions(modelArg(y)))
          .option('target', { alias: 't', choices: TARGET_NAMES, default: 'host' as TargetName, describe: 'target the build snippets are for' })
          .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output directory (replaced atomically)' })
          .option('name', { type: 'string', describe: 'C prefix of the API (default: the graph name)' })
          .option('board', boardOpt)
          .option('const', constOpt)
          .option('save-json', { type: 'string', describe: 'also save the optimized graph as harc JSON' })
          .option('trace', { type: 'boolean', describe: 'print what each stage of the pipeline changed (stderr)' })
          .option('exits', { type: 'string', describe: "multi-exit model: staged program with <name>_run_adaptive(); the exit outputs in order, or 'auto'" })
          .example('$0 compile zoo/models/har-cnn.onnx --target cortex-m4 -o out/har-cnn', 'C for a Cortex-M4')
          .example('$0 compile zoo/models/har-cnn.onnx --precision int8 --calib zoo/data/calib_X.npy -o out/har-cnn-int8', 'int8 C'),
      (a) =>
        a.exits !== undefined
          ? run(() => compileAdaptiveCommand({ model: a.model!, exits: a.exits!, target: a.target, out: a.out, name: a.name, const: a.const, board: a.board, ...precisionArgs(a), memory: memoryArgs(a, a.target) }))()
          : run(() => compileCommand({ model: a.model!, target: a.target, out: a.out, name: a.name, const: a.const, board: a.board, saveJson: a['save-json'], trace: a.trace, ...precisionArgs(a), memory: memoryArgs(a, a.target) }))(),
    )
    .command(
      'inspect <model>',
      'show the compiled graph: shapes, parameters and MACs per layer, arena size',
      (y) =>
        addMemoryOptions(addPrecisionOptions(modelArg(y)))
          .option('json', { type: 'boolean', describe: 'machine-readable output' })
          .option('memory', { type: 'boolean', describe: 'arena timeline: one row per buffer, one column per schedule step (with --json: the plan)' })
          .option('svg', { type: 'string', describe: 'write the arena plan as an SVG picture to this file' })
          .option('target', { alias: 't', choices: TARGET_NAMES, default: 'host' as TargetName, describe: 'target whose arena alignment to use' })
          .option('const', constOpt)
          .example('$0 inspect zoo/models/har-cnn.onnx', '')
          .example('$0 inspect zoo/models/mobilenet-1d.onnx --memory --svg arena.svg', 'arena timeline and picture'),
      (a) => run(() => inspectCommand({ model: a.model!, json: a.json, const: a.const, ...precisionArgs(a), memory: a.memory, svg: a.svg, memoryOptions: memoryArgs(a, a.target) }))(),
    )
    .command(
      'run <model>',
      'build for a target, run (natively or in QEMU) on .npy inputs',
      (y) =>
        addPrecisionOptions(modelArg(y))
          .option('target', { alias: 't', choices: TARGET_NAMES, default: 'host' as TargetName })
          .option('input', { alias: 'i', type: 'string', array: true, demandOption: true, describe: 'input .npy: the input shape (1 inference) or [N, ...shape] (N inferences); one per graph input' })
          .option('output', { alias: 'o', type: 'string', array: true, describe: 'write outputs to .npy (default: print)' })
          .option('board', boardOpt)
          .option('opt', { ...optOpt, alias: 'O' })
          .option('const', constOpt)
          .option('exits', { type: 'string', describe: "multi-exit model: run <name>_run_adaptive() (exit outputs in order, or 'auto'); needs --policy" })
          .option('policy', { type: 'string', describe: 'with --exits: margin:θ1,θ2,… (top-1 − top-2 score) or softmax:θ1,θ2,… (max probability, int8)' })
          .example('$0 run zoo/models/har-cnn.onnx --target cortex-m4 --input zoo/data/test_X.npy -o y.npy', '256 windows in QEMU'),
      (a) =>
        a.exits !== undefined
          ? run(() => runAdaptiveCommand({ model: a.model!, exits: a.exits!, policy: a.policy, target: a.target, input: a.input, output: a.output, const: a.const, board: a.board, opt: a.opt, ...precisionArgs(a) }))()
          : run(() => runCommand({ model: a.model!, target: a.target, input: a.input, output: a.output, const: a.const, board: a.board, opt: a.opt, ...precisionArgs(a) }))(),
    )
    .command(
      'measure <model>',
      'instructions (exact, QEMU), estimated cycles, flash and SRAM of the built firmware',
      (y) =>
        addPrecisionOptions(modelArg(y))
          .option('target', { alias: 't', choices: MCU_TARGETS, default: 'cortex-m4' as McuTargetName })
          .option('board', boardOpt)
          .option('opt', { ...optOpt, alias: 'O' })
          .option('input', { alias: 'i', type: 'string', describe: 'inputs to measure with (default: a synthetic window)' })
          .option('json', { type: 'boolean' })
          .option('const', constOpt)
          .example('$0 measure zoo/models/har-cnn.onnx --target riscv --json', ''),
      (a) => run(() => measureCommand({ model: a.model!, target: a.target, board: a.board, opt: a.opt, input: a.input, json: a.json, const: a.const, ...precisionArgs(a) }))(),
    )
    .command(
      'check <model>',
      'gate a model on budgets: exit 0 within, 1 over, 2 bad input, 3 missing tool',
      (y) =>
        addPrecisionOptions(modelArg(y))
          .option('target', { alias: 't', choices: MCU_TARGETS, default: 'cortex-m4' as McuTargetName })
          .option('board', boardOpt)
          .option('opt', { ...optOpt, alias: 'O' })
          .option('max-flash', { type: 'string', describe: 'flash budget, e.g. 64KiB' })
          .option('max-sram', { type: 'string', describe: 'SRAM budget (static + measured stack), e.g. 16KiB' })
          .option('max-cycles', { type: 'number', describe: 'estimated cycles per inference' })
          .option('report', { type: 'string', describe: 'write the JSON report (docs/check-report.schema.json) here' })
          .option('json', { type: 'boolean', describe: 'print the JSON report instead of the table' })
          .option('input', { alias: 'i', type: 'string' })
          .option('const', constOpt)
          .check((a) => {
            if (a['max-flash'] === undefined && a['max-sram'] === undefined && a['max-cycles'] === undefined) throw new Error('give at least one of --max-flash, --max-sram, --max-cycles');
            return true;
          })
          .example('$0 check zoo/models/har-cnn.onnx --target cortex-m4 --max-flash 64KiB --max-sram 16KiB --report check.json', ''),
      (a) =>
        run(() =>
          checkCommand({
            model: a.model!, target: a.target, board: a.board, opt: a.opt, input: a.input, const: a.const, json: a.json, report: a.report, ...precisionArgs(a),
            maxFlash: a['max-flash'] !== undefined ? parseBytes(a['max-flash'], '--max-flash') : undefined,
            maxSram: a['max-sram'] !== undefined ? parseBytes(a['max-sram'], '--max-sram') : undefined,
            maxCycles: a['max-cycles'],
          }),
        )(),
    )
    .command(
      'convert <model>',
      "save a model in harc's JSON graph format",
      (y) => modelArg(y).option('out', { alias: 'o', type: 'string', demandOption: true }).option('weights-file', { type: 'boolean', describe: 'weights in a side .bin file instead of inline base64' }),
      (a) => run(() => convertCommand({ model: a.model!, out: a.out, weightsFile: a['weights-file'] }))(),
    )
    .command(
      'eval <model>',
      'accuracy, macro-F1 and confusion matrix of the float and int8 C on a labelled data set (host build)',
      (y) =>
        modelArg(y)
          .option('data', { type: 'string', demandOption: true, describe: 'inputs: float32 .npy [N, ...input shape]' })
          .option('labels', { type: 'string', demandOption: true, describe: 'labels: .npy [N] (uint8 or int64 class indices)' })
          .option('calib', { type: 'string', describe: 'int8 calibration inputs .npy (without it only float is evaluated)' })
          .option('calib-method', { choices: ['minmax', 'percentile', 'mse'] as const, default: 'minmax' as const })
          .option('calib-samples', { type: 'number' })
          .option('json', { type: 'boolean', describe: 'print {float: {accuracy, macroF1, confusion}, int8: {...}}' })
          .option('const', constOpt)
          .option('exits', { type: 'string', describe: "multi-exit model: sweep decision thresholds, print the operating modes (exit outputs in order, or 'auto')" })
          .option('val-data', { type: 'string', describe: 'with --exits: validation inputs the thresholds are chosen on' })
          .option('val-labels', { type: 'string', describe: 'with --exits: validation labels' })
          .option('precision', { choices: ['float', 'int8'] as const, default: 'int8' as const, describe: 'with --exits: the precision of the staged program' })
          .option('target', { alias: 't', choices: MCU_TARGETS, default: 'cortex-m4' as McuTargetName, describe: 'with --exits: target whose cycles are measured' })
          .option('policy', { choices: ['margin', 'softmax'] as const, describe: 'with --exits: sweep one policy (default: both for int8)' })
          .option('svg', { type: 'string', describe: 'with --exits: write the modes plot (SVG) here' })
          .option('qemu-windows', { type: 'number', default: 128, describe: 'with --exits: test windows of the QEMU check of the predicted cycles' })
          .example('$0 eval zoo/models/har-cnn.onnx --data zoo/data/test_X.npy --labels zoo/data/test_y.npy --calib zoo/data/calib_X.npy', ''),
      (a) =>
        a.exits !== undefined
          ? run(() => adaptiveEvalCommand({ model: a.model!, exits: a.exits!, data: a.data, labels: a.labels, valData: a['val-data'], valLabels: a['val-labels'], target: a.target, policy: a.policy, svg: a.svg, json: a.json, qemuWindows: a['qemu-windows'], const: a.const, precision: a.precision, calib: a.calib, calibMethod: a['calib-method'], calibSamples: a['calib-samples'] }))()
          : run(() => evalCommand({ model: a.model!, data: a.data, labels: a.labels, json: a.json, const: a.const, calib: a.calib, calibMethod: a['calib-method'], calibSamples: a['calib-samples'] }))(),
    )
    .command('ops', 'list the supported operators', (y) => y, () => run(() => opsCommand())())
    .demandCommand(1, 'give a command')
    .strict()
    .recommendCommands()
    .help()
    .version('0.1.0')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? Object.assign(new Error(msg), { name: 'YError' });
    })
    .epilog('Exit codes: 0 ok, 1 a check failed (over budget, mismatch), 2 bad input or usage, 3 a required tool is missing.');
  try {
    await cli.parseAsync();
  } catch (e) {
    return report(e);
  }
  return code;
}
