import { join } from 'node:path';
import { repo } from '../helpers.ts';

/** The committed QDQ fixtures (test/fixtures/make_qdq_fixtures.py). */
export const QDQ_FIXTURES = ['har_conv1d_qdq', 'har_conv1d_qdq_u8', 'add_concat_qdq', 'matmul_mul_sigmoid_qdq'].map((f) => join(repo, 'test', 'fixtures', 'qdq', `${f}.onnx`));
