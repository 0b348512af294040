import { clampValue, fusedClamp } from '../ops/activation.ts';
import { convGeometry } from '../ops/conv.ts';
import { layoutOf } from '../ops/window-geometry.ts';
import { numel } from '../shape.ts';
import type { Node, Tensor, Value } from '../types.ts';
import type { FastKernel } from './kernel.ts';
import type { RowDots } from './row-dots.ts';

/** Channels-last Conv as the reference computes it (src/ir/ops/conv.ts): per output, bias first,
 * then taps in (kh, kw) order and input channels in order, in double; clamp; store as float32.
 * Without groups, a position that uses every tap is one row-dot product of the weights with its
 * gathered patch (src/ir/fast/row-dots.ts); other positions accumulate four channels side by side. */
export function fastConv(node: Node, [x, w, b]: (Tensor | undefined)[], [y]: (Tensor | undefined)[], dots: RowDots): FastKernel | undefined {
  if (!x || !w || !y || layoutOf(node) !== 'NHWC' || x.dtype !== 'float32' || w.dtype !== 'float32' || (b && b.dtype !== 'float32')) return undefined;
  const g = convGeometry(node, x.shape, w.shape);
  const { cout, cinPerGroup: cpg, group } = g;
  const coutPerGroup = cout / group;
  const clamp = fusedClamp(node);
  const padValue = Array.isArray(node.attrs['pad_value']) ? (node.attrs['pad_value'] as number[]) : undefined;
  const taps = g.kH * g.kW;
  const wPerOut = taps * cpg;
  const Y = new Float32Array(g.batch * g.outH * g.outW * cout);
  if (Y.length !== numel(y.shape) || numel(x.shape) !== g.batch * g.inH * g.inW * g.channels) return undefined;
  // per output position: each tap's input offset, or -1 (padding, padValue) / skipped (padding, none)
  const tapOff = new Int32Array(taps);
  const tapIdx = new Int32Array(taps);
  const grpOff = Int32Array.from({ length: cout }, (_, o) => Math.floor(o / coutPerGroup) * cpg);
  const out: Value[] = [{ shape: y.shape, dtype: 'float32', data: Y }];
  const patch = group === 1 ? new Float64Array(wPerOut) : undefined;
  const acc = new Float64Array(cout);
  return ([xv, wv, bv]) => {
    const X = xv!.data as Float32Array;
    const W = wv!.data as Float32Array;
    const B = bv?.data;
    const rows = patch ? dots.rowsOf(W, 0, cout, wPerOut) : undefined;
    for (let n = 0; n < g.batch; n++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++) {
          let nt = 0;
          for (let kh = 0; kh < g.kH; kh++) {
            const ih = oh * g.strideH - g.padTop + kh * g.dilH;
            for (let kw = 0; kw < g.kW; kw++) {
              const iw = ow * g.strideW - g.padLeft + kw * g.dilW;
              const inside = ih >= 0 && ih < g.inH && iw >= 0 && iw < g.inW;
              if (!inside && !padValue) continue;
              tapIdx[nt] = kh * g.kW + kw;
              tapOff[nt++] = inside ? ((n * g.inH + ih) * g.inW + iw) * g.channels : -1;
            }
          }
          const yo = ((n * g.outH + oh) * g.outW + ow) * cout;
          if (rows && nt === taps) {
            for (let t = 0; t < taps; t++) {
              const xo = tapOff[t]!;
              if (xo >= 0) for (let i = 0; i < cpg; i++) patch![t * cpg + i] = X[xo + i]!;
              else for (let i = 0; i < cpg; i++) patch![t * cpg + i] = padValue![i]!;
            }
            for (let o = 0; o < cout; o++) acc[o] = B ? B[o]! : 0;
            dots.accumulate(rows, acc, patch!, 0);
            for (let o = 0; o < cout; o++) Y[yo + o] = clampValue(acc[o]!, clamp);
            continue;
          }
          let o = 0;
          for (; o + 4 <= cout; o += 4) {
            let a0 = B ? B[o]! : 0;
            let a1 = B ? B[o + 1]! : 0;
            let a2 = B ? B[o + 2]! : 0;
            let a3 = B ? B[o + 3]! : 0;
            const g0 = grpOff[o]!, g1 = grpOff[o + 1]!, g2 = grpOff[o + 2]!, g3 = grpOff[o + 3]!;
            for (let t = 0; t < nt; t++) {
              const xo = tapOff[t]!;
              const wt = tapIdx[t]! * cpg;
              const w0 = o * wPerOut + wt, w1 = w0 + wPerOut, w2 = w1 + wPerOut, w3 = w2 + wPerOut;
              if (xo >= 0) {
                for (let i = 0; i < cpg; i++) {
                  a0 += X[xo + g0 + i]! * W[w0 + i]!;
                  a1 += X[xo + g1 + i]! * W[w1 + i]!;
                  a2 += X[xo + g2 + i]! * W[w2 + i]!;
                  a3 += X[xo + g3 + i]! * W[w3 + i]!;
                }
              } else {
                const pv = padValue!;
                for (let i = 0; i < cpg; i++) {
                  a0 += pv[g0 + i]! * W[w0 + i]!;
                  a1 += pv[g1 + i]! * W[w1 + i]!;
                  a2 += pv[g2 + i]! * W[w2 + i]!;
                  a3 += pv[g3 + i]! * W[w3 + i]!;
                }
              }
            }
            Y[yo + o] = clampValue(a0, clamp);
            Y[yo + o + 1] = clampValue(a1, clamp);
            Y[yo + o + 2] = clampValue(a2, clamp);
            Y[yo + o + 3] = clampValue(a3, clamp);
          }
          for (; o < cout; o++) {
            let a = B ? B[o]! : 0;
            const go = grpOff[o]!;
            for (let t = 0; t < nt; t++) {
              const xo = tapOff[t]!;
              const wo = o * wPerOut + tapIdx[t]! * cpg;
              for (let i = 0; i < cpg; i++) a += (xo >= 0 ? X[xo + go + i]! : padValue![go + i]!) * W[wo + i]!;
            }
            Y[yo + o] = clampValue(a, clamp);
          }
        }
    return out;
  };
}
