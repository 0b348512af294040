// Progress on stderr for work that turns out to be slow. A phase prints nothing for its first
// second; after that one short line, then a line at most every few seconds. Fast commands print
// nothing at all. Shown when stderr is a terminal, or always with HARC_PROGRESS=1 (0: never).

const DELAY_MS = 1000;
const EVERY_MS = 5000;

export interface ProgressSink {
  write(line: string): void;
  now(): number;
}

const stderrSink: ProgressSink = {
  write(line) {
    const env = process.env.HARC_PROGRESS;
    if (env === '1' || (env !== '0' && process.stderr.isTTY)) process.stderr.write(`harc: ${line}\n`);
  },
  now: () => performance.now(),
};

interface Phase {
  label: string;
  start: number;
  lastShown: number | undefined;
  timer?: ReturnType<typeof setTimeout>;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** One command's progress: a single current phase at a time. */
export class Progress {
  private current: Phase | undefined;
  constructor(private readonly sink: ProgressSink = stderrSink) {}

  /** Starts an asynchronous phase (a build, a QEMU run): if it is still running after a second, its
   * label and elapsed time are shown, then again every few seconds. Ends the previous phase. */
  start(label: string): void {
    this.end();
    const phase: Phase = { label, start: this.sink.now(), lastShown: undefined };
    const tick = (): void => {
      if (this.current !== phase) return;
      this.show(phase, `${label}: ${secs(this.sink.now() - phase.start)}`);
      phase.timer = setTimeout(tick, EVERY_MS);
      phase.timer.unref?.();
    };
    phase.timer = setTimeout(tick, DELAY_MS);
    phase.timer.unref?.();
    this.current = phase;
  }

  /** A step of a synchronous phase (calibration: no timer can fire while it runs), e.g. "37/256
   * samples": shown once the phase is past its first second, then at most every few seconds; the
   * last step (done === total) is shown, with the time taken, if anything of the phase was. */
  step(label: string, done: number, total: number, unit: string): void {
    if (this.current?.label !== label) {
      this.end();
      this.current = { label, start: this.sink.now(), lastShown: undefined };
    }
    const phase = this.current;
    const t = this.sink.now();
    const last = done >= total;
    const due = phase.lastShown === undefined ? t - phase.start >= DELAY_MS : t - phase.lastShown >= EVERY_MS;
    if (last ? phase.lastShown !== undefined || due : due) this.show(phase, `${label}: ${done}/${total} ${unit}${last ? `, ${secs(t - phase.start)}` : ''}`);
    if (last) this.end();
  }

  /** Ends the current phase (nothing more is shown for it). */
  end(): void {
    if (this.current?.timer) clearTimeout(this.current.timer);
    this.current = undefined;
  }

  private show(phase: Phase, line: string): void {
    phase.lastShown = this.sink.now();
    this.sink.write(line);
  }
}

/** The process's progress (one command runs per process). */
export const cliProgress = new Progress();
