import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import * as ort from 'onnxruntime-node';

export const repo = join(import.meta.dirname, '..');
export const fixture = (name: string): string => join(repo, 'test', 'fixtures', 'onnx', `${name}.onnx`);
export const tmp = (prefix = 'harc-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/** Runs the real CLI as a user would, capturing exit code and output. */
export async function harc(args: string[], env: Record<string, string> = {}) {
  const r = await execa(process.execPath, [join(repo, 'bin', 'harc.js'), ...args], { reject: false, cwd: repo, env, extendEnv: true });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Deterministic input data in [-2, 2]. */
export const sineInput = (n: number, phase = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase) * 2);

/** onnxruntime-node: the independent float oracle. */
export async function onnxRuntime(model: string, inputs: Record<string, { data: Float32Array; shape: number[] }>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(model);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
  const out = await s.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
};
