// Discovery and classification of the ONNX backend node tests (Debian's libonnx-testdata):
// every case is either run (with the inputs harc needs at compile time bound as constants) or
// skipped with a named reason.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import '../../src/ir/ops/index.ts';
import { bindConstants } from '../../src/ir/bind.ts';
import { graphFromProto, tensorFromProto } from '../../src/frontends/onnx.ts';
import type { Graph, Tensor, Value } from '../../src/ir/types.ts';

const { onnx } = onnxProto;

export const NODE_CASES_ROOT = process.env['ONNX_NODE_CASES'] ?? '/usr/share/libonnx-testdata/data/node';

/** The operator set this conformance run covers (issue 2). `Constant` is folded by the importer. */
export const TESTED_OPS = new Set([
  'Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSigmoid',
  'HardSwish', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'Add', 'Sub', 'Mul', 'Div', 'Concat',
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Softmax', 'Identity', 'Dropout', 'Pad', 'Slice', 'Gather',
  'Constant',
]);

/** Further ops harc implements; cases using them (e.g. the expanded Softmax bodies) run too. */
export const ALSO_SUPPORTED_OPS = new Set(['ReduceMax', 'ReduceSum', 'Exp', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'GlobalMaxPool', 'Elu', 'Selu', 'Softplus', 'Softsign']);

/** Ops whose current definition dates from before opset 7, so an older model means the same thing. */
const UNCHANGED_SINCE_OPSET_1 = new Set(['GlobalAveragePool', 'GlobalMaxPool', 'HardSigmoid', 'Constant']);

/** Input positions an op needs as compile-time constants; a graph input there is bound to its test data. */
const CONST_INPUTS: Record<string, number[]> = {
  Conv: [1, 2],
  Gemm: [1, 2],
  MatMul: [1],
  BatchNormalization: [1, 2, 3, 4],
  Clip: [1, 2],
  Gather: [1],
  Slice: [1, 2, 3, 4],
  Pad: [1, 2, 3],
  Reshape: [1],
  Squeeze: [1],
  Unsqueeze: [1],
  ReduceMean: [1],
  Dropout: [1, 2],
  ReduceMax: [1],
  ReduceSum: [1],
};

export interface RunnableCase {
  name: string;
  dir: string;
  /** The imported graph with compile-time inputs bound. */
  graph: Graph;
  /** Runtime inputs in graph-input order. */
  inputs: { name: string; value: Value }[];
  /** Expected outputs in graph-output order. */
  outputs: { name: string; value: Value }[];
}

export type NodeCase = { name: string; skip?: undefined; run: () => RunnableCase } | { name: string; skip: string; detail?: string };

const num = (v: number | { toNumber(): number } | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

export function listCaseNames(root = NODE_CASES_ROOT): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'model.onnx')))
    .sort();
}

function attrOf(n: proto.INodeProto, key: string): proto.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === key);
}

const ELEM_FLOAT = 1;

/** Why harc cannot run a case, or undefined when it should. Checked on the raw ONNX so a skip never
 * depends on harc's own behaviour. */
function skipReason(name: string, model: proto.ModelProto, constInputs: Set<string>): { skip: string; detail?: string } | undefined {
  const reason = rawSkipReason(name, model, constInputs);
  return typeof reason === 'string' ? { skip: reason } : reason;
}

function rawSkipReason(name: string, model: proto.ModelProto, constInputs: Set<string>): string | { skip: string; detail: string } | undefined {
  const g = model.graph!;
  const nodes = g.node ?? [];
  const outside = [...new Set(nodes.filter((n) => (n.domain && n.domain !== 'ai.onnx') || !(TESTED_OPS.has(n.opType!) || ALSO_SUPPORTED_OPS.has(n.opType!))).map((n) => n.opType!))];
  if (outside.length > 0)
    return {
      skip: name.endsWith('_expanded') ? 'expanded function-body variant uses an op outside the tested set' : 'op outside the tested op set',
      detail: outside.join(' '),
    };
  const opset = num(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version);
  if (opset < 7 && nodes.some((n) => !UNCHANGED_SINCE_OPSET_1.has(n.opType!))) return 'opset < 7';
  for (const vi of [...(g.input ?? []), ...(g.output ?? [])])
    if (!vi.type?.tensorType) return 'non-tensor input or output (optional / sequence type)';
  for (const vi of g.input ?? [])
    if (!constInputs.has(vi.name!) && (vi.type!.tensorType!.shape?.dim ?? []).some((d) => (d as proto.TensorShapeProto.Dimension).value === 'dimValue' && num(d.dimValue) === 0))
      return 'zero-size tensor';
  for (const n of nodes) {
    const op = n.opType!;
    if (op === 'BatchNormalization' && (num(attrOf(n, 'training_mode')?.i) === 1 || (n.output ?? []).length > 1)) return 'BatchNormalization training_mode';
    if (op === 'Dropout' && (n.input ?? [])[2]) return 'Dropout training_mode';
    if (op === 'Dropout' && (n.output ?? []).filter(Boolean).length > 1) return 'Dropout mask output';
    if (op === 'MaxPool' && (n.output ?? []).filter(Boolean).length > 1) return 'MaxPool Indices output';
    if (op === 'Pad') {
      const mode = new TextDecoder().decode(attrOf(n, 'mode')?.s ?? new TextEncoder().encode('constant'));
      if (mode !== 'constant') return `Pad mode '${mode}'`;
    }
    if ((op === 'MaxPool' || op === 'AveragePool') && (attrOf(n, 'kernel_shape')?.ints ?? []).length > 2) return '3-D pooling';
    if (op === 'MatMul') {
      const b = (g.input ?? []).find((vi) => vi.name === (n.input ?? [])[1]);
      const rank = b?.type?.tensorType?.shape?.dim?.length;
      if (rank === 1) return 'MatMul with 1-D B';
    }
  }
  for (const vi of g.input ?? [])
    if (!constInputs.has(vi.name!) && vi.type!.tensorType!.elemType !== ELEM_FLOAT) return 'non-float32 input';
  for (const vi of g.output ?? []) if (vi.type!.tensorType!.elemType !== ELEM_FLOAT) return 'non-float32 output';
  return undefined;
}

