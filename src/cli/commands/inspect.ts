import { compileGraph } from '../../backends/compile.ts';
import { numel } from '../../ir/shape.ts';
import { fmtBytes, fmtInt, table } from '../format.ts';
import { defaultPrefix, loadForCli } from '../model-input.ts';

export interface LayerRow {
  index: number;
  name: string;
  op: string;
  inputShapes: number[][];
  outputShape: number[];
  params: number;
  macs: number;
}

/** `harc inspect`: the compiled graph layer by layer (what the C will compute), with parameters
 * and multiply-accumulates, plus the arena. */
export function inspectCommand(a: { model: string; json?: boolean; const?: string[] }): number {
  const graph = loadForCli(a.model, a.const);
  const model = compileGraph(graph, { prefix: defaultPrefix(a.model), source: a.model });
  const g = model.graph;
  const rows: LayerRow[] = model.layers.map((l) => {
    const node = g.nodes.find((n) => n.name === l.name)!;
    return {
      index: l.index,
      name: l.name,
      op: l.op + (node.attrs['layout'] === 'NHWC' ? ' (NHWC)' : ''),
      inputShapes: node.inputs.filter((i) => i && !g.tensors[i]?.data).map((i) => g.tensors[i]!.shape),
      outputShape: g.tensors[node.outputs[0]!]!.shape,
      params: node.inputs.filter((i) => i && g.tensors[i]?.data).reduce((s, i) => s + numel(g.tensors[i]!.shape), 0),
      macs: l.macs,
    };
  });
  const totals = { params: rows.reduce((s, r) => s + r.params, 0), macs: rows.reduce((s, r) => s + r.macs, 0) };
  const io = (names: string[]) => names.map((n) => ({ name: n, shape: g.tensors[n]!.shape, dtype: g.tensors[n]!.dtype }));
  if (a.json) {
    console.log(
      JSON.stringify(
        { model: a.model, name: model.prefix, inputs: io(g.inputs), outputs: io(g.outputs), layers: rows, totals, arena: { bytes: model.plan.bytes, lowerBound: model.plan.lowerBound } },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(`${a.model}: ${model.prefix}`);
  for (const x of io(g.inputs)) console.log(`  input  ${x.name} ${x.dtype} [${x.shape.join(', ')}]`);
  for (const x of io(g.outputs)) console.log(`  output ${x.name} ${x.dtype} [${x.shape.join(', ')}]`);
  console.log('');
  console.log(
    table(
      ['#', 'layer', 'op', 'output', 'params', 'MACs'],
      rows.map((r) => [String(r.index), r.name, r.op, `[${r.outputShape.join('x')}]`, r.params, r.macs]),
    ),
  );
  console.log('');
  console.log(`total: ${fmtInt(totals.params)} params, ${fmtInt(totals.macs)} MACs per inference; arena ${fmtBytes(model.plan.bytes)} (lower bound ${fmtBytes(model.plan.lowerBound)})`);
  return 0;
}
