import { allocData } from './dtype.ts';
import { inputError } from './errors.ts';
import { numel, sameShape } from './shape.ts';
import type { Graph, Tensor } from './types.ts';

/** A value to bind: a Value (e.g. from readNpy) or a Tensor with data. */
export type ConstValue = Pick<Tensor, 'shape' | 'dtype' | 'data' | 'quant'>;

/** Turns graph inputs into initializers with the given data (the CLI's `--const NAME=FILE.npy`):
 * weights, shapes, axes and indices that harc needs at compile time but the model declares as
 * runtime inputs. The shape must match the declared one; the data is converted to the declared
 * dtype, so a float64 or int32 .npy can stand in for a float32 / int64 input. Returns a new graph. */
export function bindConstants(graph: Graph, values: Record<string, ConstValue>): Graph {
  const where = graph.source ? `${graph.source}: ` : '';
  const tensors = { ...graph.tensors };
  for (const [name, v] of Object.entries(values)) {
    if (!graph.inputs.includes(name))
      throw inputError(`${where}--const '${name}': the model has no graph input of that name (inputs: ${graph.inputs.join(', ') || 'none'})`);
    if (!v.data || v.data.length !== numel(v.shape)) throw inputError(`${where}--const '${name}': ${v.data?.length ?? 0} values for shape [${v.shape}]`);
    const declared = graph.tensors[name]!;
    if (!sameShape(declared.shape, v.shape))
      throw inputError(`${where}--const '${name}': the model declares shape [${declared.shape}], the value has shape [${v.shape}]`);
    const data = v.dtype === declared.dtype ? v.data : allocData(declared.dtype, v.data.length);
    if (data !== v.data) for (let i = 0; i < data.length; i++) data[i] = v.data[i]!;
    tensors[name] = { ...declared, data, ...(v.quant ? { quant: v.quant } : {}) };
  }
  return { ...graph, inputs: graph.inputs.filter((n) => !(n in values)), tensors };
}
