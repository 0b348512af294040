// @module-tag qemu
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harc, onnxRuntime, repo, tmp } from '../helpers.ts';

// Builds outside harc: a user's own Makefile and CMake projects (test/user-builds/) take two generated
// model directories (float har_cnn and int8 har_cnn_q, in one application), with only the harc.mk /
// harc.cmake snippets and a user main.c, for the host and for Cortex-M4 (harc's startup and linker
// script, as an application would bring its own). The host app runs and matches onnxruntime; the
// Cortex-M4 image runs in QEMU and exits 0 only if its own checks pass.

const PROJECT_FILES = ['main.c', 'Makefile', 'CMakeLists.txt', 'arm-none-eabi.cmake'];
const TOOLCHAIN = join(repo, 'toolchain');
const MODEL = join(repo, 'zoo', 'models', 'har-cnn.onnx');
const root = tmp('harc-user-build-');

async function project(target: 'host' | 'cortex-m4'): Promise<string> {
  const dir = join(root, target);
  mkdirSync(dir, { recursive: true });
  for (const f of PROJECT_FILES) cpSync(join(repo, 'test', 'user-builds', f), join(dir, f));
  const float = await harc(['compile', MODEL, '--target', target, '-o', join(dir, 'models', 'har_cnn')]);
  expect(float.code, float.stderr).toBe(0);
  const q = await harc(['compile', MODEL, '--target', target, '--precision', 'int8', '--calib', join(repo, 'zoo', 'data', 'calib_X.npy'), '--calib-samples', '16', '--name', 'har_cnn_q', '-o', join(dir, 'models', 'har_cnn_q')]);
  expect(q.code, q.stderr).toBe(0);
  return dir;
}

const run = async (cmd: string, args: string[], cwd: string) => {
  const r = await execa(cmd, args, { cwd, reject: false, all: true });
  expect(r.exitCode, `${cmd} ${args.join(' ')}\n${r.all}`).toBe(0);
  return r;
};

/** The exit status of an image under QEMU mps2-an386 (main's return value, through semihosting). */
const qemuM4 = async (elf: string) =>
  (await execa('qemu-system-arm', ['-M', 'mps2-an386', '-nographic', '-monitor', 'none', '-serial', 'null', '-semihosting-config', 'enable=on,target=native', '-kernel', elf], { reject: false, timeout: 60_000 })).exitCode;

/** The window main.c builds: 0.8 sin(0.37 i), in float32. */
const window = Float32Array.from({ length: 128 * 9 }, (_, i) => 0.8 * Math.sin(i * 0.37));

let host = '';
let m4 = '';
beforeAll(async () => {
  [host, m4] = await Promise.all([project('host'), project('cortex-m4')]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a user Makefile project', () => {
  it('host: builds with -Werror, runs both models, float logits match onnxruntime', async () => {
    await run('make', ['app'], host);
    const out = (await run('./app', [], host)).stdout.trim().split('\n').map(Number);
    const want = Object.values(await onnxRuntime(MODEL, { input: { data: window, shape: [1, 128, 9] } }))[0]!;
    expect(out).toHaveLength(want.length);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 4));
  });

  it('Cortex-M4: the CPU/ABI flags and picolibc come from harc.mk; the image passes its checks in QEMU', async () => {
    await run('make', ['app', 'CC=arm-none-eabi-gcc', 'TARGET=cortex-m4', `HARC_TOOLCHAIN=${TOOLCHAIN}`], m4);
    expect(await qemuM4(join(m4, 'app'))).toBe(0);
  });
});

describe('a user CMake project', () => {
  it('host: builds and prints the same logits as the Makefile build', async () => {
    await run('cmake', ['-S', '.', '-B', 'build-cmake'], host);
    await run('cmake', ['--build', 'build-cmake'], host);
    const viaCmake = (await run(join(host, 'build-cmake', 'app'), [], host)).stdout;
    await run('make', ['app'], host);
    expect(viaCmake).toBe((await run('./app', [], host)).stdout);
  });

  it('Cortex-M4: the application gets the INTERFACE CPU/ABI flags and links; the image passes in QEMU', async () => {
    await run('cmake', ['-S', '.', '-B', 'build-cmake', '-DCMAKE_TOOLCHAIN_FILE=arm-none-eabi.cmake', `-DHARC_TOOLCHAIN=${TOOLCHAIN}`], m4);
    await run('cmake', ['--build', 'build-cmake'], m4);
    expect(await qemuM4(join(m4, 'build-cmake', 'app'))).toBe(0);
  });
});

// Two models that both call CMSIS-NN (--kernels cmsis-nn) in one application: harc.mk lists the
// library's sources once and harc.cmake makes one shared library target, so it links (no duplicate
// symbols) and both models give the same scores.
const CMSIS_NN = [process.env['CMSIS_NN_PATH'], join(repo, '..', 'shared', 'third_party', 'CMSIS-NN'), join(repo, '..', '..', 'shared', 'third_party', 'CMSIS-NN')].find(
  (d) => d && existsSync(join(d, 'Include', 'arm_nnfunctions.h')),
);

describe.skipIf(!CMSIS_NN)('a user project with two models calling CMSIS-NN', () => {
  it('host: Makefile and CMake builds link one copy of the library and print the same scores', async () => {
    const dir = join(root, 'cmsis-nn');
    mkdirSync(dir, { recursive: true });
    for (const f of ['main.c', 'Makefile', 'CMakeLists.txt']) cpSync(join(repo, 'test', 'user-builds', 'cmsis-nn', f), join(dir, f));
    for (const name of ['cn_a', 'cn_b']) {
      const r = await harc(['compile', MODEL, '--precision', 'int8', '--calib', join(repo, 'zoo', 'data', 'calib_X.npy'), '--calib-samples', '16', '--kernels', 'cmsis-nn', '--cmsis-nn', CMSIS_NN!, '--name', name, '-o', join(dir, 'models', name)]);
      expect(r.code, r.stderr).toBe(0);
    }
    const mk = readFileSync(join(dir, 'models', 'cn_b', 'harc.mk'), 'utf8');
    expect(mk).toMatch(/ifndef HARC_CMSIS_NN_SRCS/);
    const srcs = (await run('make', ['-s', 'print-srcs', `CMSIS_NN_PATH=${CMSIS_NN}`], dir)).stdout.trim().split(/\s+/);
    expect(srcs.filter((s) => s.includes('arm_convolve_s8.c'))).toHaveLength(1);
    expect(new Set(srcs).size).toBe(srcs.length);
    await run('make', ['app', `CMSIS_NN_PATH=${CMSIS_NN}`], dir);
    const viaMake = (await run('./app', [], dir)).stdout;
    expect(viaMake.trim().split('\n')).toHaveLength(6);
    await run('cmake', ['-S', '.', '-B', 'build-cmake', `-DCMSIS_NN_PATH=${CMSIS_NN}`], dir);
    await run('cmake', ['--build', 'build-cmake'], dir);
    expect((await run(join(dir, 'build-cmake', 'app'), [], dir)).stdout).toBe(viaMake);
  }, 300_000);
});
