import { registerRecurrentOp } from './recurrent-common.ts';

/** ONNX LSTM: gates i,o,f,c; optional peepholes P; input_forget must be 0. */
registerRecurrentOp('LSTM', { input_forget: 0 });
