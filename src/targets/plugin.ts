/** Builds (once, into the cache) and locates the QEMU instruction-count plugin. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FirmwareBuildError, ToolMissingError } from './errors.ts';
import { cacheDir, toolchainPath } from './paths.ts';
import { debianPackagesFor, isSpawnNotFound, requireTool } from './tools.ts';
import { INSN_CLASSES, emptyClassCounts, type ClassCounts, type MultiTransferCounts } from './types.ts';

export const PLUGIN_SOURCE = toolchainPath('plugin', 'insn_count.c');

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

let pluginBuilds = 0;

/** Path of the plugin shared object, compiled with the host gcc on first use. */
export async function ensurePlugin(hostCc = 'gcc'): Promise<string> {
  const source = await readFile(PLUGIN_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir(), 'plugin');
  const so = path.join(dir, `insn_count-${hash}.so`);
  if (await exists(so)) return so;
  const cc = requireTool(hostCc, 'host C compiler for the QEMU plugin');
  await mkdir(dir, { recursive: true });
  // unique per call too: a sweep measures several candidates at once in one process
  const tmp = `${so}.${process.pid}.${++pluginBuilds}.tmp`;
  const args = ['-shared', '-fPIC', '-O2', '-std=c99', '-Wall', '-Wextra', '-Werror', '-o', tmp, PLUGIN_SOURCE];
  const r = await execa(cc, args, { reject: false, all: true });
  if (isSpawnNotFound(r)) throw new ToolMissingError(hostCc, debianPackagesFor(hostCc), 'host C compiler');
  if (r.exitCode !== 0) {
    await rm(tmp, { force: true });
    throw new FirmwareBuildError('building the QEMU plugin failed', `${cc} ${args.join(' ')}`, r.all ?? '');
  }
  await rename(tmp, so); // atomic: concurrent builders race harmlessly
  return so;
}

export interface PluginReport {
  inferences: number;
  total: number;
  takenBranches: number;
  pipelinedLoads: number;
  multiTransfers: MultiTransferCounts;
  addressStalls: number;
  classes: ClassCounts;
  /** Instructions per segment id (-1 = harness glue before the first segment). */
  segments: Map<number, number>;
}

export function parsePluginReport(text: string): PluginReport {
  const lines = text.split('\n').map((l) => l.trim().split(/\s+/));
  if (lines[0]?.[0] !== 'harc-insn-count' || !lines.some((l) => l[0] === 'end')) {
    throw new Error('incomplete instruction-count report from the QEMU plugin');
  }
  const report: PluginReport = {
    inferences: 0,
    total: 0,
    takenBranches: 0,
    pipelinedLoads: 0,
    multiTransfers: { loads: 0, loadWords: 0, stores: 0, storeWords: 0 },
    addressStalls: 0,
    classes: emptyClassCounts(),
    segments: new Map(),
  };
  for (const [key, a, b] of lines) {
    if (key === 'inferences') report.inferences = Number(a);
    else if (key === 'total') report.total = Number(a);
    else if (key === 'taken_branches') report.takenBranches = Number(a);
    else if (key === 'pipelined_loads') report.pipelinedLoads = Number(a);
    else if (key === 'multi_loads') report.multiTransfers.loads = Number(a);
    else if (key === 'multi_load_words') report.multiTransfers.loadWords = Number(a);
    else if (key === 'multi_stores') report.multiTransfers.stores = Number(a);
    else if (key === 'multi_store_words') report.multiTransfers.storeWords = Number(a);
    else if (key === 'address_stalls') report.addressStalls = Number(a);
    else if (key === 'class' && (INSN_CLASSES as readonly string[]).includes(a!)) {
      report.classes[a as keyof ClassCounts] = Number(b);
    } else if (key === 'segment') {
      const id = Number(a);
      report.segments.set(id, (report.segments.get(id) ?? 0) + Number(b));
    }
  }
  return report;
}