/** Graph inputs that some node reads at a compile-time-constant position. */
function constInputNames(g: proto.IGraphProto): Set<string> {
  const inputs = new Set((g.input ?? []).map((vi) => vi.name!));
  const out = new Set<string>();
  for (const n of g.node ?? [])
    for (const i of CONST_INPUTS[n.opType!] ?? []) {
      const name = (n.input ?? [])[i];
      if (name && inputs.has(name)) out.add(name);
    }
  return out;
}

function readTensor(path: string): Tensor {
  return tensorFromProto(onnx.TensorProto.decode(readFileSync(path)), path);
}

/** Loads one case: graph with constants bound, runtime inputs and expected outputs. */
function loadCase(name: string, dir: string, model: proto.ModelProto, constInputs: Set<string>): RunnableCase {
  const g = model.graph!;
  const opset = num(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version);
  const data = join(dir, 'test_data_set_0');
  const declaredInputs = (g.input ?? []).map((vi) => vi.name!);
  const given = declaredInputs.map((_, i) => readTensor(join(data, `input_${i}.pb`)));
  const expected = (g.output ?? []).map((vi, i) => ({ name: vi.name!, t: readTensor(join(data, `output_${i}.pb`)) }));
  const imported = graphFromProto(g, opset, join(dir, 'model.onnx'));
  const consts = Object.fromEntries(declaredInputs.map((n, i) => [n, given[i]!] as const).filter(([n]) => constInputs.has(n)));
  const graph = bindConstants(imported, consts);
  const asValue = (t: Tensor): Value => ({ shape: t.shape, dtype: t.dtype, data: t.data! });
  return {
    name,
    dir,
    graph,
    inputs: declaredInputs.map((n, i) => ({ name: n, value: asValue(given[i]!) })).filter((x) => !constInputs.has(x.name)),
    outputs: expected.map(({ name: n, t }) => ({ name: n, value: asValue(t) })),
  };
}

/** Every case under the root, classified. Loading a runnable case is deferred to `run()`. */
export function discoverCases(root = NODE_CASES_ROOT): NodeCase[] {
  return listCaseNames(root).map((name): NodeCase => {
    const dir = join(root, name);
    const model = onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
    const constInputs = constInputNames(model.graph!);
    const skip = skipReason(name, model, constInputs);
    if (skip) return { name, ...skip };
    if (!existsSync(join(dir, 'test_data_set_0'))) return { name, skip: 'no test data' };
    return { name, run: () => loadCase(name, dir, model, constInputs) };
  });
}

/** |a−b| ≤ atol + rtol·|b| elementwise, NaN matching NaN; returns a description of the first mismatch. */
export function compareValues(actual: ArrayLike<number>, expected: Value, atol = 1e-5, rtol = 1e-5): string | undefined {
  const b = expected.data;
  if (actual.length !== b.length) return `${actual.length} values, expected ${b.length} (shape [${expected.shape}])`;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < b.length; i++) {
    const x = actual[i]!;
    const y = b[i]!;
    const ok = Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  return bad === 0 ? undefined : `${bad}/${b.length} values differ; first at [${first}]: got ${actual[first]}, expected ${b[first]}`;
}

/** Skips grouped by reason, most frequent first, for the summary. */
export function groupSkips(cases: NodeCase[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const c of cases) if (c.skip) groups.set(c.skip, [...(groups.get(c.skip) ?? []), c.detail ? `${c.name} (${c.detail})` : c.name]);
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

export function formatSummary(title: string, passed: number, failed: { name: string; error: string }[], cases: NodeCase[]): string {
  const skips = groupSkips(cases);
  const lines = [`${title}: ${passed} passed, ${failed.length} failed, ${cases.filter((c) => c.skip).length} skipped`];
  for (const f of failed) lines.push(`  FAIL ${f.name}: ${f.error}`);
  for (const [reason, names] of skips) {
    const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (+${names.length - 8})` : names.join(', ');
    lines.push(`  skip ${names.length} × ${reason}: ${shown}`);
  }
  return lines.join('\n');
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
