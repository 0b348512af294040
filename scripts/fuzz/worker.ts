/** A fuzz worker: runs harc's CLI in-process for each request from the parent, capturing its output. */
import { main } from '../../src/cli/main.ts';

interface Request {
  id: number;
  argv: string[];
}

const captured = { out: '', err: '' };
const capture = (key: 'out' | 'err') =>
  ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
process.stdout.write = capture('out');
process.stderr.write = capture('err');

// A throw that escapes main() is a harc bug the parent must see, with its stack.
process.on('uncaughtException', (e) => {
  process.send!({ id: -1, code: 70, stdout: captured.out, stderr: `${captured.err}uncaught: ${(e as Error)?.stack ?? String(e)}` });
  process.exit(70);
});

process.on('message', (req: Request) => {
  void (async () => {
    captured.out = '';
    captured.err = '';
    process.exitCode = undefined;
    let code: number;
    try {
      code = await main(req.argv);
    } catch (e) {
      code = 70;
      captured.err += `main() threw: ${(e as Error)?.stack ?? String(e)}`;
    }
    process.send!({ id: req.id, code, stdout: captured.out, stderr: captured.err });
  })();
});
process.send!({ id: 0, ready: true });
