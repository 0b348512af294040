// The int8 recurrent layers of the zoo models alone, so their est. cycles and MAC/cycle are the
// layer's (harc measure counts cycles per run, instructions per layer): each LSTM / GRU / RNN node of
// the model quantized with the full calibration set is cut out with its int8 input as the graph
// input (same weights, scales and zero points) and measured in QEMU (-O2, synthetic input) with
//   portable  the previous lowering (one reference-shaped loop per step, HARC_RQ), which `--kernels
//             harc` emitted before src/backends/c/lower/int8-recurrent-fast.ts
//   harc      the restructured path (input projection first, one packed product per step)
// on cortex-m4 and riscv. Writes bench/results/recurrent.json and .md.
// Run: node --import tsx bench/recurrent.ts [model ...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitModel } from '../src/backends/c/emit-model.ts';
import { compileGraph } from '../src/backends/compile.ts';
import { table } from '../src/cli/format.ts';
import { defaultPrefix, loadForCli } from '../src/cli/model-input.ts';
import { readNpy } from '../src/ir/npy.ts';
import type { Graph, Node } from '../src/ir/types.ts';
import { measureModel } from '../src/targets/measure.ts';

const repo = join(import.meta.dirname, '..');
const MODELS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['microbi-convlstm', 'seq-lstm', 'seq-gru', 'seq-rnn'];
const SETS = ['portable', 'harc'] as const;
const TARGETS = ['cortex-m4', 'riscv'] as const;
const calib = readNpy(join(repo, 'zoo', 'data', 'calib_X.npy'));
const RECURRENT = new Set(['LSTM', 'GRU', 'RNN']);

/** The node alone: its int8 input as the graph input, its outputs as the graph outputs. */
function layerGraph(g: Graph, node: Node): Graph {
  const names = [...node.inputs, ...node.outputs].filter(Boolean);
  return { ...g, name: `${g.name}_${node.op}`, inputs: [node.inputs[0]!], outputs: node.outputs.filter(Boolean), nodes: [node], tensors: Object.fromEntries(names.map((n) => [n, g.tensors[n]!])) };
}

interface Run {
  instructions: number;
  cycles: number;
  macPerCycle: number;
  codeBytes: number;
  weightBytes: number;
  arenaBytes: number;
}
interface Row {
  model: string;
  layer: string;
  op: string;
  shape: string;
  macs: number;
  target: string;
  runs: Record<string, Run>;
}

const rows: Row[] = [];
for (const model of MODELS) {
  const file = join(repo, 'zoo', 'models', `${model}.onnx`);
  const full = compileGraph(loadForCli(file), { prefix: defaultPrefix(file), precision: { precision: 'int8', calib }, memory: { alignment: 4, target: 'cortex-m4' } }).graph;
  for (const node of full.nodes.filter((n) => RECURRENT.has(n.op))) {
    const g = layerGraph(full, node);
    const x = g.tensors[node.inputs[0]!]!.shape;
    const r = g.tensors[node.inputs[2]!]!.shape;
    const shape = `X [${x.join('x')}], R [${r.join('x')}]${node.attrs['direction'] === 'bidirectional' ? ', bidirectional' : ''}`;
    for (const target of TARGETS) {
      const row: Row = { model, layer: node.name, op: node.op, shape, macs: 0, target, runs: {} };
      for (const kernels of SETS) {
        process.stderr.write(`${model} ${node.name} ${target} --kernels ${kernels}\n`);
        const m = emitModel(g, { prefix: 'rnn', memory: { alignment: 4, kernels, target } });
        const res = await measureModel(m, { target });
        row.macs = res.macs;
        row.runs[kernels] = {
          instructions: res.layers[0]!.instructions,
          cycles: res.cyclesEstimate,
          macPerCycle: res.macs / res.cyclesEstimate,
          codeBytes: res.layers[0]!.codeBytes,
          weightBytes: res.layers[0]!.weightBytes,
          arenaBytes: res.sram.arena,
        };
      }
      rows.push(row);
    }
  }
}

const head = ['model', 'layer', 'op', 'shape', 'target', 'MACs', 'instr before → after', 'est. cycles before → after', 'MAC/cycle before → after', 'code B', 'weights B', 'arena B'];
const arrow = (f: (r: Run) => string | number) => (row: Row): string => `${f(row.runs['portable']!)} → ${f(row.runs['harc']!)}`;
const body = rows.map((r) => [
  r.model,
  r.layer,
  r.op,
  r.shape,
  r.target,
  r.macs,
  arrow((x) => x.instructions)(r),
  arrow((x) => x.cycles)(r),
  arrow((x) => x.macPerCycle.toFixed(3))(r),
  arrow((x) => x.codeBytes)(r),
  arrow((x) => x.weightBytes)(r),
  arrow((x) => x.arenaBytes)(r),
]);
console.log(table(head, body));
const md = (h: string[], b: (string | number)[][]): string => [`| ${h.join(' | ')} |`, `|${h.map(() => '---').join('|')}|`, ...b.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const out = join(repo, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'recurrent.json'), JSON.stringify({ optLevel: 'O2', before: 'portable', after: 'harc', rows }, null, 1) + '\n');
writeFileSync(
  join(out, 'recurrent.md'),
  [
    '# int8 recurrent layers alone: the previous lowering (`portable`) → `--kernels harc`',
    '',
    'Generated by `node --import tsx bench/recurrent.ts`: each LSTM / GRU / RNN of the zoo model, quantized',
    'with the full calibration set, measured alone in QEMU (-O2, synthetic input); est. cycles from the',
    'instruction-class timing model (toolchain/README.md). Arena includes the layer input and outputs.',
    '',
    md(head, body),
    '',
  ].join('\n'),
);
