import type { DType, TensorData } from './types.ts';

export const bytesPerElement = (dtype: DType): number =>
  ({ float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1 })[dtype];

export const isFloat = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64';

/** Allocates the in-memory container the IR uses for a dtype (see TensorData). */
export function allocData(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    default:
      return new Float64Array(n);
  }
}

export const cTypeOf = (dtype: DType): string =>
  ({
    float32: 'float',
    float64: 'double',
    int8: 'int8_t',
    uint8: 'uint8_t',
    int16: 'int16_t',
    int32: 'int32_t',
    int64: 'int64_t',
    bool: 'uint8_t',
  })[dtype];
