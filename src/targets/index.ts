/** Target backends: build firmware, run it natively or under QEMU, measure it. */
export * from './types.ts';
export * from './errors.ts';
export { BOARDS, DEFAULT_BOARD, getBoard, resolveBoard, emulatorBoard, type Board, type QemuMachine } from './boards.ts';
export { buildFirmware, type BuildOptions, type BuildResult } from './build.ts';
export { runFirmware, HARNESS_SEGMENT_NAME, type RunOptions, type RunResult } from './run.ts';
export {
  elfSymbols,
  elfSections,
  elfSize,
  elfTarget,
  layerSegments,
  type ElfSymbol,
  type ElfSection,
  type ElfSize,
} from './elf.ts';
export { estimateCycles, CORTEX_M4_TIMING, RISCV_TIMING, type CycleModel, type TimingModel } from './cycles.ts';
export { ensurePlugin, parsePluginReport, type PluginReport } from './plugin.ts';
export { findExecutable, requireTool, toolsFor, type ToolSet, type ToolOverrides } from './tools.ts';
