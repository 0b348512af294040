import { recurrentStepMacs } from '../../ir/ops/recurrent-common.ts';
import { writeFileAtomic } from '../../backends/fs-safe.ts';
import { cmsisNnKernelLabel } from '../../backends/c/kernels/cmsis-nn.ts';
import type { CMemoryOptions } from '../../backends/c/memory.ts';
import { traitsOf } from '../../ir/registry.ts';
import { numel } from '../../ir/shape.ts';
import { memorySvg, memoryTimeline, planJson } from '../memory-view.ts';
import { fmtBytes, fmtInt, table } from '../format.ts';
import { defaultPrefix, type LoadArgs } from '../model-input.ts';
import { printable } from '../notice.ts';
import { compileForCli, type PrecisionArgs } from '../precision.ts';
import { bytesPerElement } from '../../ir/dtype.ts';
import { packedBytes } from '../../ir/quant/subbyte.ts';
import type { Tensor } from '../../ir/types.ts';
import { isWeightedNode } from '../../passes/weight-bits.ts';

/** Bits per stored element: the quantized bit width, else the dtype's. */
const storedBits = (t: Tensor): number => t.quant?.bits ?? 8 * bytesPerElement(t.dtype);

export interface LayerRow {
  index: number;
  name: string;
  op: string;
  inputShapes: number[][];
  outputShape: number[];
  params: number;
  macs: number;
  /** Recurrent layers: MACs of one time step (all directions). */
  macsPerStep?: number;
  /** Weighted layers: the bit width of their weights (32 in a float model). */
  weightBits?: number;
  /** Bytes of the layer's constants as stored: sub-byte weights packed, bias int32. */
  weightBytes: number;
  /** --kernels cmsis-nn: whose kernel runs the layer ('cmsis-nn' or 'harc'). */
  kernels?: string;
}

/** `harc inspect`: the compiled graph layer by layer (what the C will compute), with parameters
 * and multiply-accumulates, plus the arena. */
export async function inspectCommand(
  a: { model: string; json?: boolean; memory?: boolean; svg?: string; memoryOptions?: CMemoryOptions } & PrecisionArgs & LoadArgs,
): Promise<number> {
  const model = compileForCli(a.model, { ...a, name: defaultPrefix(a.model) }, { memory: a.memoryOptions });
  const g = model.graph;
  if (a.svg) await writeFileAtomic(a.svg, memorySvg(model.plan, g, `${model.prefix}: arena plan`));
  const rows: LayerRow[] = model.layers.map((l) => {
    const node = g.nodes.find((n) => n.name === l.name)!;
    return {
      index: l.index,
      name: l.name,
      op: l.op + (node.attrs['layout'] === 'NHWC' ? ' (NHWC)' : '') + (g.tensors[node.outputs[0]!]?.quant ? ` ${g.tensors[node.outputs[0]!]!.dtype}` : ''),
      inputShapes: node.inputs.filter((i) => i && !g.tensors[i]?.data).map((i) => g.tensors[i]!.shape),
      outputShape: g.tensors[node.outputs[0]!]!.shape,
      params: node.inputs.filter((i) => i && g.tensors[i]?.data && g.tensors[i]!.dtype !== 'int64').reduce((s, i) => s + numel(g.tensors[i]!.shape), 0),
      macs: l.macs,
      ...(isWeightedNode(node) && node.inputs[1] && g.tensors[node.inputs[1]]?.data ? { weightBits: storedBits(g.tensors[node.inputs[1]]!) } : {}),
      weightBytes: node.inputs.filter((i) => i && g.tensors[i]?.data && g.tensors[i]!.dtype !== 'int64').reduce((s, i) => s + packedBytes(numel(g.tensors[i]!.shape), storedBits(g.tensors[i]!)), 0),
      ...(traitsOf(node.op)?.recurrent ? { macsPerStep: recurrentStepMacs(node, node.inputs.map((i) => (i ? g.tensors[i] : undefined))) } : {}),
      ...(a.memoryOptions?.kernels === 'cmsis-nn' && g.tensors[node.outputs[0]!]?.quant ? { kernels: cmsisNnKernelLabel(g, node) } : {}),
    };
  });
  const totals = { params: rows.reduce((s, r) => s + r.params, 0), macs: rows.reduce((s, r) => s + r.macs, 0), weightBytes: rows.reduce((s, r) => s + r.weightBytes, 0) };
  const io = (names: string[]) =>
    names.map((n) => {
      const t = g.tensors[n]!;
      const q = t.quant;
      if (!q) return { name: n, shape: t.shape, dtype: t.dtype };
      if (q.scale.length > 1) return { name: n, shape: t.shape, dtype: t.dtype, scales: q.scale, zeroPoints: q.zeroPoint, axis: q.axis };
      return { name: n, shape: t.shape, dtype: t.dtype, scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
    });
  if (a.json) {
    console.log(
      JSON.stringify(
        { model: a.model, name: model.prefix, inputs: io(g.inputs), outputs: io(g.outputs), layers: rows, totals, arena: { bytes: model.plan.bytes, lowerBound: model.plan.lowerBound, ...(a.memory ? planJson(model.plan, g) : {}) } },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(`${printable(a.model)}: ${model.prefix}`);
  const qtext = (x: { scale?: number; zeroPoint?: number; scales?: number[]; axis?: number }): string =>
    x.scale !== undefined ? `  scale ${x.scale.toPrecision(6)} zero point ${x.zeroPoint}` : x.scales ? `  per-channel quantization (axis ${x.axis}, ${x.scales.length} scales)` : '';
  for (const x of io(g.inputs)) console.log(`  input  ${printable(x.name)} ${x.dtype} [${x.shape.join(', ')}]${qtext(x)}`);
  for (const x of io(g.outputs)) console.log(`  output ${printable(x.name)} ${x.dtype} [${x.shape.join(', ')}]${qtext(x)}`);
  console.log('');
  const kernelsColumn = rows.some((r) => r.kernels) ? ['kernels'] : [];
  console.log(
    table(
      ['#', 'layer', 'op', 'output', 'params', 'bits', 'weight B', 'MACs', 'MACs/step', ...kernelsColumn],
      rows.map((r) => [String(r.index), printable(r.name), r.op, `[${r.outputShape.join('x')}]`, r.params, r.weightBits === undefined ? '' : String(r.weightBits), r.weightBytes, r.macs, r.macsPerStep === undefined ? '' : fmtInt(r.macsPerStep), ...(kernelsColumn.length ? [r.kernels ?? ''] : [])]),
    ),
  );
  console.log('');
  console.log(`total: ${fmtInt(totals.params)} params (${fmtBytes(totals.weightBytes)} stored), ${fmtInt(totals.macs)} MACs per inference; arena ${fmtBytes(model.plan.bytes)} (lower bound ${fmtBytes(model.plan.lowerBound)})`);
  if (a.memory) console.log(`\n${memoryTimeline(model.plan, g)}`);
  if (a.svg) console.log(`\nwrote ${a.svg}`);
  return 0;
}
