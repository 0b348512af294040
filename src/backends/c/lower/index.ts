import { withScratch, type Lowering } from './context.ts';
import { lowerBatchNorm } from './batchnorm.ts';
import { lowerConv } from './conv.ts';
import { lowerConcat, lowerExpand, lowerGather, lowerPad, lowerSlice, lowerTranspose } from './data-movement.ts';
import { binaryOps, lowerBinary, lowerUnary, unaryOps } from './elementwise.ts';
import { lowerGemm, lowerMatMul } from './gemm.ts';
import { lowerPool } from './pool.ts';
import { lowerReduce } from './reduce.ts';
import { lowerGru, lowerLstm, lowerRnn, recurrentScratchBytes } from './recurrent.ts';
import { lowerSoftmax } from './softmax.ts';
import { lowerTfliteLstm, tfliteLstmScratchBytes } from './tflite-lstm.ts';
import { lowerDequantize } from './quantize.ts';
import { lowerTfliteSvdf, tfliteSvdfScratchBytes } from './tflite-svdf.ts';

/** The portable-C lowering of each op (float32). */
export const floatLowerings: Record<string, Lowering> = {
  ...Object.fromEntries(unaryOps.map((op) => [op, lowerUnary])),
  ...Object.fromEntries(binaryOps.map((op) => [op, lowerBinary])),
  Conv: lowerConv,
  Gemm: lowerGemm,
  MatMul: lowerMatMul,
  BatchNormalization: lowerBatchNorm,
  MaxPool: lowerPool,
  AveragePool: lowerPool,
  GlobalAveragePool: lowerPool,
  GlobalMaxPool: lowerPool,
  ReduceMean: lowerReduce,
  ReduceMax: lowerReduce,
  ReduceSum: lowerReduce,
  Softmax: lowerSoftmax,
  Transpose: lowerTranspose,
  Slice: lowerSlice,
  Expand: lowerExpand,
  Concat: lowerConcat,
  Gather: lowerGather,
  Pad: lowerPad,
  LSTM: withScratch(lowerLstm, recurrentScratchBytes),
  GRU: withScratch(lowerGru, recurrentScratchBytes),
  RNN: withScratch(lowerRnn, recurrentScratchBytes),
  TFLiteLSTM: withScratch(lowerTfliteLstm, tfliteLstmScratchBytes),
  TFLiteSVDF: withScratch(lowerTfliteSvdf, tfliteSvdfScratchBytes),
  Dequantize: lowerDequantize,
};
