import type { DType, TensorData } from '../../ir/types.ts';

/** A float32 constant as C source that reads back to the same bits. */
export function cFloat(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return '(0.0f / 0.0f)';
  if (!Number.isFinite(f)) return f > 0 ? 'HUGE_VALF' : '(-HUGE_VALF)';
  if (Object.is(f, -0)) return '-0.0f';
  let s = f.toPrecision(9);
  if (!/[.e]/.test(s)) s += '.0';
  s = s.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '.0$1');
  return `${s}f`;
}

export function cLiteral(dtype: DType, v: number): string {
  if (dtype === 'float32') return cFloat(v);
  if (dtype === 'float64') return String(v);
  if (dtype === 'int32' && v === -2147483648) return '(-2147483647 - 1)';
  if (dtype === 'int64') return `INT64_C(${v})`;
  return String(v);
}

/** Array initializer, a fixed number of values per line. */
export function cArrayBody(dtype: DType, data: TensorData, perLine = 8): string {
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine)
    lines.push('  ' + Array.from(data.subarray(i, i + perLine) as ArrayLike<number>, (v) => cLiteral(dtype, v)).join(', ') + ',');
  return lines.join('\n');
}

/** A C identifier made from any tensor or node name. */
export const cIdent = (s: string): string => {
  const c = s.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(c) || c.length === 0 ? `t_${c}` : c;
};
