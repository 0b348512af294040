import { inputError } from '../errors.ts';
import { attrInt, attrInts, hasAttr, registerOp, unsupported } from '../registry.ts';
import { numel } from '../shape.ts';
import type { Node, Tensor, Value } from '../types.ts';
import { clampValue, fusedClamp } from './activation.ts';
import { joinActivation, layoutOf, outSpatial, windowGeometry, type WindowGeometry } from './window-geometry.ts';

/** Kernel spatial size from the weight shape: [Cout, Cin/g, ...k] (NCHW) or [Cout, ...k, Cin/g] (NHWC). */
export function convKernel(node: Node, wShape: number[]): number[] {
  const k = layoutOf(node) === 'NHWC' ? wShape.slice(1, -1) : wShape.slice(2);
  if (hasAttr(node, 'kernel_shape')) {
    const declared = attrInts(node, 'kernel_shape');
    if (declared.join() !== k.join())
      throw inputError(`node '${node.name}' (Conv): kernel_shape [${declared}] does not match weight shape [${wShape}]`);
  }
  return k;
}

/** Layout of the data input: the node's layout, unless `x_layout` (harc) says the input stays
 * channels-first while weights and output are channels-last (an absorbed input transpose). */
export const convInputLayout = (node: Node): 'NCHW' | 'NHWC' => (node.attrs['x_layout'] === 'NCHW' ? 'NCHW' : layoutOf(node));

export function convGeometry(node: Node, xShape: number[], wShape: number[]): WindowGeometry & { group: number; cout: number; cinPerGroup: number } {
  const xNode = convInputLayout(node) === layoutOf(node) ? node : { ...node, attrs: { ...node.attrs, layout: convInputLayout(node) } };
  const g = windowGeometry(xNode, xShape, convKernel(node, wShape));
  const group = attrInt(node, 'group');
  const cout = wShape[0]!;
  const cinPerGroup = layoutOf(node) === 'NHWC' ? wShape[wShape.length - 1]! : wShape[1]!;
  if (g.channels !== cinPerGroup * group)
    throw inputError(
      `node '${node.name}' (Conv): input has ${g.channels} channels but weights [${wShape}] with group ${group} expect ${cinPerGroup * group}`,
    );
  if (cout % group !== 0) throw inputError(`node '${node.name}' (Conv): ${cout} output channels not divisible by group ${group}`);
  return { ...g, group, cout, cinPerGroup };
}

registerOp({
  op: 'Conv',
  attrs: { auto_pad: 'NOTSET', dilations: undefined, group: 1, kernel_shape: undefined, pads: undefined, strides: undefined, layout: 'NCHW', act_min: undefined, act_max: undefined, pad_value: undefined, x_layout: undefined },
  arity: [2, 3],
  traits: { channelsLast: true, absorbsClamp: true, quant: { kind: 'weights' }, int8: 'kernel' },
  infer(node, [x, w, b]) {
    if (!x || !w) throw inputError(`node '${node.name}' (Conv): missing input or weights`);
    if (x.shape.length !== w.shape.length)
      throw inputError(`node '${node.name}' (Conv): input rank ${x.shape.length} and weight rank ${w.shape.length} differ`);
    const g = convGeometry(node, x.shape, w.shape);
    if (b && (b.shape.length !== 1 || b.shape[0] !== g.cout))
      throw inputError(`node '${node.name}' (Conv): bias shape [${b.shape}] should be [${g.cout}]`);
    if (g.batch !== 1 && x.shape.length === 0) throw unsupported(node, 'an empty input');
    return [{ shape: joinActivation(g.batch, g.cout, outSpatial(g), layoutOf(node)), dtype: x.dtype }];
  },
  evaluate(node, [x, w, b]) {
    const g = convGeometry(node, x!.shape, w!.shape);
    const nhwc = layoutOf(node) === 'NHWC';
    const xNhwc = convInputLayout(node) === 'NHWC';
    const clamp = fusedClamp(node);
    const coutPerGroup = g.cout / g.group;
    // pad_value (harc): per-input-channel value of padded cells, left by folding input normalisation
    const padValue = Array.isArray(node.attrs['pad_value']) ? (node.attrs['pad_value'] as number[]) : undefined;
    const y = new Float32Array(g.batch * g.cout * g.outH * g.outW);
    const X = x!.data;
    const W = w!.data;
    const xAt = (n: number, c: number, h: number, v: number): number =>
      xNhwc ? X[((n * g.inH + h) * g.inW + v) * g.channels + c]! : X[((n * g.channels + c) * g.inH + h) * g.inW + v]!;
    const wAt = (o: number, i: number, kh: number, kw: number): number =>
      nhwc ? W[((o * g.kH + kh) * g.kW + kw) * g.cinPerGroup + i]! : W[((o * g.cinPerGroup + i) * g.kH + kh) * g.kW + kw]!;
    for (let n = 0; n < g.batch; n++)
      for (let o = 0; o < g.cout; o++) {
        const grp = Math.floor(o / coutPerGroup);
        for (let oh = 0; oh < g.outH; oh++)
          for (let ow = 0; ow < g.outW; ow++) {
            let acc = b ? b.data[o]! : 0;
            for (let kh = 0; kh < g.kH; kh++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilH;
              for (let kw = 0; kw < g.kW; kw++) {
                const iw = ow * g.strideW - g.padLeft + kw * g.dilW;
                const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
                if (!inside && !padValue) continue;
                for (let i = 0; i < g.cinPerGroup; i++) {
                  const c = grp * g.cinPerGroup + i;
                  acc += (inside ? xAt(n, c, ih, iw) : padValue![c]!) * wAt(o, i, kh, kw);
                }
              }
            }
            const v = clampValue(acc, clamp);
            y[nhwc ? ((n * g.outH + oh) * g.outW + ow) * g.cout + o : ((n * g.cout + o) * g.outH + oh) * g.outW + ow] = v;
          }
      }
    const shape = joinActivation(g.batch, g.cout, outSpatial(g), layoutOf(node));
    return [{ shape, dtype: 'float32', data: y } satisfies Value];
  },
  macs(node, [x, w]: Tensor[], [y]: Tensor[]) {
    const g = convGeometry(node, x!.shape, w!.shape);
    return numel(y!.shape) * g.cinPerGroup * g.kH * g.kW;
  },
});
