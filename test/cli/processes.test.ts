// @module-tag qemu
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repo, tmp } from '../helpers.ts';

// A command interrupted by Ctrl-C or a CI timeout leaves no process and no temporary file behind,
// and a closed stdout ends it quietly.

/** Command lines of the live processes mentioning `needle` (zombies have none). */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(needle)) found.push(`${pid}: ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

async function waitFor(what: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Starts `harc args` with its own TMPDIR, waits until a child matching `child` runs, sends `signal`. */
async function interrupt(args: string[], child: RegExp, signal: NodeJS.Signals) {
  const tmpRoot = tmp('harc-signal-');
  const p = execa(process.execPath, [join(repo, 'bin', 'harc.js'), ...args], { cwd: repo, reject: false, env: { TMPDIR: tmpRoot } });
  const started = await waitFor(() => processesMentioning(tmpRoot).some((c) => child.test(c)), 90_000);
  expect(started, `no ${child} child appeared`).toBe(true);
  p.kill(signal);
  const r = await p;
  // Give killed children a moment to be gone from /proc.
  await waitFor(() => processesMentioning(tmpRoot).length === 0, 5_000);
  return { r, tmpRoot };
}

describe('signals', () => {
  it('SIGTERM during measure ends QEMU and removes every temporary directory', async () => {
    const { r, tmpRoot } = await interrupt(['measure', 'zoo/models/deepconvlstm.onnx', '--target', 'riscv'], /qemu-system-riscv32/, 'SIGTERM');
    expect(r.exitCode).toBe(143);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(processesMentioning(tmpRoot)).toEqual([]);
    expect(readdirSync(tmpRoot)).toEqual([]);
    rmSync(tmpRoot, { recursive: true, force: true });
  });

  it('SIGINT while gcc builds ends the compiler and removes every temporary directory', async () => {
    const { r, tmpRoot } = await interrupt(['run', 'zoo/models/deepconvlstm.onnx', '--target', 'cortex-m4', '--input', 'zoo/data/test_X.npy'], /arm-none-eabi-gcc|cc1/, 'SIGINT');
    expect(r.exitCode).toBe(130);
    expect(processesMentioning(tmpRoot)).toEqual([]);
    expect(readdirSync(tmpRoot)).toEqual([]);
    rmSync(tmpRoot, { recursive: true, force: true });
  });
});

describe('closed stdout', () => {
  it('`harc inspect … | head -1` prints one line and no EPIPE trace', async () => {
    // Through tsx the table is written in several chunks, the later ones after head has exited.
    const r = await execa('bash', ['-c', `set -o pipefail; node bin/harc.js inspect zoo/models/deepconvlstm.onnx --memory | head -1`], { cwd: repo, reject: false, env: { HARC_TSX: '1' } });
    expect(r.stdout.split('\n')).toHaveLength(1);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
