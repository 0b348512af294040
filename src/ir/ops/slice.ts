import { inputError } from '../errors.ts';
import { constInput, registerOp } from '../registry.ts';
import { stridesOf } from '../shape.ts';
import type { Node, Tensor } from '../types.ts';
import { allocData } from '../dtype.ts';

export interface SliceSpec {
  start: number[];
  step: number[];
  shape: number[];
}

/** Resolves ONNX Slice (opset ≥ 10 inputs) into a start and step per axis, with ONNX's clamping. */
export function sliceSpec(node: Node, inputs: (Tensor | undefined)[]): SliceSpec {
  const x = inputs[0]!;
  const r = x.shape.length;
  const starts = constInput(node, inputs, 1, 'starts');
  const ends = constInput(node, inputs, 2, 'ends');
  const axes = inputs[3] ? constInput(node, inputs, 3, 'axes') : starts.map((_, i) => i);
  const steps = inputs[4] ? constInput(node, inputs, 4, 'steps') : starts.map(() => 1);
  const start = new Array(r).fill(0);
  const step = new Array(r).fill(1);
  const shape = [...x.shape];
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + r : a0;
    const dim = x.shape[a]!;
    const st = steps[i]!;
    if (st === 0) throw inputError(`node '${node.name}' (Slice): step 0 on axis ${a}`);
    const clampTo = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    let s = starts[i]! < 0 ? starts[i]! + dim : starts[i]!;
    let e = ends[i]! < 0 ? ends[i]! + dim : ends[i]!;
    if (st > 0) {
      s = clampTo(s, 0, dim);
      e = clampTo(e, 0, dim);
    } else {
      s = clampTo(s, 0, dim - 1);
      e = clampTo(e, -1, dim - 1);
    }
    start[a] = s;
    step[a] = st;
    shape[a] = Math.max(0, Math.ceil((e - s) / st));
  });
  return { start, step, shape };
}

registerOp({
  op: 'Slice',
  attrs: {},
  arity: [3, 5],
  traits: { quant: { kind: 'inherits' }, int8: 'move' },
  infer(node, inputs) {
    return [{ shape: sliceSpec(node, inputs).shape, dtype: inputs[0]!.dtype }];
  },
  evaluate(node, inputs) {
    const x = inputs[0]!;
    const asT = inputs.map((v, i) => (v ? ({ name: node.inputs[i]!, ...v } as Tensor) : undefined));
    const { start, step, shape } = sliceSpec(node, asT);
    const n = shape.reduce((a, b) => a * b, 1);
    const out = allocData(x.dtype, n);
    const inStrides = stridesOf(x.shape);
    const outStrides = stridesOf(shape);
    for (let f = 0; f < n; f++) {
      let off = 0;
      for (let d = 0; d < shape.length; d++) off += (start[d]! + (Math.floor(f / outStrides[d]!) % shape[d]!) * step[d]!) * inStrides[d]!;
      out[f] = x.data[off]!;
    }
    return [{ shape, dtype: x.dtype, data: out }];
  },
});
