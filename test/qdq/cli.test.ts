// Malformed ONNX QDQ models (a fixture with one field broken): one line naming the node and the
// field, exit 2, nothing written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harc, tmp } from '../helpers.ts';
import { QDQ_FIXTURES } from './fixtures.ts';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');
type Model = import('onnx-proto').onnx.IModelProto;

const SCALE = 'quant.activation_post_process.scale';
const BREAKS: [string, (m: Model) => void, RegExp, number?][] = [
  ['missing scale initializer', (m) => void (m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== SCALE)), /node '.*QuantizeLinear' \(QuantizeLinear\): scale 'quant\.activation_post_process\.scale' has no initializer/],
  [
    'non-constant scale',
    (m) => {
      m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== SCALE);
      m.graph!.input!.push(onnx.ValueInfoProto.create({ name: SCALE, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }));
    },
    /scale 'quant\.activation_post_process\.scale' is not a constant initializer/,
  ],
  [
    'unsupported axis',
    (m) => {
      const q = m.graph!.node!.find((n) => n.opType === 'QuantizeLinear' && n.input![0] === 'conv1.weight')!;
      q.attribute!.find((a) => a.name === 'axis')!.i = 1;
    },
    /\(QuantizeLinear\): per-channel quantization on axis 1; harc takes per-channel weights on axis 0/,
  ],
  [
    'Sigmoid output scale other than 1 over 256',
    (m) => {
      const sg = m.graph!.initializer!.find((t) => t.name === 'sg_s')!;
      sg.rawData = new Uint8Array(Float32Array.of(0.01).buffer);
    },
    /node 'Sigmoid_\d+' \(Sigmoid\): its output is quantized with scale 0\.01\d* zero point -128; harc's integer Sigmoid has the fixed output scale 0\.00390625/,
    3,
  ],
];

describe('harc CLI on malformed QDQ models', () => {
  const dir = tmp('harc-qdq-cli-');
  for (const [what, breakIt, message, fixture = 0] of BREAKS) {
    it(`${what}: exit 2, one line, nothing written`, async () => {
      const m = onnx.ModelProto.decode(readFileSync(QDQ_FIXTURES[fixture]!));
      breakIt(m);
      const f = join(dir, `${what.replace(/ /g, '-')}.onnx`);
      writeFileSync(f, onnx.ModelProto.encode(m).finish());
      const out = join(dir, `out-${what.length}`);
      const r = await harc(['compile', f, '-o', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }
});
