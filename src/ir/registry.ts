import { inputError } from './errors.ts';
import type { OpTraits } from './traits.ts';
import type { AttrValue, DType, Node, Tensor, Value } from './types.ts';

export interface TypedShape {
  shape: number[];
  dtype: DType;
}

/** One operator: how to read its attributes, resolve its output shapes, and compute it (float
 * reference semantics, the oracle every backend is checked against). Lowering to C lives in the
 * backends, so the IR never depends on them. */
export interface OpDef {
  op: string;
  /** Declared attributes with their defaults (undefined = required or absent). */
  attrs: Record<string, AttrValue | undefined>;
  /** [min, max] number of inputs, counting omitted optionals. */
  arity: [number, number];
  infer(node: Node, inputs: (Tensor | undefined)[]): TypedShape[];
  evaluate(node: Node, inputs: (Value | undefined)[]): Value[];
  /** Output 0 is input 0's bytes relabelled (no copy needed). */
  isView?: boolean;
  /** Multiply-accumulates per inference, for `harc inspect`. */
  macs?(node: Node, inputs: Tensor[], outputs: Tensor[]): number;
  /** What passes, quantization and lowerings need to know (traits.ts); the coverage check
   * (backends/c/coverage.ts) reports an op registered without them. */
  traits?: OpTraits;
}

const registry = new Map<string, OpDef>();

export function registerOp(def: OpDef): void {
  registry.set(def.op, def);
}

export const lookupOp = (op: string): OpDef | undefined => registry.get(op);
export const registeredOps = (): string[] => [...registry.keys()].sort();

/** The traits of an op (undefined for an unknown op or one registered without traits). */
export const traitsOf = (op: string): OpTraits | undefined => registry.get(op)?.traits;

/** Removes an op (tests that register a deliberately incomplete one clean up with it). */
export function unregisterOp(op: string): void {
  registry.delete(op);
}

export function opOf(node: Node): OpDef {
  const def = registry.get(node.op);
  if (!def) throw inputError(`node '${node.name}': unsupported operator '${node.op}'`);
  return def;
}

function attr(node: Node, key: string): AttrValue | undefined {
  if (key in node.attrs) return node.attrs[key];
  return registry.get(node.op)?.attrs[key];
}

export function attrInt(node: Node, key: string, fallback?: number): number {
  const v = attr(node, key) ?? fallback;
  if (typeof v !== 'number') throw inputError(`node '${node.name}' (${node.op}): attribute '${key}' must be a number`);
  return v;
}

export const attrFloat = attrInt;

export function attrInts(node: Node, key: string, fallback?: number[]): number[] {
  const v = attr(node, key) ?? fallback;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number'))
    throw inputError(`node '${node.name}' (${node.op}): attribute '${key}' must be a list of integers`);
  return v as number[];
}

export function attrString(node: Node, key: string, fallback?: string): string {
  const v = attr(node, key) ?? fallback;
  if (typeof v !== 'string') throw inputError(`node '${node.name}' (${node.op}): attribute '${key}' must be a string`);
  return v;
}

export const hasAttr = (node: Node, key: string): boolean => key in node.attrs;

/** A clear error for an attribute value or feature an op does not support. */
export const unsupported = (node: Node, what: string): Error =>
  inputError(`node '${node.name}' (${node.op}): ${what} is not supported`);

/** The constant data of an input that must be known at compile time (shapes, axes, indices). */
export function constInput(node: Node, inputs: (Tensor | undefined)[], i: number, what: string): number[] {
  const t = inputs[i];
  if (!t?.data)
    throw inputError(`node '${node.name}' (${node.op}): input ${i} (${what}) must be a compile-time constant`);
  return Array.from(t.data as ArrayLike<number>);
}
