import { attrInt, attrInts, registerOp, unsupported } from '../registry.ts';
import type { QuantRule } from '../traits.ts';
import type { Node, Value } from '../types.ts';
import { joinActivation, layoutOf, outSpatial, splitActivation, windowGeometry, type WindowGeometry } from './window-geometry.ts';

export type PoolKind = 'max' | 'avg';

export function poolGeometry(node: Node, xShape: number[]): WindowGeometry {
  if (node.op === 'GlobalAveragePool' || node.op === 'GlobalMaxPool') {
    const { spatial } = splitActivation(xShape, layoutOf(node));
    const g = windowGeometry({ ...node, attrs: { layout: node.attrs['layout'] ?? 'NCHW' } }, xShape, spatial);
    return g;
  }
  if (node.op === 'MaxPool' && node.attrs['storage_order']) throw unsupported(node, 'storage_order 1');
  return windowGeometry(node, xShape, attrInts(node, 'kernel_shape'), attrInt(node, 'ceil_mode', 0) === 1);
}

/** Max or average over each window; padded cells are skipped (max) or excluded from the count
 * unless count_include_pad (average). */
export function poolEvaluate(node: Node, kind: PoolKind, x: Value): Value {
  const g = poolGeometry(node, x.shape);
  const nhwc = layoutOf(node) === 'NHWC';
  const includePad = attrInt(node, 'count_include_pad', 0) === 1;
  const C = g.channels;
  const y = new Float32Array(g.batch * C * g.outH * g.outW);
  for (let n = 0; n < g.batch; n++)
    for (let c = 0; c < C; c++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let kh = 0; kh < g.kH; kh++) {
            const ih = oh * g.strideH - g.padTop + kh * g.dilH;
            for (let kw = 0; kw < g.kW; kw++) {
              const iw = ow * g.strideW - g.padLeft + kw * g.dilW;
              const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
              // count_include_pad counts the explicit padding but never the ceil_mode overhang.
              if (!inside) {
                if (includePad && ih < g.inH + g.padBottom && iw < g.inW + g.padRight) count++;
                continue;
              }
              const v = x.data[nhwc ? ((n * g.inH + ih) * g.inW + iw) * C + c : ((n * C + c) * g.inH + ih) * g.inW + iw]!;
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          y[nhwc ? ((n * g.outH + oh) * g.outW + ow) * C + c : ((n * C + c) * g.outH + oh) * g.outW + ow] =
            kind === 'max' ? acc : acc / count;
        }
  return { shape: joinActivation(g.batch, C, outSpatial(g), layoutOf(node)), dtype: 'float32', data: y };
}

function poolOp(op: string, kind: PoolKind, attrs: Record<string, number | string | number[] | undefined>, quant: QuantRule): void {
  registerOp({
    op,
    attrs: { ...attrs, layout: 'NCHW' },
    arity: [1, 1],
    traits: { channelsLast: true, quant, int8: 'kernel' },
    infer(node, [x]) {
      const g = poolGeometry(node, x!.shape);
      return [{ shape: joinActivation(g.batch, g.channels, outSpatial(g), layoutOf(node)), dtype: x!.dtype }];
    },
    evaluate: (node, [x]) => [poolEvaluate(node, kind, x!)],
  });
}

const windowAttrs = { auto_pad: 'NOTSET', ceil_mode: 0, dilations: undefined, kernel_shape: undefined, pads: undefined, strides: undefined };
// int8: max and windowed average keep the input's parameters; the global average is calibrated
poolOp('MaxPool', 'max', { ...windowAttrs, storage_order: 0 }, { kind: 'inherits' });
poolOp('AveragePool', 'avg', { ...windowAttrs, count_include_pad: 0 }, { kind: 'inherits' });
poolOp('GlobalAveragePool', 'avg', {}, { kind: 'calibrated' });
poolOp('GlobalMaxPool', 'max', {}, { kind: 'inherits' });
