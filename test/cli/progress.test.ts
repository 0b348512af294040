import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Progress } from '../../src/cli/progress.ts';

// Progress lines: nothing when a phase is fast, one line once it has taken a second, then at most
// one every five seconds.

let lines: string[];
let progress: Progress;
beforeEach(() => {
  vi.useFakeTimers();
  lines = [];
  progress = new Progress({ write: (l) => lines.push(l), now: () => Date.now() });
});
afterEach(() => vi.useRealTimers());

describe('progress', () => {
  it('prints nothing for fast phases', () => {
    for (let i = 1; i <= 256; i++) progress.step('calibrating (minmax)', i, 256, 'samples');
    progress.start('building for host');
    vi.advanceTimersByTime(900);
    progress.start('running 1 inference');
    vi.advanceTimersByTime(900);
    progress.end();
    vi.advanceTimersByTime(60_000);
    expect(lines).toEqual([]);
  });

  it('shows a slow synchronous phase after a second, every five seconds, and its end', () => {
    progress.step('calibrating (mse)', 0, 100, 'samples');
    for (let i = 1; i <= 100; i++) {
      vi.advanceTimersByTime(100);
      progress.step('calibrating (mse)', i, 100, 'samples');
    }
    expect(lines).toEqual(['calibrating (mse): 10/100 samples', 'calibrating (mse): 60/100 samples', 'calibrating (mse): 100/100 samples, 10 s']);
  });

  it('shows a slow asynchronous phase with its elapsed time until the next phase starts', () => {
    progress.start('running in QEMU');
    vi.advanceTimersByTime(12_000);
    progress.start('building');
    vi.advanceTimersByTime(500);
    progress.end();
    vi.advanceTimersByTime(20_000);
    expect(lines).toEqual(['running in QEMU: 1.0 s', 'running in QEMU: 6.0 s', 'running in QEMU: 11 s']);
  });
});
