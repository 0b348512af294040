// @module-tag c
// int8 accuracy of the recurrent zoo models on the committed UCI-HAR subset (bound and data as for
// the CNNs: test/int8/subset-accuracy.ts).
import { expect } from 'vitest';
import { describeSubsetAccuracy } from '../int8/subset-accuracy.ts';

describeSubsetAccuracy('int8 recurrent models: accuracy on the committed 256-window subset', ['microbi-convlstm', 'deepconvlstm', 'seq-gru', 'seq-lstm', 'seq-rnn'], {
  minFloatAccuracy: 0.8,
  timeoutMs: 600_000,
  // the recurrent layers themselves must run in int8, not fall back to float
  checkInt8Model: (model) =>
    expect(model.graph.nodes.filter((n) => ['LSTM', 'GRU', 'RNN'].includes(n.op)).every((n) => model.graph.tensors[n.outputs[0]!]!.dtype === 'int8')).toBe(true),
});
