// Every kernel set registers itself on import (one file each).
import './reference.ts';
import './portable.ts';
import './harc.ts';
import './cmsis-nn.ts';

export { DEFAULT_KERNEL_SET, defaultKernelSetFor, floatLoweringFor, int8LoweringFor, kernelSetNamed, kernelSetNames, type KernelSet, type KernelLowering } from './registry.ts';
