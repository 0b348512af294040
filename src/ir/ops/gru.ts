import { registerRecurrentOp } from './recurrent-common.ts';

/** ONNX GRU: gates z,r,h; linear_before_reset 0 (ONNX default) or 1 (PyTorch / cuDNN). */
registerRecurrentOp('GRU', { linear_before_reset: 0 });
