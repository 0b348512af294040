// Quantization arithmetic core (TFLite int8 spec, bit-exact with templates/runtime/harc_fixedpoint.h).
export * from './int.ts';
export * from './fixedpoint.ts';
export * from './gemmlowp.ts';
export * from './params.ts';
export * from './activations.ts';
export * from './elementwise.ts';
