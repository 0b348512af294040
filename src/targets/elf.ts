/** ELF inspection through the target's binutils (nm, size). */
import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { isSpawnNotFound, requireTool, toolsFor, debianPackagesFor, type ToolOverrides } from './tools.ts';
import { ToolMissingError } from './errors.ts';
import type { Segment, TargetName } from './types.ts';

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_ARM = 40;
const EM_RISCV = 243;

/** Target of an ELF file from its header (e_machine). */
export async function elfTarget(elf: string): Promise<TargetName> {
  const fh = await open(elf, 'r');
  try {
    const header = Buffer.alloc(20);
    await fh.read(header, 0, 20, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`'${elf}' is not an ELF file`);
    const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
    if (machine === EM_ARM) return 'cortex-m4';
    if (machine === EM_RISCV) return 'riscv';
    if (machine === EM_X86_64 || machine === EM_AARCH64) return 'host';
    throw new Error(`'${elf}': unsupported ELF machine ${machine}`);
  } finally {
    await fh.close();
  }
}

async function runTool(
  kind: 'nm' | 'size',
  elf: string,
  args: string[],
  target?: TargetName,
  overrides?: ToolOverrides,
): Promise<string> {
  const t = target ?? (await elfTarget(elf));
  const tool = toolsFor(t, overrides)[kind];
  const exe = requireTool(tool, `${kind} for ${t}`);
  const r = await execa(exe, [...args, elf], { reject: false });
  if (isSpawnNotFound(r)) throw new ToolMissingError(tool, debianPackagesFor(tool), kind);
  if (r.exitCode !== 0) throw new Error(`${tool} ${args.join(' ')} ${elf} failed: ${r.stderr}`);
  return r.stdout;
}

export interface ElfSymbol {
  name: string;
  /** Address; for Thumb code the interworking bit is cleared. */
  address: number;
  size: number;
  /** nm type letter (T, t, D, b, ...). */
  type: string;
}

/** Sized symbols, smallest first (`nm -S --size-sort`). */
export async function elfSymbols(elf: string, opts: { target?: TargetName; tools?: ToolOverrides } = {}): Promise<ElfSymbol[]> {
  const target = opts.target ?? (await elfTarget(elf));
  const out = await runTool('nm', elf, ['-S', '--size-sort'], target, opts.tools);
  const symbols: ElfSymbol[] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+([0-9a-fA-F]+)\s+(\S)\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    let address = parseInt(m[1]!, 16);
    const type = m[3]!;
    if (target === 'cortex-m4' && /[tTwW]/.test(type)) address &= ~1;
    symbols.push({ name: m[4]!, address, size: parseInt(m[2]!, 16), type });
  }
  return symbols;
}

export interface ElfSection {
  name: string;
  size: number;
  address: number;
}

/** All sections as listed by `size -A` (includes non-allocated debug sections). */
export async function elfSections(elf: string, opts: { target?: TargetName; tools?: ToolOverrides } = {}): Promise<ElfSection[]> {
  const out = await runTool('size', elf, ['-A', '-d'], opts.target, opts.tools);
  const sections: ElfSection[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)\s*$/.exec(line.trim());
    if (m) sections.push({ name: m[1]!, size: Number(m[2]), address: Number(m[3]) });
  }
  return sections;
}

export interface ElfSize {
  /** Berkeley `size` columns. */
  text: number;
  data: number;
  bss: number;
  /** Stack reserved by the linker script (.stack, counted by `size` in bss). */
  stackReserved: number;
  /** Flash image: text + data (what `size` reports), i.e. code + rodata + .data initialisers. */
  flash: number;
  /** Static RAM: .data + .bss (without the stack reservation). */
  sram: number;
  /** sram + the measured stack peak, when `stackBytes` was given. */
  sramWithStack?: number;
}

export async function elfSize(
  elf: string,
  opts: { target?: TargetName; tools?: ToolOverrides; stackBytes?: number } = {},
): Promise<ElfSize> {
  const target = opts.target ?? (await elfTarget(elf));
  const berkeley = await runTool('size', elf, ['-B', '-d'], target, opts.tools);
  const row = berkeley
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols.length >= 3 && /^\d+$/.test(cols[0]!));
  if (!row) throw new Error(`cannot parse size output for ${elf}:\n${berkeley}`);
  const [text, data, bss] = row.slice(0, 3).map(Number) as [number, number, number];
  const sections = await elfSections(elf, { target, ...(opts.tools ? { tools: opts.tools } : {}) });
  const stackReserved = sections.find((s) => s.name === '.stack')?.size ?? 0;
  const sram = data + bss - stackReserved;
  return {
    text,
    data,
    bss: bss - stackReserved,
    stackReserved,
    flash: text + data,
    sram,
    ...(opts.stackBytes !== undefined ? { sramWithStack: sram + opts.stackBytes } : {}),
  };
}

const LAYER_SYMBOL = /^harc_L(\d+)_(.+)$/;

/** Measurement segments from the layer functions `harc_L<k>_<name>`, in execution order. */
export function layerSegments(symbols: readonly ElfSymbol[]): Segment[] {
  const segments: Segment[] = [];
  for (const s of symbols) {
    const m = LAYER_SYMBOL.exec(s.name);
    if (m) segments.push({ address: s.address, id: Number(m[1]), name: s.name });
  }
  return segments.sort((a, b) => a.id - b.id);
}
