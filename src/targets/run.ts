/** runFirmware: execute a built firmware (natively or under QEMU) on packed inputs. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { emulatorBoard, getBoard, resolveBoard, type Board } from './boards.ts';
import { FirmwareRunError, ToolMissingError } from './errors.ts';
import { elfSymbols } from './elf.ts';
import { ensurePlugin, parsePluginReport } from './plugin.ts';
import { debianPackagesFor, isSpawnNotFound, requireTool, toolsFor, type ToolOverrides } from './tools.ts';
import { isMcuTarget, type ClassCounts, type MultiTransferCounts, type Segment, type SegmentCount, type TargetName } from './types.ts';

export interface RunOptions {
  target: TargetName;
  elf: string;
  /** N inferences of inputBytes each, packed back to back. */
  input: Uint8Array;
  inputBytes: number;
  outputBytes: number;
  /** Board the ELF was built for (defaults to the target's); it runs on that board's QEMU machine. */
  board?: string;
  /** Count instructions (MCU targets only; ignored on host). */
  measure?: { segments: readonly Segment[] };
  /** Wall-clock limit for the process (default 60 s). */
  timeoutMs?: number;
  tools?: ToolOverrides;
  /** Keep the scratch directory (for debugging); its path is returned as workDir. */
  keepWorkDir?: boolean;
}

export interface RunResult {
  output: Uint8Array;
  inferences: number;
  /** Peak stack use over the whole run in bytes (MCU targets). */
  stackBytes?: number;
  /** Stack reserved by the linker script (MCU targets). */
  stackReservedBytes?: number;
  /** Instructions executed inside all inferences (total over the run). */
  instructions?: number;
  segments?: SegmentCount[];
  classes?: ClassCounts;
  takenBranches?: number;
  /** Loads directly after a load in the same block (for estimateCycles). */
  pipelinedLoads?: number;
  /** Multi-word loads/stores and their words (for estimateCycles). */
  multiTransfers?: MultiTransferCounts;
  /** Loads/stores whose address register the instruction before computed (for estimateCycles). */
  addressStalls?: number;
  workDir?: string;
}

const IN_FILE = 'harc_in.bin';
const OUT_FILE = 'harc_out.bin';
const REPORT_FILE = 'harc_report.txt';
const SEGMENTS_FILE = 'harc_segments.txt';
const COUNTS_FILE = 'harc_counts.txt';
export const HARNESS_SEGMENT_NAME = 'harness';

function parseKeyValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) values.set(k, Number(v));
  }
  return values;
}

async function markerAddresses(elf: string, target: TargetName, tools?: ToolOverrides) {
  const symbols = await elfSymbols(elf, { target, ...(tools ? { tools } : {}) });
  const find = (name: string) => {
    const s = symbols.find((x) => x.name === name);
    if (!s) throw new Error(`${elf}: symbol ${name} not found (not a harc firmware?)`);
    return s.address;
  };
  return { begin: find('harc_inference_begin'), end: find('harc_inference_end') };
}

async function qemuArgs(
  runner: Board,
  opts: RunOptions,
  workDir: string,
): Promise<string[]> {
  const q = runner.qemu!;
  const args = [
    '-M',
    q.machine,
    ...q.args,
    '-nographic',
    '-monitor',
    'none',
    '-serial',
    'null',
    '-semihosting-config',
    'enable=on,target=native',
    '-kernel',
    path.resolve(opts.elf),
  ];
  if (opts.measure) {
    const plugin = await ensurePlugin();
    const { begin, end } = await markerAddresses(opts.elf, opts.target, opts.tools);
    const mask = opts.target === 'cortex-m4' ? ~1 : ~0;
    const lines = opts.measure.segments.map((s) => `${((s.address & mask) >>> 0).toString(16)} ${s.id}`);
    await writeFile(path.join(workDir, SEGMENTS_FILE), lines.join('\n') + '\n');
    const arch = opts.target === 'riscv' ? 'riscv' : 'arm';
    args.push(
      '-plugin',
      `${plugin},out=${COUNTS_FILE},begin=${begin.toString(16)},end=${end.toString(16)},segments=${SEGMENTS_FILE},arch=${arch}`,
    );
  }
  return args;
}

export async function runFirmware(opts: RunOptions): Promise<RunResult> {
  const { target, input, inputBytes, outputBytes } = opts;
  if (inputBytes <= 0 || input.length % inputBytes !== 0) {
    throw new Error(`input length ${input.length} is not a multiple of inputBytes ${inputBytes}`);
  }
  const expectedInferences = input.length / inputBytes;
  const timeout = opts.timeoutMs ?? 60_000;

  let command: string;
  let args: string[];
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'harc-run-'));
  try {
    await writeFile(path.join(workDir, IN_FILE), input);
    if (isMcuTarget(target)) {
      const runner = emulatorBoard(opts.board ? getBoard(opts.board) : resolveBoard(target));
      if (runner.target !== target) throw new Error(`board '${opts.board}' is not a ${target} board`);
      const qemu = toolsFor(target, opts.tools).qemu ?? runner.qemu.binary;
      command = requireTool(qemu, `emulator for ${target}`);
      args = await qemuArgs(runner, opts, workDir);
    } else {
      command = path.resolve(opts.elf);
      args = [IN_FILE, OUT_FILE, REPORT_FILE];
    }

    const r = await execa(command, args, { cwd: workDir, timeout, reject: false, all: true, stdin: 'ignore' });
    if (isSpawnNotFound(r)) throw new ToolMissingError(command, debianPackagesFor(command), 'emulator');
    if (r.timedOut) {
      throw new FirmwareRunError(`${target} firmware timed out after ${timeout} ms`, undefined, r.all ?? '');
    }
    if (r.exitCode !== 0) {
      throw new FirmwareRunError(`${target} firmware exited with status ${r.exitCode}`, r.exitCode, r.all ?? '');
    }

    const output = new Uint8Array(await readFile(path.join(workDir, OUT_FILE)));
    if (output.length !== expectedInferences * outputBytes) {
      throw new FirmwareRunError(
        `expected ${expectedInferences * outputBytes} output bytes, got ${output.length}`,
        0,
        r.all ?? '',
      );
    }
    const report = parseKeyValues(await readFile(path.join(workDir, REPORT_FILE), 'utf8'));
    const result: RunResult = { output, inferences: report.get('inferences') ?? expectedInferences };
    if (isMcuTarget(target)) {
      result.stackBytes = report.get('stack_peak_bytes');
      result.stackReservedBytes = report.get('stack_size_bytes');
    }
    if (isMcuTarget(target) && opts.measure) {
      const counts = parsePluginReport(await readFile(path.join(workDir, COUNTS_FILE), 'utf8'));
      result.instructions = counts.total;
      result.classes = counts.classes;
      result.takenBranches = counts.takenBranches;
      result.pipelinedLoads = counts.pipelinedLoads;
      result.multiTransfers = counts.multiTransfers;
      result.addressStalls = counts.addressStalls;
      result.segments = [
        { id: -1, name: HARNESS_SEGMENT_NAME, instructions: counts.segments.get(-1) ?? 0 },
        ...opts.measure.segments.map((s) => ({ id: s.id, name: s.name, instructions: counts.segments.get(s.id) ?? 0 })),
      ];
      if (counts.inferences !== result.inferences) {
        throw new FirmwareRunError(
          `plugin saw ${counts.inferences} inferences, harness reported ${result.inferences}`,
          0,
          '',
        );
      }
    }
    if (opts.keepWorkDir) result.workDir = workDir;
    return result;
  } finally {
    if (!opts.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}
