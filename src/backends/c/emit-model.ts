import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesPerElement, cTypeOf } from '../../ir/dtype.ts';
import { inputError } from '../../ir/errors.ts';
import { inferShapes } from '../../ir/infer.ts';
import { lookupOp, opOf } from '../../ir/registry.ts';
import { numel } from '../../ir/shape.ts';
import type { Graph, Node, Tensor } from '../../ir/types.ts';
import type { ArenaPlan } from '../../planning/arena-plan.ts';
import { planModelMemory, type CMemoryOptions } from './memory.ts';
import { cArrayBody, cFloat, cIdent } from './c-literals.ts';
import type { LowerCtx, Lowering } from './lower/context.ts';
import { floatLowerings } from './lower/index.ts';
import { DEFAULT_KERNEL_SET, floatLoweringFor, int8LoweringFor, kernelSetNamed, kernelSetNames, type KernelSet } from './kernels/index.ts';
import { isQuantized } from '../../ir/int8/prepare.ts';
import { materializeOutputs } from '../../passes/materialize-outputs.ts';
import { render, repoRoot } from './templates.ts';

export interface LayerInfo {
  index: number;
  name: string;
  op: string;
  fn: string;
  macs: number;
  /** Bytes of constants this layer owns (first user), for per-layer flash figures. */
  weightBytes: number;
  weightSymbols: string[];
  /** The statement that runs this layer (staged programs regroup these; src/backends/adaptive.ts). */
  call: string;
}

export interface EmittedModel {
  files: Record<string, string>;
  prefix: string;
  plan: ArenaPlan;
  layers: LayerInfo[];
  graph: Graph;
  inputBytes: number;
  outputBytes: number;
}

interface ConstSymbol {
  symbol: string;
  ctype: string;
  count: number;
  body: string;
  bytes: number;
}

/** `<name>_reset()` statements: each variable (state) tensor's arena bytes set to its zero point. */
function stateResets(graph: Graph, plan: ArenaPlan): string[] {
  const lines: string[] = [];
  for (const t of Object.values(graph.tensors)) {
    if (!t.variable || t.data) continue;
    const id = plan.bufferOf[t.name];
    const b = id === undefined ? undefined : plan.buffers[id];
    if (!b) continue;
    if (b.location.kind !== 'arena') throw inputError(`state tensor '${t.name}' must live in the arena (it cannot be a graph input or output)`);
    const at = b.location.offset + (b.offsets[t.name] ?? 0);
    const fill = t.quant?.zeroPoint[0] ?? 0;
    lines.push(`  for (i = 0; i < ${numel(t.shape) * bytesPerElement(t.dtype)}u; ++i) harc_arena.bytes[${at}u + i] = (unsigned char)${fill & 0xff}u; /* '${t.name.replace(/\*\//g, '* /')}' = ${fill} */`);
    if (fill !== 0 && bytesPerElement(t.dtype) !== 1) throw inputError(`state tensor '${t.name}': a non-zero zero point on a ${t.dtype} state is not supported`);
  }
  return lines;
}

export interface EmitOptions {
  prefix?: string;
  source?: string;
  alignment?: number;
  lowerings?: Record<string, Lowering>;
  intLowerings?: Record<string, Lowering>;
  memory?: CMemoryOptions;
}

/** Stage 'materialize outputs': every graph output written by a kernel, shapes re-inferred. */
export const prepareForC = (optimized: Graph): Graph => inferShapes(materializeOutputs(optimized), { fold: false });

/** The lowering of each node: integer when its output carries quantization parameters
 * (src/passes/quantize.ts), float otherwise. */
export function loweringsFor(graph: Graph, opts: EmitOptions = {}): (n: Node) => Lowering | undefined {
  const set = kernelSetOf(opts);
  const target = opts.memory?.target ?? 'host';
  const floatLower = (n: Node) => (opts.lowerings ? opts.lowerings[n.op] : floatLoweringFor(set, target, graph, n, floatLowerings));
  const intLower = opts.intLowerings;
  return (n) => (!isQuantized(graph.tensors[n.outputs[0]!]) ? floatLower(n) : intLower ? intLower[n.op] : int8LoweringFor(set, target, graph, n));
}

