import { floatLowerings } from '../../backends/c/lower/index.ts';
import '../../ir/ops/index.ts';
import { registeredOps } from '../../ir/registry.ts';

/** `harc ops`: the operators harc reads, and which of them have C kernels. */
export function opsCommand(): number {
  for (const op of registeredOps()) console.log(`${op.padEnd(20)} ${floatLowerings[op] ? 'C kernel (float32)' : 'folded at compile time or view'}`);
  return 0;
}
