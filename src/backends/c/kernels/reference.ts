import { int8Lowerings } from '../lower/int8.ts';
import { registerKernelSet } from './registry.ts';

// The reference kernels only: TFLite-reference integer loops, one weight copy in its original layout.
registerKernelSet({
  name: 'reference',
  summary: 'reference integer kernels only (TFLite reference semantics); the smallest flash, the slowest',
  runtimeHeaders: ['harc_fixedpoint.h'],
  weightLayout: 'original layout only',
  int8: () => int8Lowerings,
  // the reference loop reads the channel planes at a stride at no extra cost
  int8ChannelsFirstInput: true,
});