/** The kernel set the options name (default 'portable'). */
export function kernelSetOf(opts: EmitOptions): KernelSet {
  const name = opts.memory?.kernels ?? DEFAULT_KERNEL_SET;
  const set = kernelSetNamed(name);
  if (!set) throw inputError(`--kernels ${name}: unknown kernel set (use ${kernelSetNames().join(', ')})`);
  return set;
}

export const memoryOptionsOf = (opts: EmitOptions): CMemoryOptions => ({ ...opts.memory, alignment: opts.memory?.alignment ?? opts.alignment ?? 8 });

/** Writes the C for an optimized graph: model.h (API), model.c (one function per layer, one static
 * arena), weights.c/.h (const arrays). The stages of src/backends/pipeline.ts in one call. */
export function emitModel(optimized: Graph, opts: EmitOptions = {}): EmittedModel {
  const prepared = prepareForC(optimized);
  // memory-aware schedule (the returned graph has its nodes in that order), then the arena plan
  const { graph, plan } = planModelMemory(prepared, loweringsFor(prepared, opts), memoryOptionsOf(opts));
  return renderModel(graph, plan, opts);
}

/** Stage 'lower + render': each node's kernel (its lowering) in one layer function, the arena
 * offsets of the plan, the constants; model.c/.h and weights.c/.h. */
