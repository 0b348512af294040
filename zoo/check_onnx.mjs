// Verify the exported zoo models with onnxruntime-node.
//
//   node zoo/check_onnx.mjs            # every model in zoo/manifest.json
//   node zoo/check_onnx.mjs har-cnn    # selected models
//
// Runs the 256 windows of zoo/data/test_X.npy one at a time (batch 1, the
// exported static shape), prints accuracy against zoo/data/test_y.npy and
// compares with PyTorch: the manifest's floatSubsetAccuracy, and, when the
// (uncommitted) zoo/models/<name>.subset_logits.f32 written by train.py exists,
// the per-window logits (max |diff|) and argmax agreement.
// Exit code 1 if any model disagrees with PyTorch.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Minimal .npy (v1/v2) reader for little-endian float32 / uint8 / int64, C order. */
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt32BE(0) !== 0x934e554d || buf.toString('latin1', 4, 6) !== 'PY') {
    throw new Error(`${file}: not a .npy file`);
  }
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order unsupported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const data = buf.subarray(hstart + hlen);
  const copy = new Uint8Array(data).buffer; // aligned copy
  let arr;
  if (descr === '<f4') arr = new Float32Array(copy);
  else if (descr === '|u1' || descr === 'u1') arr = new Uint8Array(copy);
  else if (descr === '<i8') arr = Array.from(new BigInt64Array(copy), Number);
  else throw new Error(`${file}: dtype ${descr} unsupported`);
  return { shape, data: arr };
}

const argmax = (a) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

const manifest = JSON.parse(fs.readFileSync(path.join(here, 'manifest.json'), 'utf8'));
const X = readNpy(path.join(here, 'data', 'test_X.npy'));
const y = readNpy(path.join(here, 'data', 'test_y.npy'));
const [N, T, C] = X.shape;
const only = process.argv.slice(2);
let failed = false;

for (const m of manifest.models) {
  if (only.length && !only.includes(m.name)) continue;
  // other windows than zoo/data's UCI-HAR ones (HAPT: zoo/train_hapt.py; harc's float run is bench/seeds.ts)
  if (m.dataset !== undefined) continue;
  const session = await ort.InferenceSession.create(path.join(here, m.file));
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  const refFile = path.join(here, 'models', `${m.name}.subset_logits.f32`);
  const ref = fs.existsSync(refFile) ? new Float32Array(new Uint8Array(fs.readFileSync(refFile)).buffer) : null;
  let correct = 0, agree = 0, maxDiff = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const win = X.data.slice(i * T * C, (i + 1) * T * C);
    const out = await session.run({ [inName]: new ort.Tensor('float32', win, [1, T, C]) });
    const logits = Array.from(out[outName].data);
    const pred = argmax(logits);
    if (pred === y.data[i]) correct++;
    if (ref) {
      const r = Array.from(ref.subarray(i * logits.length, (i + 1) * logits.length));
      if (argmax(r) === pred) agree++;
      for (let k = 0; k < logits.length; k++) maxDiff = Math.max(maxDiff, Math.abs(logits[k] - r[k]));
    }
  }
  const ms = (performance.now() - t0) / N;
  const acc = correct / N;
  const accOk = m.floatSubsetAccuracy === undefined || Math.abs(acc - m.floatSubsetAccuracy) < 1e-4;
  const refOk = !ref || (agree === N && maxDiff < 1e-3);
  if (!accOk || !refOk) failed = true;
  console.log(
    `${m.name.padEnd(18)} ORT acc ${acc.toFixed(4)} (PyTorch ${m.floatSubsetAccuracy?.toFixed(4) ?? '?'})` +
      (ref ? `  argmax agree ${agree}/${N}  max|dLogit| ${maxDiff.toExponential(2)}` : '  (no PyTorch logits file)') +
      `  ${ms.toFixed(2)} ms/win  ${accOk && refOk ? 'OK' : 'MISMATCH'}`,
  );
  console.log(`${' '.repeat(18)} ops: ${(m.onnxOps ?? []).join(' ')}`);
}
process.exit(failed ? 1 : 0);
