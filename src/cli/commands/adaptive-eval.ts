import { writeFileSync } from 'node:fs';
import { POLICY_KINDS, exitTaken, type AdaptiveModel, type PolicyKind } from '../../backends/adaptive.ts';
import { cumulativeMacs, modesSvg, paretoFront, scoreMode, thresholdCombos, thresholdGrid, type Mode } from '../../eval/adaptive-eval.ts';
import { cyclesPerInference, runAdaptive, runFullNetwork, type DevicePolicy } from '../../targets/adaptive-run.ts';
import { defaultAlignment } from '../../backends/c/memory.ts';
import { packForModel } from '../../eval/evaluate.ts';
import type { McuTargetName } from '../../targets/index.ts';
import { inputError } from '../../ir/errors.ts';
import { readNpy } from '../../ir/npy.ts';
import type { Value } from '../../ir/types.ts';
import { table } from '../format.ts';
import type { PrecisionArgs } from '../precision.ts';
import { compileAdaptiveForCli } from './adaptive.ts';

// `harc eval MODEL --exits … --data --labels --val-data --val-labels`: the operating modes of a staged
// program. Scores come from the host build of the same C (int8: bit-equal to the targets, see
// test/adaptive); per-exit cycles from QEMU runs that force every window out at one exit; the
// modes' predicted mean cycles are checked against a QEMU run of _run_adaptive.

export interface AdaptiveEvalArgs extends PrecisionArgs {
  model: string;
  exits: string;
  data: string;
  labels: string;
  valData?: string;
  valLabels?: string;
  target: McuTargetName;
  policy?: string;
  svg?: string;
  json?: boolean;
  /** Windows for the per-exit cycle runs and the QEMU check. */
  qemuWindows: number;
  const?: string[];
}

const say = (msg: string): void => void process.stderr.write(`harc: ${msg}\n`);

function loadSet(model: AdaptiveModel, data: string, labels: string): { windows: Uint8Array[]; labels: number[] } {
  const x: Value = readNpy(data);
  if (x.dtype !== 'float32') throw inputError(`${data}: inputs must be float32 (got ${x.dtype})`);
  const y = readNpy(labels);
  const { bytes, n } = packForModel(model, x);
  if (y.data.length !== n) throw inputError(`${labels}: ${y.data.length} labels for ${n} windows in ${data}`);
  const per = model.inputBytes;
  return { windows: Array.from({ length: n }, (_, w) => bytes.slice(w * per, (w + 1) * per)), labels: Array.from(y.data as ArrayLike<number>, Number) };
}

const toNumbers = (m: AdaptiveModel, b: Uint8Array): number[] => Array.from(m.int8 ? new Int8Array(b.buffer, b.byteOffset, b.length) : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)));

/** A policy that sends every window out at exit k. */
function forceExit(model: AdaptiveModel, k: number): DevicePolicy {
  const always = model.int8 ? 0 : 0;
  const never = model.int8 ? 256 : Infinity;
  return { kind: 'margin', thresholds: model.exits.map((_, j) => (j < k ? never : always)) };
}

