// Process hygiene for one harc command. Every temporary file of the command, its own (mkdtemp under
// os.tmpdir()) and its compilers' (gcc honours TMPDIR), goes into one session directory, so whatever
// way the command ends — return, SIGINT, SIGTERM, SIGHUP, a closed stdout — one removal cleans all.
// Children (gcc, QEMU) are ended by execa's cleanup, which runs on process.exit().
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export function startSession() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'harc-session-'));
  process.env.TMPDIR = dir; // os.tmpdir() reads it on every call; children inherit it
  process.on('exit', () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    process.on(signal, () => process.exit(code));
  }
  // `harc inspect … | head -1`: the reader has gone; stop quietly instead of an EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  return dir;
}
