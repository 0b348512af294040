import { inputError } from '../ir/errors.ts';

// Numbers on the command line are parsed strictly, before any work starts: a typo must be exit 2
// with one line, never NaN carried into a budget or a size silently rounded.

/** Byte units: IEC binary (KiB = 1024) and SI decimal (KB = kB = 1000), as documented in the help. */
const BYTE_UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1000, kB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 };

/** Parses a size: `65536`, `64KiB`, `64 KB` (= 64,000), `1.5MiB`. Anything else is a usage error. */
export function parseBytes(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const mult = m ? BYTE_UNITS[m[2]!] : undefined;
  if (!m || mult === undefined) throw inputError(`${flag} '${text}': expected a size like 65536, 64KiB (×1024), 64KB (×1000) or 1MiB`);
  const bytes = Number(m[1]) * mult;
  if (!Number.isSafeInteger(bytes)) throw inputError(`${flag} '${text}': not a whole number of bytes`);
  return bytes;
}

/** Parses a whole number written in digits (`_` or `,` may group them): no exponent, sign or unit. */
export function parseCount(text: string | number, flag: string, min = 0): number {
  const s = String(text).trim();
  const n = /^\d+([_,]\d+)*$/.test(s) ? Number(s.replace(/[_,]/g, '')) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw inputError(`${flag} '${text}': expected a whole number${min > 0 ? ` ≥ ${min}` : ''} in digits, like 5000000`);
  return n;
}

/** An optional numeric flag: undefined stays undefined. */
export const optionalCount = (text: string | undefined, flag: string, min = 0): number | undefined => (text === undefined ? undefined : parseCount(text, flag, min));
export const optionalBytes = (text: string | undefined, flag: string): number | undefined => (text === undefined ? undefined : parseBytes(text, flag));
