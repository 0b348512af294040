import { HarcError, exitCodeOf } from '../ir/errors.ts';
import { printable } from './notice.ts';

/** Exit codes (sysexits' EX_SOFTWARE for a bug in harc, so CI never mistakes one for "over budget"). */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2, toolMissing: 3, bug: 70 } as const;

const YARGS_USAGE = /^(Unknown argument|Unknown arguments|Missing required argument|Invalid values|Not enough non-option|Too many non-option|give a command|Did you mean)/;

/** Maps a thrown error to one message line and an exit code. */
export function report(e: unknown, command: string | undefined, typedCommand?: string): number {
  const err = e as Error & { name?: string };
  const help = command ? `harc ${command} --help` : 'harc --help';
  if (e instanceof HarcError) {
    console.error(`harc: error: ${printable(e.message)}`);
    return exitCodeOf(e.kind);
  }
  if (err?.name === 'ToolMissingError') {
    console.error(`harc: error: ${printable(err.message)}`);
    return EXIT.toolMissing;
  }
  if (err?.name === 'YError' || YARGS_USAGE.test(err?.message ?? '')) {
    const unknown = /^Did you mean/.test(err.message) && typedCommand ? `unknown command '${typedCommand}'. ` : '';
    console.error(`harc: error: ${unknown}${printable(err.message.replace(/\s*\n\s*/g, ' '))} (see ${help})`);
    return EXIT.usage;
  }
  const overflow = err?.name === 'FirmwareBuildError' ? /region `?([\w.]+)'? overflowed by (\d+) bytes/.exec((err as Error & { output?: string }).output ?? err.message) : null;
  if (overflow) {
    // the linker's verdict on the user's model and board: over budget for check, bad input elsewhere
    const what = `the firmware does not fit the board's memory (region '${overflow[1]}' overflowed by ${Number(overflow[2]).toLocaleString('en-US')} bytes)`;
    console.error(`harc: error: ${command === 'check' ? `over budget: ${what}` : `${what}; choose a larger --board or a smaller model`}`);
    return command === 'check' ? EXIT.checkFailed : EXIT.usage;
  }
  if (err?.name === 'FirmwareBuildError') {
    // the generated C must build on every target: a failure is harc's (gcc's output follows)
    console.error(`harc: internal error: ${err.message}\n(the generated C did not build: this is a bug in harc, exit ${EXIT.bug})`);
    return EXIT.bug;
  }
  if (err?.name === 'FirmwareRunError') {
    console.error(`harc: error: ${err.message}`);
    return EXIT.checkFailed;
  }
  console.error(`harc: internal error: ${printable(err?.message ?? String(e))} (this is a bug in harc, exit ${EXIT.bug}; HARC_DEBUG=1 shows the stack)`);
  if (process.env['HARC_DEBUG']) console.error(err?.stack);
  return EXIT.bug;
}
