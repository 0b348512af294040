import { attrInts, attrString, hasAttr, unsupported } from '../registry.ts';
import type { Node } from '../types.ts';

/** Where the channel axis is: ONNX's NCHW, or the channels-last NHWC that harc's kernels compute in. */
export type Layout = 'NCHW' | 'NHWC';

export const layoutOf = (node: Node): Layout => (node.attrs['layout'] === 'NHWC' ? 'NHWC' : 'NCHW');

export interface WindowGeometry {
  /** Spatial sizes of the input and output, and the window, always 2-D ([1, W] for 1-D ops). */
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  channels: number;
  batch: number;
  spatialRank: number;
}

/** Splits an activation shape into batch, channels and spatial dims for the node's layout. */
export function splitActivation(shape: number[], layout: Layout): { batch: number; channels: number; spatial: number[] } {
  if (layout === 'NHWC') return { batch: shape[0]!, channels: shape[shape.length - 1]!, spatial: shape.slice(1, -1) };
  return { batch: shape[0]!, channels: shape[1]!, spatial: shape.slice(2) };
}

export function joinActivation(batch: number, channels: number, spatial: number[], layout: Layout): number[] {
  return layout === 'NHWC' ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
}

/** Resolves strides, dilations and padding (incl. auto_pad) of a Conv or pooling node. */
export function windowGeometry(node: Node, inShape: number[], kernel: number[], ceilMode = false): WindowGeometry {
  const layout = layoutOf(node);
  const { batch, channels, spatial } = splitActivation(inShape, layout);
  const r = spatial.length;
  if (r < 1 || r > 2) throw unsupported(node, `${r}-D spatial input (shape [${inShape}])`);
  if (kernel.length !== r) throw unsupported(node, `kernel of rank ${kernel.length} on a ${r}-D input`);
  const strides = attrInts(node, 'strides', new Array(r).fill(1));
  const dilations = attrInts(node, 'dilations', new Array(r).fill(1));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let pads = hasAttr(node, 'pads') ? attrInts(node, 'pads') : new Array(2 * r).fill(0);
  const out: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const o = Math.ceil(spatial[i]! / strides[i]!);
      const total = Math.max(0, (o - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - spatial[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i]!;
      out.push(o);
    }
  } else {
    if (autoPad === 'VALID') pads = new Array(2 * r).fill(0);
    else if (autoPad !== 'NOTSET') throw unsupported(node, `auto_pad '${autoPad}'`);
    for (let i = 0; i < r; i++) {
      const span = spatial[i]! + pads[i]! + pads[i + r]! - ((kernel[i]! - 1) * dilations[i]! + 1);
      let o = (ceilMode ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
      // ONNX/PyTorch: the last window must start inside the input or the left padding.
      if (ceilMode && (o - 1) * strides[i]! >= spatial[i]! + pads[i]!) o--;
      out.push(o);
    }
  }
  if (out.some((o) => o < 1)) throw unsupported(node, `a window larger than its padded input (input [${inShape}], kernel [${kernel}])`);
  const two = (a: number[], fill: number): [number, number] => (r === 1 ? [fill, a[0]!] : [a[0]!, a[1]!]);
  const [inH, inW] = two(spatial, 1);
  const [outH, outW] = two(out, 1);
  const [kH, kW] = two(kernel, 1);
  const [strideH, strideW] = two(strides, 1);
  const [dilH, dilW] = two(dilations, 1);
  const [padTop, padLeft] = two(pads.slice(0, r), 0);
  const [padBottom, padRight] = two(pads.slice(r), 0);
  return { inH, inW, outH, outW, kH, kW, strideH, strideW, dilH, dilW, padTop, padLeft, padBottom, padRight, channels, batch, spatialRank: r };
}

/** Output spatial shape in the op's own rank. */
export const outSpatial = (g: WindowGeometry): number[] => (g.spatialRank === 1 ? [g.outW] : [g.outH, g.outW]);
