/** External tools per target: lookup on PATH and typed "missing tool" errors. */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ToolMissingError } from './errors.ts';
import type { TargetName } from './types.ts';

export interface ToolSet {
  cc: string;
  nm: string;
  size: string;
  /** QEMU system emulator (undefined for the host target). */
  qemu?: string;
}

/** Overrides for tool names or paths, e.g. { qemu: '/opt/qemu/bin/qemu-system-arm' }. */
export type ToolOverrides = Partial<ToolSet>;

const DEFAULT_TOOLS: Record<TargetName, ToolSet> = {
  host: { cc: 'gcc', nm: 'nm', size: 'size' },
  'cortex-m4': {
    cc: 'arm-none-eabi-gcc',
    nm: 'arm-none-eabi-nm',
    size: 'arm-none-eabi-size',
    qemu: 'qemu-system-arm',
  },
  riscv: {
    cc: 'riscv64-unknown-elf-gcc',
    nm: 'riscv64-unknown-elf-nm',
    size: 'riscv64-unknown-elf-size',
    qemu: 'qemu-system-riscv32',
  },
};

/** Debian packages providing each tool (used in install hints). */
const DEBIAN_PACKAGES: Record<string, readonly string[]> = {
  gcc: ['gcc'],
  nm: ['binutils'],
  size: ['binutils'],
  'arm-none-eabi-gcc': ['gcc-arm-none-eabi'],
  'arm-none-eabi-nm': ['binutils-arm-none-eabi'],
  'arm-none-eabi-size': ['binutils-arm-none-eabi'],
  'riscv64-unknown-elf-gcc': ['gcc-riscv64-unknown-elf'],
  'riscv64-unknown-elf-nm': ['binutils-riscv64-unknown-elf'],
  'riscv64-unknown-elf-size': ['binutils-riscv64-unknown-elf'],
  'qemu-system-arm': ['qemu-system-arm'],
  'qemu-system-riscv32': ['qemu-system-misc'],
  'picolibc (arm-none-eabi)': ['picolibc-arm-none-eabi'],
  'picolibc (riscv64-unknown-elf)': ['picolibc-riscv64-unknown-elf'],
};

export function debianPackagesFor(tool: string): readonly string[] {
  return DEBIAN_PACKAGES[path.basename(tool)] ?? [];
}

export function toolsFor(target: TargetName, overrides: ToolOverrides = {}): ToolSet {
  return { ...DEFAULT_TOOLS[target], ...overrides };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of an executable found on PATH (or the given path), else undefined. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? path.resolve(name) : undefined;
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Resolve a tool or throw ToolMissingError naming it and how to install it. */
export function requireTool(name: string, purpose: string): string {
  const found = findExecutable(name);
  if (!found) throw new ToolMissingError(name, debianPackagesFor(name), purpose);
  return found;
}

/** True when an execa result failed because the program could not be spawned. */
export function isSpawnNotFound(result: { failed?: boolean; code?: string }): boolean {
  return result.failed === true && result.code === 'ENOENT';
}
