/**
 * Board table: data only. QEMU boards run the firmware; the data-only boards
 * (real MCUs QEMU does not model) are linked with their real flash/SRAM sizes
 * at addresses that the QEMU board of the same architecture also maps, so an
 * image that links for them also runs on that QEMU board (`runsOn`).
 */
import type { McuTargetName } from './types.ts';

export interface QemuMachine {
  binary: string;
  machine: string;
  /** Extra arguments before -kernel (CPU model, BIOS, ...). */
  args: readonly string[];
}

export interface Board {
  name: string;
  target: McuTargetName;
  arch: string;
  /** Compiler flags selecting the CPU, ISA and ABI. */
  cpuFlags: readonly string[];
  flash: { origin: number; bytes: number };
  sram: { origin: number; bytes: number };
  /** Default stack reservation (bytes) in the linker script. */
  stackBytes: number;
  /** Linker script in toolchain/ld/. */
  linkerScript: string;
  /** Name of the QEMU board that runs images built for this board (itself for QEMU boards). */
  runsOn: string;
  /** QEMU machine, only on boards QEMU models. */
  qemu?: QemuMachine;
  description: string;
}

const KB = 1024;
const MB = 1024 * KB;

const CORTEX_M4F_FLAGS = ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'] as const;
/* -march=rv32imc_zicsr would make gcc 12 choose a wrong multilib: keep rv32imc
 * and enable zicsr only in assembly (.option arch, +zicsr). */
const RV32IMC_FLAGS = ['-march=rv32imc', '-mabi=ilp32', '-mcmodel=medany'] as const;

export const BOARDS: readonly Board[] = [
  {
    name: 'mps2-an386',
    target: 'cortex-m4',
    arch: 'armv7e-m+fp (Cortex-M4F)',
    cpuFlags: CORTEX_M4F_FLAGS,
    flash: { origin: 0x0000_0000, bytes: 4 * MB },
    sram: { origin: 0x2000_0000, bytes: 4 * MB },
    stackBytes: 32 * KB,
    linkerScript: 'mps2-an386.ld',
    runsOn: 'mps2-an386',
    qemu: { binary: 'qemu-system-arm', machine: 'mps2-an386', args: [] },
    description: 'ARM MPS2 FPGA image AN386 (Cortex-M4F): SSRAM1 4 MB code at 0x0, SSRAM2/3 4 MB data at 0x20000000',
  },
  {
    name: 'qemu-virt-rv32',
    target: 'riscv',
    arch: 'rv32imc',
    cpuFlags: RV32IMC_FLAGS,
    flash: { origin: 0x8000_0000, bytes: 4 * MB },
    sram: { origin: 0x8040_0000, bytes: 4 * MB },
    stackBytes: 32 * KB,
    linkerScript: 'qemu-virt-rv32.ld',
    runsOn: 'qemu-virt-rv32',
    qemu: {
      binary: 'qemu-system-riscv32',
      machine: 'virt',
      args: ['-bios', 'none', '-cpu', 'rv32,a=off,f=off,d=off'],
    },
    description: 'QEMU virt, RV32IMC hart in M-mode; DRAM at 0x80000000 (code) / 0x80400000 (data)',
  },
  {
    name: 'stm32l4r5',
    target: 'cortex-m4',
    arch: 'armv7e-m+fp (Cortex-M4F)',
    cpuFlags: CORTEX_M4F_FLAGS,
    flash: { origin: 0x0000_0000, bytes: 2 * MB },
    sram: { origin: 0x2000_0000, bytes: 640 * KB },
    stackBytes: 16 * KB,
    linkerScript: 'stm32l4r5.ld',
    runsOn: 'mps2-an386',
    description:
      'STM32L4R5 (2 MB flash, 640 KB SRAM); size checks only, runs on QEMU mps2-an386 (flash linked at its 0x0 boot alias)',
  },
  {
    name: 'nrf52840',
    target: 'cortex-m4',
    arch: 'armv7e-m+fp (Cortex-M4F)',
    cpuFlags: CORTEX_M4F_FLAGS,
    flash: { origin: 0x0000_0000, bytes: 1 * MB },
    sram: { origin: 0x2000_0000, bytes: 256 * KB },
    stackBytes: 16 * KB,
    linkerScript: 'nrf52840.ld',
    runsOn: 'mps2-an386',
    description: 'nRF52840 (1 MB flash, 256 KB RAM); size checks only, runs on QEMU mps2-an386',
  },
];

export const DEFAULT_BOARD: Record<McuTargetName, string> = {
  'cortex-m4': 'mps2-an386',
  riscv: 'qemu-virt-rv32',
};

export function getBoard(name: string): Board {
  const board = BOARDS.find((b) => b.name === name);
  if (!board) {
    throw new Error(`unknown board '${name}' (known: ${BOARDS.map((b) => b.name).join(', ')})`);
  }
  return board;
}

/** The board to build for: `name` if given (must match the target), else the target's default. */
export function resolveBoard(target: McuTargetName, name?: string): Board {
  const board = getBoard(name ?? DEFAULT_BOARD[target]);
  if (board.target !== target) {
    throw new Error(`board '${board.name}' is a ${board.target} board, not ${target}`);
  }
  return board;
}

/** The QEMU board that executes images built for `board`. */
export function emulatorBoard(board: Board): Board & { qemu: QemuMachine } {
  const runner = getBoard(board.runsOn);
  if (!runner.qemu) throw new Error(`board '${runner.name}' has no QEMU machine`);
  return runner as Board & { qemu: QemuMachine };
}
