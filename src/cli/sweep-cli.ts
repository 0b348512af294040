import type { Argv, CommandModule } from 'yargs';
import { optionalBytes, optionalCount } from './args.ts';
import { checkOutFile } from './output.ts';
import { addModelOptions, addPlanOptions, addSweepOptions, MCU_TARGET_CHOICES } from './options.ts';
import type { McuTargetName } from '../targets/index.ts';
import type { CalibMethod } from '../planning/calibrate.ts';

// `harc sweep MODEL …`, `harc sweep pick DIR …`, `harc sweep merge DIR… -o DIR`: declared here so
// main.ts only registers them; the handlers (src/cli/commands/sweep.ts) load the compiler lazily.

export const SWEEP_EXAMPLES = {
  sweep: '$0 sweep zoo/models/har-cnn.onnx --data zoo/data/test_X.npy --labels zoo/data/test_y.npy --calib zoo/data/calib_X.npy --target cortex-m4 --layers "*Conv" --bits 8,4 -o out/sweep',
  pick: '$0 sweep pick out/sweep --max-flash 48KiB -o bits.json',
  merge: '$0 sweep merge out/shard1 out/shard2 out/shard3 -o out/sweep',
} as const;

const HONEST = `The search (greedy steps, pareto.json, pick) decides on VALIDATION data only: --val/--val-labels, or without them a seeded split of --data (--val-fraction, default 0.5: the windows are shuffled with --seed, the first fraction is validation, the rest test). The test figures are reported and never choose. Calibration runs once per sweep. Every measured candidate is cached by content (model, bits, target, kernel set, flags, calibration, validation and test data) under the harc cache directory ($HARC_CACHE_DIR/sweep; HARC_SWEEP_CACHE=0 turns it off), so an interrupted sweep resumes and a repeated one builds nothing; results.jsonl holds no wall-clock times (those are in timings.jsonl), so shards merged with harc sweep merge give the bytes of a single run.`;

export const sweepCommandModule = (run: (fn: () => Promise<number>) => Promise<void>): CommandModule => ({
  command: 'sweep',
  describe: 'mixed-precision design-space exploration: per-layer weight bits → accuracy, flash, SRAM, cycles; Pareto front',
  handler: () => undefined,
  builder: (y: Argv) =>
    y
      .command(
        'pick <dir>',
        'write the most val-accurate candidate within budget as a --bits FILE.json for harc compile/check',
        (p) =>
          p
            .positional('dir', { type: 'string', demandOption: true, describe: 'the -o DIR of a harc sweep (or merge)' })
            .option('max-flash', { type: 'string', describe: 'flash budget: 65536, 64KiB (×1024), 64KB (×1000)' })
            .option('max-sram', { type: 'string', describe: 'SRAM budget, same units' })
            .option('max-cycles', { type: 'string', describe: 'estimated cycles per inference, a whole number' })
            .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'the bits .json file to write' })
            .example(SWEEP_EXAMPLES.pick, ''),
        (a) =>
          run(async () => {
            const budget = { maxFlash: optionalBytes(a['max-flash'], '--max-flash'), maxSram: optionalBytes(a['max-sram'], '--max-sram'), maxCycles: optionalCount(a['max-cycles'], '--max-cycles') };
            checkOutFile(a.out, '-o');
            const { sweepPickCommand } = await import('./commands/sweep.ts');
            return sweepPickCommand({ dir: a.dir!, out: a.out, ...budget });
          }),
      )
      .command(
        'merge <dirs..>',
        'combine the output directories of --shard runs into the files a single run writes',
        (m) =>
          m
            .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'the shards’ -o directories' })
            .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output directory' })
            .option('force', { type: 'boolean', default: false, describe: 'write into an existing directory that harc sweep did not write' })
            .example(SWEEP_EXAMPLES.merge, ''),
        (a) =>
          run(async () => {
            const { sweepMergeCommand } = await import('./commands/sweep.ts');
            return sweepMergeCommand({ dirs: (a.dirs ?? []).map(String), out: a.out, force: a.force });
          }),
      )
      .command(
        '$0 <model>',
        'sweep per-layer weight bits of a model',
        (s) =>
          addPlanOptions(addSweepOptions(addModelOptions(s)))
            .option('target', { alias: 't', choices: MCU_TARGET_CHOICES, default: 'cortex-m4' as McuTargetName, describe: 'the microcontroller measured in QEMU (flash, SRAM, instructions, cycles)' })
            .example(SWEEP_EXAMPLES.sweep, '')
            .epilog(HONEST),
        (a) =>
          run(async () => {
            const { sweepCommand } = await import('./commands/sweep.ts');
            return sweepCommand({
              model: a.model!,
              const: a.const,
              allowNonfinite: a['allow-nonfinite'],
              data: a.data,
              labels: a.labels,
              calib: a.calib,
              calibMethod: a['calib-method'] as CalibMethod,
              val: a.val,
              valLabels: a['val-labels'],
              valFraction: a['val-fraction'],
              bits: a.bits,
              layers: a.layers?.map(String),
              strategy: a.strategy,
              max: optionalCount(a.max, '--max', 1),
              seed: optionalCount(a.seed, '--seed') ?? 1,
              jobs: optionalCount(a.jobs, '--jobs', 1) ?? 2,
              shard: a.shard,
              target: a.target,
              planner: a.planner,
              kernels: a.kernels,
              cmsisNn: a['cmsis-nn'],
              out: a.out,
              force: a.force,
            });
          }),
      ),
});
