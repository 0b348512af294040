/** buildFirmware: compile a generated model directory plus the harness into an executable. */
import { existsSync } from 'node:fs';
import { mkdir, readdir, access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { resolveBoard, type Board } from './boards.ts';
import { CMSIS_NN_MARKER, cmsisNnBuildArgs, cmsisNnDir } from './cmsis-nn.ts';
import { FirmwareBuildError, ToolMissingError } from './errors.ts';
import { toolchainPath } from './paths.ts';
import { debianPackagesFor, isSpawnNotFound, requireTool, toolsFor, type ToolOverrides } from './tools.ts';
import { isMcuTarget, type OptLevel, type TargetName } from './types.ts';

export interface BuildOptions {
  target: TargetName;
  /** Board name (MCU targets); defaults to the target's QEMU board. */
  board?: string;
  /** Directory with model.h, model.c and any further .c files. */
  modelDir: string;
  outDir: string;
  optLevel?: OptLevel;
  /** Extra preprocessor defines: { NAME: value } → -DNAME=value (true → -DNAME). */
  defines?: Record<string, string | number | boolean>;
  /** Stack reservation in bytes (MCU targets); defaults to the board's. */
  stackBytes?: number;
  /** Extra compiler flags appended after the defaults. */
  extraCflags?: readonly string[];
  tools?: ToolOverrides;
  /** CMSIS-NN directory for models that call it (default: CMSIS_NN_PATH). */
  cmsisNn?: string;
}

export interface BuildResult {
  elf: string;
  target: TargetName;
  board?: string;
  /** Linker map (MCU targets). */
  map?: string;
}

export const WARNING_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror'] as const;

function defineFlags(defines: BuildOptions['defines'] = {}): string[] {
  return Object.entries(defines)
    .filter(([, v]) => v !== false)
    .map(([k, v]) => (v === true ? `-D${k}` : `-D${k}=${String(v)}`));
}

async function modelSources(modelDir: string): Promise<string[]> {
  try {
    await access(path.join(modelDir, 'model.h'));
  } catch {
    throw new Error(`model directory '${modelDir}' has no model.h`);
  }
  const entries = await readdir(modelDir);
  const sources = entries.filter((f) => f.endsWith('.c')).sort();
  if (sources.length === 0) throw new Error(`model directory '${modelDir}' has no .c files`);
  return sources.map((f) => path.join(modelDir, f));
}

const picolibcChecked = new Map<string, boolean>();

/** gcc prints the bare name back when a spec file is not in its search path. */
async function requirePicolibc(cc: string, triple: string): Promise<void> {
  if (picolibcChecked.get(cc)) return;
  const r = await execa(cc, ['--print-file-name=picolibc.specs'], { reject: false });
  const found = r.exitCode === 0 && path.isAbsolute(r.stdout.trim());
  if (!found) {
    const tool = `picolibc (${triple})`;
    throw new ToolMissingError(tool, debianPackagesFor(tool), `C library for ${triple}`);
  }
  picolibcChecked.set(cc, true);
}

function targetFlags(board: Board, stackBytes: number | undefined, map: string): string[] {
  return [
    ...board.cpuFlags,
    '--specs=picolibc.specs',
    '-nostartfiles',
    `-L${toolchainPath('ld')}`,
    '-T',
    board.linkerScript,
    '-Wl,--gc-sections',
    `-Wl,-Map=${map}`,
    ...(stackBytes !== undefined ? [`-Wl,--defsym=__harc_stack_size=${stackBytes}`] : []),
  ];
}

function startupSources(board: Board): string[] {
  const common = [toolchainPath('harness', 'target_main.c'), toolchainPath('startup', 'runtime.c')];
  if (board.target === 'cortex-m4') return [...common, toolchainPath('startup', 'startup_cm4.c')];
  return [...common, toolchainPath('startup', 'start_rv32.S'), toolchainPath('startup', 'trap_rv32.c')];
}

export async function buildFirmware(opts: BuildOptions): Promise<BuildResult> {
  const { target, modelDir, outDir } = opts;
  const optLevel = opts.optLevel ?? 'O2';
  const tools = toolsFor(target, opts.tools);
  const cc = requireTool(tools.cc, `C compiler for target ${target}`);
  const models = await modelSources(modelDir);
  // a model compiled with --kernels cmsis-nn: the library's include dir and the sources it calls
  const libraries = existsSync(path.join(modelDir, CMSIS_NN_MARKER)) ? cmsisNnBuildArgs(cmsisNnDir(opts.cmsisNn)) : [];
  await mkdir(outDir, { recursive: true });

  const common = [
    ...WARNING_FLAGS,
    `-${optLevel}`,
    '-g',
    '-ffunction-sections',
    '-fdata-sections',
    '-fno-ipa-icf',
    `-I${modelDir}`,
    `-I${toolchainPath('include')}`,
    `-I${toolchainPath('harness')}`,
    ...defineFlags(opts.defines),
    ...(opts.extraCflags ?? []),
  ];

  let args: string[];
  let elf: string;
  let board: Board | undefined;
  let map: string | undefined;
  if (isMcuTarget(target)) {
    board = resolveBoard(target, opts.board);
    await requirePicolibc(cc, target === 'cortex-m4' ? 'arm-none-eabi' : 'riscv64-unknown-elf');
    elf = path.join(outDir, 'firmware.elf');
    map = path.join(outDir, 'firmware.map');
    args = [
      ...common,
      ...targetFlags(board, opts.stackBytes, map),
      ...startupSources(board),
      ...models,
      ...libraries,
      '-lm',
      '-o',
      elf,
    ];
  } else {
    if (opts.board) throw new Error(`target 'host' takes no board (got '${opts.board}')`);
    elf = path.join(outDir, 'firmware');
    args = [...common, toolchainPath('harness', 'host_main.c'), ...models, ...libraries, '-lm', '-o', elf];
  }

  const r = await execa(cc, args, { reject: false, all: true });
  if (isSpawnNotFound(r)) throw new ToolMissingError(tools.cc, debianPackagesFor(tools.cc), 'C compiler');
  if (r.exitCode !== 0) {
    throw new FirmwareBuildError(`firmware build failed for ${target}`, `${cc} ${args.join(' ')}`, r.all ?? '');
  }
  return { elf, target, ...(board ? { board: board.name } : {}), ...(map ? { map } : {}) };
}
