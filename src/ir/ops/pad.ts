import { inputError } from '../errors.ts';
import { attrString, constInput, registerOp, unsupported } from '../registry.ts';
import { stridesOf } from '../shape.ts';
import type { Node, Tensor } from '../types.ts';
import { allocData } from '../dtype.ts';

/** Constant-mode Pad: pads = [x1_begin, x2_begin, ..., x1_end, x2_end] (opset ≥ 11 inputs). */
export function padSpec(node: Node, inputs: (Tensor | undefined)[]): { begin: number[]; end: number[]; value: number } {
  const x = inputs[0]!;
  const r = x.shape.length;
  if (attrString(node, 'mode', 'constant') !== 'constant') throw unsupported(node, `mode '${node.attrs['mode']}'`);
  const pads = constInput(node, inputs, 1, 'pads');
  let begin = pads.slice(0, pads.length / 2);
  let end = pads.slice(pads.length / 2);
  if (inputs[3]) {
    const axes = constInput(node, inputs, 3, 'axes').map((a) => (a < 0 ? a + r : a));
    const b = new Array(r).fill(0);
    const e = new Array(r).fill(0);
    axes.forEach((a, i) => ((b[a] = begin[i]), (e[a] = end[i])));
    begin = b;
    end = e;
  }
  if (begin.length !== r) throw inputError(`node '${node.name}' (Pad): ${pads.length} pads for a rank-${r} input`);
  if ([...begin, ...end].some((p) => p < 0)) throw unsupported(node, 'negative padding');
  const value = inputs[2] ? (constInput(node, inputs, 2, 'constant_value')[0] ?? 0) : 0;
  return { begin, end, value };
}

registerOp({
  op: 'Pad',
  attrs: { mode: 'constant' },
  arity: [2, 4],
  traits: { quant: { kind: 'inherits' }, int8: 'move' },
  infer(node, inputs) {
    const { begin, end } = padSpec(node, inputs);
    return [{ shape: inputs[0]!.shape.map((d, i) => d + begin[i]! + end[i]!), dtype: inputs[0]!.dtype }];
  },
  evaluate(node, inputs) {
    const x = inputs[0]!;
    const asT = inputs.map((v, i) => (v ? ({ name: node.inputs[i]!, ...v } as Tensor) : undefined));
    const { begin, end, value } = padSpec(node, asT);
    const shape = x.shape.map((d, i) => d + begin[i]! + end[i]!);
    const out = allocData(x.dtype, shape.reduce((a, b) => a * b, 1)).fill(value);
    const inStrides = stridesOf(x.shape);
    const outStrides = stridesOf(shape);
    for (let f = 0; f < x.data.length; f++) {
      let o = 0;
      for (let d = 0; d < shape.length; d++) o += (Math.floor(f / inStrides[d]!) % x.shape[d]! + begin[d]!) * outStrides[d]!;
      out[o] = x.data[f]!;
    }
    return [{ shape, dtype: x.dtype, data: out }];
  },
});
