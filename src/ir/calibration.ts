// The calibration table: plain data, the result of the calibrate analysis (src/planning/calibrate.ts)
// that the quantization passes read.

/** The observed range of one tensor over the calibration inputs. */
export interface TensorRange {
  min: number;
  max: number;
  /** Graph inputs: the range of each channel (last axis), for per-channel input quantization. */
  channels?: TensorRange[];
}
export type CalibrationTable = Record<string, TensorRange>;