export async function adaptiveEvalCommand(a: AdaptiveEvalArgs): Promise<number> {
  if (!a.valData || !a.valLabels) throw inputError('--exits with harc eval needs --val-data and --val-labels: thresholds are chosen on validation and reported on --data');
  const model = compileAdaptiveForCli({ ...a, memory: { alignment: defaultAlignment(a.target) } });
  const kinds: PolicyKind[] = a.policy ? [a.policy as PolicyKind] : [...POLICY_KINDS];
  for (const k of kinds) if (!POLICY_KINDS.includes(k)) throw inputError(`--policy ${k}: use margin or softmax`);
  const val = loadSet(model, a.valData, a.valLabels);
  const test = loadSet(model, a.data, a.labels);
  say(`host: the full network on ${val.windows.length} validation and ${test.windows.length} test windows`);
  const [fv, ft] = [await runFullNetwork(model, val.windows, { target: 'host' }), await runFullNetwork(model, test.windows, { target: 'host' })];
  const valScores = fv.scores.map((w) => w.map((b) => toNumbers(model, b)));
  const testScores = ft.scores.map((w) => w.map((b) => toNumbers(model, b)));

  // per-exit cost on the target: every window forced out at exit k, and the full _run
  const probe = test.windows.slice(0, Math.min(a.qemuWindows, 16));
  const K = model.exits.length;
  const cyclesPerExit: number[] = [];
  for (let k = 0; k < K; k++) {
    say(`${a.target}: cycles of a run that stops at exit ${k + 1} (${probe.length} windows in QEMU)`);
    const r = await runAdaptive(model, probe, probe.map(() => forceExit(model, k)), { target: a.target, measure: true });
    if (r.exits.some((e) => e !== k)) throw new Error(`forced exit ${k + 1} not taken`);
    cyclesPerExit.push(cyclesPerInference(r.run, a.target));
  }
  say(`${a.target}: cycles of the full network (${model.prefix}_run)`);
  const fullCycles = cyclesPerInference((await runFullNetwork(model, probe, { target: a.target, measure: true })).run, a.target);

  const full = (labels: number[], scores: number[][][]): Mode => scoreMode(model, scores, labels, 'margin', model.exits.map(() => (model.int8 ? 256 : Infinity)), cyclesPerExit);
  const fullVal = full(val.labels, valScores);
  const fullTest = { ...full(test.labels, testScores), meanCycles: fullCycles };
  const valModes = kinds.flatMap((kind) => thresholdCombos(thresholdGrid(model, kind), K).map((t) => scoreMode(model, valScores, val.labels, kind, t, cyclesPerExit)));
  const front = paretoFront(valModes);
  const onTest = (m: Mode): Mode => scoreMode(model, testScores, test.labels, m.kind, m.thresholds, cyclesPerExit);
  const frontTest = front.map(onTest);
  // the cheapest validation-front mode within 0.5 pp macro-F1 of the full network (on validation)
  const bi = front.findIndex((m) => m.macroF1 >= fullVal.macroF1 - 0.005);
  const best = bi >= 0 ? { val: front[bi]!, test: frontTest[bi]! } : undefined;

  const fmtT = (m: Mode): string => `${m.kind}:${m.thresholds.slice(0, -1).map((t) => (Number.isFinite(t) ? String(t) : 'inf')).join(',')}`;
  const macs = cumulativeMacs(model);
  // distinct operating modes: swept settings with distinct exit distributions on test
  const allTest = valModes.map(onTest);
  const distinct = [...new Map(allTest.map((m) => [m.fractions.join(','), m])).values()];
  const allSpan = Math.max(...distinct.map((m) => m.meanCycles)) / Math.min(...distinct.map((m) => m.meanCycles));

  // QEMU check of the prediction: _run_adaptive over the first test windows, in the chosen mode and
  // in the mode that spreads the windows most evenly over the exits (the largest smallest fraction)
  const check = test.windows.slice(0, a.qemuWindows);
  const chosen = best?.val ?? front[Math.floor(front.length / 2)]!;
  const mixed = distinct.reduce((b, m) => (Math.min(...m.fractions) > Math.min(...b.fractions) ? m : b));
  const checks = [];
  for (const mode of [chosen, mixed]) {
    say(`${a.target}: ${model.prefix}_run_adaptive in mode ${fmtT(mode)} over ${check.length} test windows (QEMU)`);
    const r = await runAdaptive(model, check, check.map(() => ({ kind: mode.kind, thresholds: mode.thresholds })), { target: a.target, measure: true });
    const refExits = testScores.slice(0, check.length).map((s) => exitTaken(model, s, mode.kind, mode.thresholds));
    const predicted = refExits.reduce((s, e) => s + cyclesPerExit[e]!, 0) / check.length;
    const measured = cyclesPerInference(r.run, a.target);
    checks.push({
      policy: fmtT(mode),
      windows: check.length,
      exitsAgree: refExits.every((e, w) => e === r.exits[w]),
      fractions: model.exits.map((_, k) => refExits.filter((e) => e === k).length / check.length),
      predictedCycles: predicted,
      measuredCycles: measured,
      errorPct: (100 * (predicted - measured)) / measured,
    });
  }
  const exitsAgree = checks.every((c) => c.exitsAgree);
  // for reference only (chosen on test, so not a valid operating choice): the cheapest mode within 0.5 pp on test
  const oracle = [...allTest].sort((x, y) => x.meanCycles - y.meanCycles).find((m) => m.macroF1 >= fullTest.macroF1 - 0.005);

  const cycleSpan = Math.max(...frontTest.map((m) => m.meanCycles)) / Math.min(...frontTest.map((m) => m.meanCycles));
  if (a.svg) writeFileSync(a.svg, modesSvg(`${model.prefix}: ${K}-exit operating modes on ${a.target} (test split)`, allTest, frontTest, fullTest));
  const summary = {
    target: a.target,
    precision: model.int8 ? 'int8' : 'float',
    cumulativeMacsPerExit: macs,
    cyclesPerExit: cyclesPerExit.map(Math.round),
    fullNetwork: { accuracy: fullTest.accuracy, macroF1: fullTest.macroF1, cycles: Math.round(fullCycles), macs: macs[K - 1] },
    modesSwept: valModes.length,
    distinctModes: distinct.length,
    distinctModesCycleSpan: allSpan,
    fullNetworkValMacroF1: fullVal.macroF1,
    paretoModes: front.length,
    cycleSpan,
    best: best && { policy: fmtT(best.val), valMacroF1: best.val.macroF1, testMacroF1: best.test.macroF1, testAccuracy: best.test.accuracy, cycleFraction: best.test.meanCycles / fullCycles, fractions: best.test.fractions },
    qemuChecks: checks,
    testOracle: oracle && { policy: fmtT(oracle), testMacroF1: oracle.macroF1, cycleFraction: oracle.meanCycles / fullCycles, fractions: oracle.fractions },
    front: front.map((m, i) => ({ policy: fmtT(m), valMacroF1: m.macroF1, ...frontTest[i]!, thresholds: undefined })),
  };
  if (a.json) {
    console.log(JSON.stringify(summary, null, 1));
  } else {
    console.log(`${model.prefix} (${summary.precision}) on ${a.target}: per-exit cycles ${summary.cyclesPerExit.join(' / ')} (cumulative MACs ${macs.join(' / ')}); full network ${Math.round(fullCycles)} cycles`);
    console.log(`full network on test: accuracy ${(100 * fullTest.accuracy).toFixed(2)} %, macro-F1 ${(100 * fullTest.macroF1).toFixed(2)} %`);
    console.log(`${valModes.length} threshold settings swept on validation; ${front.length} Pareto-optimal operating modes (test figures):`);
    console.log(
      table(
        ['policy (device thresholds)', 'val F1 %', 'test acc %', 'test F1 %', ...model.exits.map((x) => `${x.output} %`), 'mean MACs', 'mean cycles', '× full'],
        front.map((m, i) => {
          const t = frontTest[i]!;
          return [fmtT(m), (100 * m.macroF1).toFixed(2), (100 * t.accuracy).toFixed(2), (100 * t.macroF1).toFixed(2), ...t.fractions.map((f) => (100 * f).toFixed(1)), String(Math.round(t.meanMacs)), String(Math.round(t.meanCycles)), (t.meanCycles / fullCycles).toFixed(3)];
        }),
      ),
    );
    console.log(`span of mean cycles over the front: ${cycleSpan.toFixed(2)}×`);
    console.log(`distinct operating modes (distinct exit distributions on test) among the ${valModes.length} settings: ${distinct.length}, spanning ${allSpan.toFixed(2)}× in mean cycles; full network validation macro-F1 ${(100 * fullVal.macroF1).toFixed(2)} %`);
    if (best) console.log(`best mode within 0.5 pp macro-F1 of the full network (chosen on validation): ${fmtT(best.val)}: test macro-F1 ${(100 * best.test.macroF1).toFixed(2)} % (full ${(100 * fullTest.macroF1).toFixed(2)} %), ${(best.test.meanCycles / fullCycles).toFixed(3)}× the full network's cycles`);
    else console.log('no mode on the validation front is within 0.5 pp macro-F1 of the full network');
    if (oracle) console.log(`(reference, chosen on test so not a valid choice: the cheapest setting within 0.5 pp on test is ${fmtT(oracle)}, macro-F1 ${(100 * oracle.macroF1).toFixed(2)} %, ${(oracle.meanCycles / fullCycles).toFixed(3)}× the cycles, exits ${oracle.fractions.map((f) => (100 * f).toFixed(1)).join(' / ')} %)`);
    for (const c of checks)
      console.log(`QEMU check (${c.policy}, ${c.windows} test windows, exits ${c.fractions.map((f) => (100 * f).toFixed(1) + ' %').join(' / ')}): exits ${c.exitsAgree ? 'equal' : 'DIFFER from'} the TS reference; predicted ${c.predictedCycles.toFixed(0)} cycles/window, measured ${c.measuredCycles.toFixed(0)} (${c.errorPct >= 0 ? '+' : ''}${c.errorPct.toFixed(3)} %)`);
    if (a.svg) console.log(`wrote ${a.svg}`);
  }
  return exitsAgree ? 0 : 1;
}
