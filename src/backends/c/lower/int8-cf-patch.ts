import type { ConvQParams } from '../../../ir/int8/prepare.ts';

// The patch of one output pixel of an int8 Conv that reads its channels-first input in place
// (`x_layout: 'NCHW'`, an absorbed input transpose; src/passes/absorb-input-transpose.ts), for the
// optimized matrix kernels (harc_s8_mat1 / _mat2). They take a patch in the reference weight order,
// k = (kh·kW + kw)·cinPerGroup + ic; harc_s8_patch gathers it from channels-last pixels, so here
// one plane per channel is read at a stride instead. The bytes are the same, so the kernels and
// their packed weights are unchanged.

/** C statements that gather the patch of output pixel `q` (a C expression) of group `g` from the
 * channels-first input at `x` (one image) into `buf`, padded taps from `pad_row` (declared only when
 * the Conv pads), then declare `const int8_t *name` pointing at it. */
export function channelsFirstPatch(p: ConvQParams, x: string, buf: string, q: string, name: string): string[] {
  const plane = p.inH * p.inW;
  const cpg = p.cinPerGroup;
  const anyPad = p.padTop > 0 || p.padLeft > 0 || p.padBottom > 0 || p.padRight > 0;
  const copy = `for (int ic = 0; ic < ${cpg}; ++ic) d[ic] = s[ic * ${plane}];`;
  return [
    `{ /* patch of pixel ${q}: channel planes of ${plane} read at a stride, [kh][kw][ic] */`,
    `  const int ih0 = (${q}) / ${p.outW} * ${p.strideH} - ${p.padTop}, iw0 = (${q}) % ${p.outW} * ${p.strideW} - ${p.padLeft};`,
    `  for (int kh = 0; kh < ${p.kH}; ++kh) {`,
    `    const int ih = ih0 + kh * ${p.dilH};`,
    `    for (int kw = 0; kw < ${p.kW}; ++kw) {`,
    `      const int iw = iw0 + kw * ${p.dilW};`,
    `      int8_t *d = ${buf} + (kh * ${p.kW} + kw) * ${cpg};`,
    ...(anyPad
      ? [
          `      if (ih >= 0 && ih < ${p.inH} && iw >= 0 && iw < ${p.inW}) {`,
          `        const int8_t *s = ${x} + ih * ${p.inW} + iw + g * ${cpg * plane};`,
          `        ${copy}`,
          `      } else`,
          `        for (int ic = 0; ic < ${cpg}; ++ic) d[ic] = pad_row[g * ${cpg} + ic];`,
        ]
      : [`      const int8_t *s = ${x} + ih * ${p.inW} + iw + g * ${cpg * plane};`, `      ${copy}`]),
    `    }`,
    `  }`,
    `}`,
    `const int8_t *${name} = ${buf};`,
  ];
}
