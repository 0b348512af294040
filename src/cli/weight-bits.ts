import { existsSync, readFileSync } from 'node:fs';
import { inputError } from '../ir/errors.ts';
import { isWeightBits } from '../ir/quant/subbyte.ts';
import { parseBitsJson, parseBitsList, type WeightBitsSpec } from '../passes/weight-bits.ts';

// `--weight-bits N` and `--bits FILE.json | 'conv*=4,fc=8'` (issue 12): weight bit width per layer
// for --precision int8 (activations stay int8, recurrent state int16). The options are declared in
// options.ts with the other precision options.

export interface WeightBitsArgs {
  weightBits?: number;
  bits?: string;
}

/** The spec the flags describe, or undefined when neither is given (8 bits everywhere). */
export function weightBitsSpecOf(a: WeightBitsArgs): WeightBitsSpec | undefined {
  if (a.weightBits === undefined && a.bits === undefined) return undefined;
  if (a.weightBits !== undefined && !isWeightBits(a.weightBits)) throw inputError(`--weight-bits ${a.weightBits}: expected 8, 4 or 2`);
  const spec: WeightBitsSpec = { ...(a.weightBits !== undefined ? { default: a.weightBits } : {}) };
  if (a.bits === undefined) return spec;
  if (/\.json$/i.test(a.bits) || (existsSync(a.bits) && !a.bits.includes('='))) {
    if (!existsSync(a.bits)) throw inputError(`--bits ${a.bits}: no such file`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(a.bits, 'utf8'));
    } catch (e) {
      throw inputError(`--bits ${a.bits}: not valid JSON (${(e as Error).message})`);
    }
    return { ...spec, rules: parseBitsJson(json, a.bits) };
  }
  return { ...spec, rules: parseBitsList(a.bits) };
}

/** A short label for reports: 'w4', 'w2', or 'mixed' when rules choose per layer. */
export const weightBitsLabel = (spec: WeightBitsSpec): string => (spec.rules?.length ? 'mixed' : `w${spec.default ?? 8}`);
