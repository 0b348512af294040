/** Failure kinds map to the CLI's exit codes: check → 1, input → 2, tool → 3. */
export type ErrorKind = 'check' | 'input' | 'tool';

export class HarcError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.kind = kind;
    this.name = 'HarcError';
  }
}

/** Bad input: malformed file, unsupported op, shape mismatch, bad usage. */
export const inputError = (message: string): HarcError => new HarcError('input', message);

export const exitCodeOf = (kind: ErrorKind): number => ({ check: 1, input: 2, tool: 3 })[kind];
