import { inputError } from '../errors.ts';
import { attrInt, registerOp } from '../registry.ts';
import { normAxis, numel } from '../shape.ts';
import { allocData } from '../dtype.ts';

registerOp({
  op: 'Concat',
  attrs: { axis: undefined },
  arity: [1, 64],
  traits: { quant: { kind: 'calibrated' }, int8: 'kernel', activationInputs: 'all' },
  infer(node, inputs) {
    const first = inputs[0]!;
    const axis = normAxis(attrInt(node, 'axis'), first.shape.length);
    let total = 0;
    for (const t of inputs) {
      if (!t || t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && d !== first.shape[i]))
        throw inputError(`node '${node.name}' (Concat): input '${t?.name}' [${t?.shape}] does not match [${first.shape}] off axis ${axis}`);
      total += t.shape[axis]!;
    }
    const shape = [...first.shape];
    shape[axis] = total;
    return [{ shape, dtype: first.dtype }];
  },
  evaluate(node, inputs) {
    const first = inputs[0]!;
    const axis = normAxis(attrInt(node, 'axis'), first.shape.length);
    const outer = numel(first.shape.slice(0, axis));
    const inner = numel(first.shape.slice(axis + 1));
    const total = inputs.reduce((s, t) => s + t!.shape[axis]!, 0);
    const out = allocData(first.dtype, outer * total * inner);
    let base = 0;
    for (const t of inputs) {
      const span = t!.shape[axis]! * inner;
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < span; i++) out[o * total * inner + base + i] = t!.data[o * span + i]!;
      base += span;
    }
    const shape = [...first.shape];
    shape[axis] = total;
    return [{ shape, dtype: first.dtype, data: out }];
  },
});
