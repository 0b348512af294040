import { registerRecurrentOp } from './recurrent-common.ts';

/** ONNX RNN (Elman): H_t = tanh(W·x_t + R·H_{t-1} + Wb + Rb). */
registerRecurrentOp('RNN', {});
