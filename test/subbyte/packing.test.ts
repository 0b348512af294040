// Sub-byte weight storage and the per-layer bit-width spec (issue 12): pure functions, no C.
import { describe, expect, it } from 'vitest';
import { cUnpackExpr, packedBytes, packSubByte, unpackSubByte } from '../../src/ir/quant/subbyte.ts';
import { quantizeTensorSymmetricPerChannel } from '../../src/ir/quant/index.ts';
import { globMatches, parseBitsJson, parseBitsList, resolveWeightBits } from '../../src/passes/weight-bits.ts';
import { G } from '../int8/helpers.ts';

describe('packed sub-byte weights', () => {
  it('int4: two per byte, low nibble first (CMSIS-NN s4 layout)', () => {
    expect(Array.from(packSubByte([1, -1, 7, -7, -8], 4))).toEqual([0xf1, 0x97, 0x08]);
    expect(packedBytes(5, 4)).toBe(3);
  });
  it('int2: four per byte, lowest bits first', () => {
    expect(Array.from(packSubByte([1, -1, 0, -2, 1], 2))).toEqual([0b10_00_11_01, 0b01]);
    expect(packedBytes(5, 2)).toBe(2);
  });
  it('unpack inverts pack for every value and length', () => {
    for (const bits of [4, 2] as const) {
      const lo = -(1 << (bits - 1));
      for (let n = 0; n < 19; n++) {
        const v = Array.from({ length: n }, (_, i) => lo + ((i * 7 + n) % (1 << bits)));
        expect(Array.from(unpackSubByte(packSubByte(v, bits), n, bits))).toEqual(v);
      }
    }
  });
  it('refuses a value that does not fit', () => {
    expect(() => packSubByte([8], 4)).toThrow(/4 signed bits/);
    expect(() => packSubByte([2], 2)).toThrow(/2 signed bits/);
  });
  it('the C unpack expression computes the same values (evaluated as JS integer arithmetic)', () => {
    for (const bits of [4, 2] as const) {
      const v = Array.from({ length: 11 }, (_, i) => -(1 << (bits - 1)) + (i % (1 << bits)));
      const p = packSubByte(v, bits);
      const expr = cUnpackExpr('p', 'i', bits).replace(/\(int32_t\)/g, '');
      const f = new Function('p', 'i', `return ${expr};`) as (p: Uint8Array, i: number) => number;
      expect(v.map((_, i) => f(p, i))).toEqual(v);
    }
  });
  it('symmetric per-channel quantization at 4 and 2 bits stays in [-7, 7] and [-1, 1]', () => {
    const w = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 3)));
    for (const [bits, qmax] of [[4, 7], [2, 1]] as const) {
      const q = quantizeTensorSymmetricPerChannel(w, [4, 6], 0, bits);
      expect(Math.max(...Array.from(q.values, Math.abs))).toBe(qmax);
    }
  });
});

describe('weight bits per layer', () => {
  it('parses NAME=BITS lists and JSON objects', () => {
    expect(parseBitsList('conv*=4, fc=8')).toEqual([{ pattern: 'conv*', bits: 4 }, { pattern: 'fc', bits: 8 }]);
    expect(parseBitsJson({ 'conv_1': 2, 'gemm*': '4' }, 'b.json')).toEqual([{ pattern: 'conv_1', bits: 2 }, { pattern: 'gemm*', bits: 4 }]);
    expect(() => parseBitsList('conv=3')).toThrow(/8, 4 or 2/);
    expect(() => parseBitsList('conv')).toThrow(/NAME=BITS/);
    expect(() => parseBitsJson([4], 'b.json')).toThrow(/b\.json: expected a JSON object/);
  });
  it('globs: * and ? only, the rest literal', () => {
    expect(globMatches('conv*', 'conv_3')).toBe(true);
    expect(globMatches('conv?', 'conv12')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
  });
  it('resolves against weighted nodes, the last matching rule wins, an unmatched rule is an error', () => {
    const b = new G(3);
    const c = b.op('Conv', [b.input([1, 3, 8]), b.const([4, 3, 3]), b.const([4])]);
    const f = b.op('Gemm', [b.op('Flatten', [c]), b.const([5, 24]), b.const([5])], { transB: 1 });
    const g = b.graph(f);
    const names = g.nodes.filter((n) => n.op !== 'Flatten').map((n) => n.name);
    const m = resolveWeightBits(g, { default: 4, rules: [{ pattern: '*', bits: 2 }, { pattern: names[1]!, bits: 8 }] });
    expect([...m.entries()]).toEqual([[names[0], 2], [names[1], 8]]);
    expect(() => resolveWeightBits(g, { rules: [{ pattern: 'lstm*', bits: 4 }] })).toThrow(/'lstm\*' matches no weighted layer/);
  });
});
