import { inputError } from '../ir/errors.ts';
import { isWeightBits, type WeightBits } from '../ir/quant/subbyte.ts';
import { traitsOf } from '../ir/registry.ts';
import type { Graph, Node } from '../ir/types.ts';

// Weight bit width per layer, as data (issue 12): a default for every weighted layer plus rules
// `layer name or glob → bits`, applied in order (the last matching rule wins). Names are the
// optimized graph's node names, as `harc inspect --json` lists them under layers[].name.

export interface WeightBitsRule {
  pattern: string;
  bits: WeightBits;
}

export interface WeightBitsSpec {
  /** Every weighted layer's bits unless a rule matches (default 8). */
  default?: WeightBits;
  rules?: WeightBitsRule[];
}

/** `*` any run of characters, `?` one character; everything else literal. */
export function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

const bitsOf = (v: unknown, where: string): WeightBits => {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !isWeightBits(n)) throw inputError(`${where}: weight bits must be 8, 4 or 2 (got ${JSON.stringify(v)})`);
  return n;
};

/** `conv*=4,fc=8` → rules. */
export function parseBitsList(text: string, where = '--bits'): WeightBitsRule[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const eq = item.lastIndexOf('=');
      if (eq <= 0) throw inputError(`${where}: '${item}' is not NAME=BITS (e.g. 'conv*=4,fc=8')`);
      return { pattern: item.slice(0, eq).trim(), bits: bitsOf(item.slice(eq + 1), `${where}: '${item}'`) };
    });
}

/** A JSON object `{ "name or glob": bits, ... }` → rules (in the object's order). */
export function parseBitsJson(json: unknown, where: string): WeightBitsRule[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw inputError(`${where}: expected a JSON object {"layer name or glob": 8 | 4 | 2}`);
  return Object.entries(json).map(([pattern, v]) => ({ pattern, bits: bitsOf(v, `${where}: "${pattern}"`) }));
}

/** Nodes whose weights are quantized per output channel (Conv / Gemm / MatMul, LSTM / GRU / RNN). */
export const isWeightedNode = (n: Node): boolean => {
  const k = traitsOf(n.op)?.quant.kind;
  return k === 'weights' || k === 'recurrent';
};

/** Every weighted node's bits. A rule that matches no weighted node is an error naming it. */
export function resolveWeightBits(graph: Graph, spec: WeightBitsSpec): Map<string, WeightBits> {
  const weighted = graph.nodes.filter(isWeightedNode);
  const out = new Map<string, WeightBits>(weighted.map((n) => [n.name, spec.default ?? 8]));
  for (const r of spec.rules ?? []) {
    const hit = weighted.filter((n) => globMatches(r.pattern, n.name));
    if (hit.length === 0)
      throw inputError(`--bits: '${r.pattern}' matches no weighted layer (layers: ${weighted.map((n) => n.name).join(', ') || 'none'}; see harc inspect --json)`);
    for (const n of hit) out.set(n.name, r.bits);
  }
  return out;
}