export function renderModel(graph: Graph, plan: ArenaPlan, opts: EmitOptions = {}): EmittedModel {
  const prefix = cIdent(opts.prefix ?? graph.name).toLowerCase();
  const lowerOf = loweringsFor(graph, opts);
  const runtimeHeaders = kernelSetOf(opts).runtimeHeaders;
  const quantized = graph.nodes.some((n) => isQuantized(graph.tensors[n.outputs[0]!]));
  const consts = new Map<string, ConstSymbol>();
  const constOrder: ConstSymbol[] = [];
  let useMath = false;

  const unsupportedNodes = graph.nodes.filter((n) => !lookupOp(n.op)?.isView && !lowerOf(n));
  if (unsupportedNodes.length > 0)
    throw inputError(`no C kernel for: ${unsupportedNodes.map((n) => `'${n.name}' (${n.op})`).join(', ')}`);

  const paramName = (t: Tensor, kind: 'in' | 'out', i: number): string => `${kind === 'in' ? 'x' : 'y'}${i}`;
  const bufferExpr = (tensor: string, ctype: string, isConst: boolean): string => {
    const b = plan.buffers[plan.bufferOf[tensor]!]!;
    const q = isConst ? 'const ' : '';
    // a concat slice sits at a byte offset inside its buffer
    const off = b.offsets[tensor] ?? 0;
    const at = (p: string): string => (off ? `(${q}${ctype} *)((${q}unsigned char *)${p} + ${off})` : `(${q}${ctype} *)${p}`);
    switch (b.location.kind) {
      case 'arena':
        return `(${q}${ctype} *)(harc_arena.bytes + ${b.location.offset + off})`;
      case 'input':
        return at(apiName(graph.inputs[b.location.index]!, 'in', b.location.index));
      case 'output':
        return at(apiName(graph.outputs[b.location.index]!, 'out', b.location.index));
    }
  };

  const layers: LayerInfo[] = [];
  const fns: string[] = [];
  const calls: string[] = [];
  for (const [step, node] of graph.nodes.entries()) {
    if (opOf(node).isView || plan.elided.includes(step)) continue;
    const k = layers.length;
    let scratchType: string | undefined;
    const fn = `harc_L${k}_${cIdent(node.name).slice(0, 40)}`;
    const used = new Map<number, string>();
    const owned: string[] = [];
    let weightBytes = 0;
    const ctx: LowerCtx = {
      graph,
      node,
      input: (i) => graph.tensors[node.inputs[i]!]!,
      output: (i) => graph.tensors[node.outputs[i]!]!,
      arg(i) {
        const name = node.inputs[i];
        if (!name) return '';
        const t = graph.tensors[name]!;
        if (t.data) {
          let c = consts.get(name);
          if (!c) {
            c = { symbol: `${prefix}_w${k}_${cIdent(name).slice(0, 48)}`, ctype: cTypeOf(t.dtype), count: t.data.length, body: cArrayBody(t.dtype, t.data), bytes: t.data.length * bytesPerElement(t.dtype) };
            consts.set(name, c);
            constOrder.push(c);
            owned.push(c.symbol);
            weightBytes += c.bytes;
          }
          return c.symbol;
        }
        used.set(i, paramName(t, 'in', i));
        return paramName(t, 'in', i);
      },
      res: (i) => (node.outputs[i] ? paramName(graph.tensors[node.outputs[i]!]!, 'out', i) : ''),
      constArray(suffix, ctype, values) {
        const c: ConstSymbol = { symbol: `${prefix}_L${k}_${suffix}`, ctype, count: values.length, body: values.map((v) => `  ${v},`).join('\n'), bytes: values.length * (ctype === 'float' || ctype === 'int32_t' ? 4 : ctype === 'int16_t' ? 2 : 1) };
        constOrder.push(c);
        owned.push(c.symbol);
        weightBytes += c.bytes;
        return c.symbol;
      },
      useMath: () => void (useMath = true),
      scratch(bytes, ctype = 'unsigned char') {
        const declared = lowerOf(node)!.scratchBytes?.(graph, node) ?? 0;
        if (scratchType || bytes !== declared) throw new Error(`node '${node.name}' (${node.op}): the lowering asks for ${bytes} B of scratch but declares ${declared} B (Lowering.scratchBytes)`);
        scratchType = ctype;
        return 's0';
      },
    };
    const body = lowerOf(node)!(ctx);
    const scratchBuf = plan.buffers.find((b) => b.scratchOf === step);
    if (scratchType && scratchBuf?.location.kind !== 'arena') throw new Error(`node '${node.name}': scratch was not planned`);
    const params = [
      ...[...used.entries()].sort((a, b) => a[0] - b[0]).map(([i, p]) => `const ${cTypeOf(ctx.input(i).dtype)} *${p}`),
      // an omitted optional output ('') gets no parameter
      ...node.outputs.flatMap((o, i) => (o ? [`${cTypeOf(graph.tensors[o]!.dtype)} *${paramName(graph.tensors[o]!, 'out', i)}`] : [])),
      ...(scratchType ? [`${scratchType} *s0`] : []),
    ];
    const args = [
      ...[...used.keys()].sort((a, b) => a - b).map((i) => bufferExpr(node.inputs[i]!, cTypeOf(ctx.input(i).dtype), true)),
      ...node.outputs.filter(Boolean).map((o) => bufferExpr(o, cTypeOf(graph.tensors[o]!.dtype), false)),
      ...(scratchType && scratchBuf?.location.kind === 'arena' ? [`(${scratchType} *)(harc_arena.bytes + ${scratchBuf.location.offset})`] : []),
    ];
    const ins = node.inputs.filter((n) => n && !graph.tensors[n]?.data).map((n) => `[${graph.tensors[n]!.shape.join('x')}]`);
    const outs = node.outputs.filter(Boolean).map((n) => `[${graph.tensors[n]!.shape.join('x')}]`);
    const macs = opOf(node).macs?.(node, node.inputs.map((n) => graph.tensors[n]!), node.outputs.map((n) => graph.tensors[n]!)) ?? 0;
    fns.push(render('model/layer.c', { fn, op: node.op, name: node.name.replace(/\*\//g, '* /'), ins: ins.join(' '), outs: outs.join(' '), params: params.join(', '), body, macs }));
    const call = `  ${fn}(${args.join(', ')});`;
    calls.push(call);
    layers.push({ index: k, name: node.name, op: node.op, fn, macs, weightBytes, weightSymbols: owned, call });
  }

  const io = (names: string[], kind: 'in' | 'out') =>
    names.map((n, i) => {
      const t = graph.tensors[n]!;
      return { name: n, param: apiName(n, kind, i), ctype: cTypeOf(t.dtype), shape: t.shape.join(', '), dims: t.shape.join('x'), size: numel(t.shape), bytes: numel(t.shape) * bytesPerElement(t.dtype), macro: `${prefix.toUpperCase()}_${kind === 'in' ? 'INPUT' : 'OUTPUT'}${i}` };
    });
  const inputs = io(graph.inputs, 'in');
  const outputs = io(graph.outputs, 'out');
  // Quantized graph inputs / outputs: their parameters as macros and a float convenience API.
  const qio = (names: string[]) =>
    names.map((n) => {
      const t = graph.tensors[n]!;
      const q = t.quant;
      if (!q) return undefined;
      const range = { qmin: -(2 ** (q.bits - 1)), qmax: 2 ** (q.bits - 1) - 1 };
      if (q.scale.length === 1) return { scale: cFloat(q.scale[0]!), zeroPoint: q.zeroPoint[0]!, ...range };
      // per channel along `axis` (a graph input whose scales are folded into its consumers' weights)
      const axis = q.axis ?? 0;
      return { perChannel: true, axis, channels: q.scale.length, inner: numel(t.shape.slice(axis + 1)), scales: q.scale.map(cFloat).join(', '), zeroPoints: q.zeroPoint.join(', '), ...range };
    });
  const qin = qio(graph.inputs);
  const qout = qio(graph.outputs);
  // (the float entry quantizes to int8 inputs; a model with wider integer inputs has none)
  const floatApi = quantized && [...qin, ...qout].every(Boolean) && inputs.every((x) => x.ctype === 'int8_t');
  let at = 0;
  const packedIn = inputs.map((x) => ({ ...x, offset: (at += x.bytes) - x.bytes }));
  at = 0;
  const packedOut = outputs.map((x) => ({ ...x, offset: (at += x.bytes) - x.bytes }));
  const inputBytes = inputs.reduce((s, x) => s + x.bytes, 0);
  const outputBytes = outputs.reduce((s, x) => s + x.bytes, 0);
  // --io-in-arena: where each graph input / output sits in the arena
  const ioArenaOffset = (kind: 'input' | 'output', i: number): number | undefined => {
    const b = plan.buffers.find((x) => x.io?.kind === kind && x.io.index === i);
    return b?.location.kind === 'arena' ? b.location.offset + (b.offsets[kind === 'input' ? graph.inputs[i]! : graph.outputs[i]!] ?? 0) : undefined;
  };
  const ctx = {
    prefix,
    PREFIX: prefix.toUpperCase(),
    stateResets: stateResets(graph, plan),
    source: opts.source ?? graph.source ?? graph.name,
    inputs: packedIn.map((x, i) => ({ ...x, q: qin[i], arenaOffset: ioArenaOffset('input', i) })),
    outputs: packedOut.map((x, i) => ({ ...x, q: qout[i], arenaOffset: ioArenaOffset('output', i) })),
    ioInArena: !!opts.memory?.ioInArena,
    quantized,
    floatApi,
    floatSignature: [...inputs.map((x) => `const float *${x.param}`), ...outputs.map((x) => `float *${x.param}`)].join(', '),
    signature: [...inputs.map((x) => `const ${x.ctype} *${x.param}`), ...outputs.map((x) => `${x.ctype} *${x.param}`)].join(', '),
    arenaBytes: plan.bytes,
    inputBytes,
    outputBytes,
    layerCount: layers.length,
    fns,
    calls,
    useMath,
    consts: constOrder,
    runtimeHeaders,
  };
  const files: Record<string, string> = {
    'model.h': render('model/model.h', ctx),
    'model.c': render('model/model.c', ctx),
    'weights.h': render('model/weights.h', ctx),
    'weights.c': render('model/weights.c', ctx),
  };
  // the kernel set's runtime headers (fixed-point arithmetic; the optimized kernels)
  if (quantized) for (const h of runtimeHeaders) files[h] = readFileSync(join(repoRoot, 'templates', 'runtime', h), 'utf8');
  return { files, prefix, plan, layers, graph, inputBytes, outputBytes };
}

export function apiName(tensor: string, kind: 'in' | 'out', i: number): string {
  const base = cIdent(tensor).toLowerCase().slice(0, 32);
  return `${kind}${i}_${base}`;
}

export type { Node };
