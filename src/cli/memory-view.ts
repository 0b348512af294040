import type { ArenaPlan, PlannedBuffer } from '../planning/arena-plan.ts';
import type { Graph } from '../ir/types.ts';
import { fmtBytes } from './format.ts';

// Pictures of an arena plan: a text timeline for the terminal and an SVG (x = schedule step,
// y = arena offset, one rectangle per buffer).

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const short = (s: string, n: number): string => (s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…');
/** Tensor names are paths: keep their end. */
const tail = (s: string, n: number): string => (s.length <= n ? s : '…' + s.slice(s.length - Math.max(1, n - 1)));

/** A label for a buffer: its root tensor, plus how many other tensors share it. */
function label(b: PlannedBuffer, plan: ArenaPlan, graph?: Graph): string {
  if (b.scratchOf !== undefined) return `scratch of ${plan.schedule[b.scratchOf]}`;
  const root = b.tensors.find((t) => b.offsets[t] === 0 && (!graph || graph.nodes.every((n) => !n.outputs.includes(t) || !plan.elided.includes(graph.nodes.indexOf(n))))) ?? b.tensors[0]!;
  const pretty = root.replace(/_output_\d+(__\w+)?$/, '').replace(/__(cl|pre)$/, '');
  return b.tensors.length > 1 ? `${pretty} (+${b.tensors.length - 1})` : pretty;
}

const offsetOf = (b: PlannedBuffer): number => (b.location.kind === 'arena' ? b.location.offset : -1);

/** The plan as JSON-friendly data (harc inspect --memory --json). */
export function planJson(plan: ArenaPlan, graph: Graph) {
  return {
    bytes: plan.bytes,
    lowerBound: plan.lowerBound,
    alignment: plan.alignment,
    placement: plan.placement,
    schedule: plan.schedule.map((name, step) => ({ step, name, op: graph.nodes[step]?.op, elided: plan.elided.includes(step), inPlaceOf: plan.inPlace[step] })),
    buffers: plan.buffers.map((b) => ({
      id: b.id,
      tensors: b.tensors,
      ...(Object.values(b.offsets).some((o) => o !== 0) ? { sliceOffsets: b.offsets } : {}),
      bytes: b.bytes,
      firstStep: b.firstStep,
      lastStep: b.lastStep,
      location: b.location,
      ...(b.io ? { io: b.io } : {}),
      ...(b.scratchOf !== undefined ? { scratchOf: b.scratchOf } : {}),
    })),
  };
}

/** Text timeline: one row per buffer (by offset), one column per schedule step. */
export function memoryTimeline(plan: ArenaPlan, graph: Graph): string {
  const steps = plan.schedule.length;
  const lines: string[] = [];
  const col = (s: number): number => Math.min(steps - 1, Math.max(0, s));
  const rows = [...plan.buffers].sort((a, b) => {
    const ka = a.location.kind === 'arena' ? 0 : 1;
    const kb = b.location.kind === 'arena' ? 0 : 1;
    return ka - kb || offsetOf(a) - offsetOf(b) || a.firstStep - b.firstStep;
  });
  const ruler = Array.from({ length: steps }, (_, s) => (s % 10 === 0 ? String(Math.floor(s / 10) % 10) : s % 5 === 0 ? '·' : ' ')).join('');
  const ruler1 = Array.from({ length: steps }, (_, s) => String(s % 10)).join('');
  lines.push(
    `arena ${fmtBytes(plan.bytes)} = ${plan.bytes} B, lower bound ${plan.lowerBound} B${plan.bytes === plan.lowerBound ? ' (met)' : ` (+${plan.bytes - plan.lowerBound} B)`}, alignment ${plan.alignment}, placement: ${plan.placement}`,
  );
  lines.push(`${'offset'.padStart(7)} ${'bytes'.padStart(7)}  ${ruler}  tensor`);
  lines.push(`${''.padStart(7)} ${''.padStart(7)}  ${ruler1}`);
  for (const b of rows) {
    const bar = Array.from({ length: steps }, (_, s) => {
      if (s < col(b.firstStep) || s > col(b.lastStep)) return '·';
      if (b.scratchOf !== undefined) return '▒';
      if (b.location.kind !== 'arena') return '░';
      return '█';
    }).join('');
    const where = b.location.kind === 'arena' ? String(b.location.offset) : b.location.kind === 'input' ? 'in' : 'out';
    lines.push(`${where.padStart(7)} ${String(b.bytes).padStart(7)}  ${bar}  ${tail(label(b, plan, graph), 48)}`);
  }
  // occupancy per step, relative to the arena
  const live = Array.from({ length: steps }, (_, s) =>
    plan.buffers.filter((b) => b.location.kind === 'arena' && b.firstStep <= s && s <= b.lastStep).reduce((sum, b) => sum + Math.ceil(b.bytes / plan.alignment) * plan.alignment, 0),
  );
  const blocks = ' ▁▂▃▄▅▆▇█';
  lines.push(`${'live'.padStart(7)} ${''.padStart(7)}  ${live.map((v) => blocks[Math.round((8 * v) / Math.max(1, plan.bytes))]).join('')}  peak ${Math.max(0, ...live)} B`);
  lines.push('█ arena   ▒ scratch   ░ caller memory (graph input/output)');
  lines.push('');
  lines.push('steps:');
  const names = plan.schedule.map((n, s) => {
    const node = graph.nodes[s];
    const tag = plan.elided.includes(s) ? ' [view]' : plan.inPlace[s] ? ' [in place]' : '';
    return `${String(s).padStart(3)} ${tail(n, 48)} (${node?.op ?? '?'})${tag}`;
  });
  lines.push(...names);
  return lines.join('\n');
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#86bcb6'];

/** The arena as an SVG: x = schedule step, y = offset (0 at the bottom), a rectangle per buffer. */
export function memorySvg(plan: ArenaPlan, graph: Graph, title: string): string {
  const steps = Math.max(1, plan.schedule.length);
  const arena = plan.buffers.filter((b) => b.location.kind === 'arena');
  const top = Math.max(plan.bytes, plan.lowerBound, 1);
  const showNames = steps <= 60;
  const margin = { left: 84, right: showNames ? 90 : 24, top: 64, bottom: showNames ? 190 : 56 };
  const plotW = Math.max(560, Math.min(1400, steps * 28));
  const plotH = 420;
  const W = margin.left + plotW + margin.right;
  const H = margin.top + plotH + margin.bottom;
  const x = (s: number): number => margin.left + (plotW * s) / steps;
  const y = (off: number): number => margin.top + plotH - (plotH * off) / top;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${margin.left}" y="26" font-size="17" font-weight="bold" fill="#222">${esc(title)}</text>`);
  out.push(
    `<text x="${margin.left}" y="46" font-size="12" fill="#555">arena ${plan.bytes} B · lower bound ${plan.lowerBound} B${plan.bytes === plan.lowerBound ? ' (met)' : ''} · ${arena.length} buffers · alignment ${plan.alignment} · ${esc(plan.placement)}</text>`,
  );
  // grid and y axis
  const tick = niceStep(top / 6);
  for (let v = 0; v <= top + 1e-9; v += tick) {
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${margin.left - 8}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#444">${fmtTick(v)}</text>`);
  }
  for (let s = 0; s <= steps; s++)
    out.push(`<line x1="${x(s)}" x2="${x(s)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="${s % 5 === 0 ? '#e0e0e0' : '#f3f3f3'}"/>`);
  // elided steps (views) shaded
  for (const s of plan.elided) out.push(`<rect x="${x(s)}" y="${margin.top}" width="${x(s + 1) - x(s)}" height="${plotH}" fill="#f7f7f7"/>`);
  // buffers
  arena.forEach((b, i) => {
    const off = (b.location as { offset: number }).offset;
    const size = Math.ceil(b.bytes / plan.alignment) * plan.alignment;
    const s0 = Math.max(0, b.firstStep);
    const s1 = Math.min(steps - 1, b.lastStep);
    const rx = x(s0) + 1;
    const rw = Math.max(2, x(s1 + 1) - x(s0) - 2);
    const ry = y(off + size);
    const rh = Math.max(1, y(off) - y(off + size));
    const color = b.scratchOf !== undefined ? '#bab0ac' : PALETTE[i % PALETTE.length]!;
    const name = label(b, plan, graph);
    const tip = `${b.tensors.join(', ') || name}\n${b.bytes} B at offset ${off}, steps ${b.firstStep}–${b.lastStep}`;
    out.push(`<g><title>${esc(tip)}</title>`);
    out.push(`<rect x="${rx.toFixed(1)}" y="${ry.toFixed(1)}" width="${rw.toFixed(1)}" height="${rh.toFixed(1)}" rx="3" fill="${color}" fill-opacity="${b.scratchOf !== undefined ? 0.55 : 0.78}" stroke="${color}" stroke-width="1.2"${b.scratchOf !== undefined ? ' stroke-dasharray="4 2"' : ''}/>`);
    const fontSize = Math.min(12, rh - 3);
    if (fontSize >= 8 && rw > 30) {
      const maxChars = Math.floor((rw - 8) / (fontSize * 0.66));
      const size = ` · ${fmtBytes(b.bytes)}`;
      const text = maxChars > size.length + 4 ? tail(name, maxChars - size.length) + size : tail(name, maxChars);
      out.push(`<text x="${(rx + 4).toFixed(1)}" y="${(ry + rh / 2 + fontSize / 3).toFixed(1)}" font-size="${fontSize.toFixed(1)}" fill="#fff" font-weight="600">${esc(text)}</text>`);
    }
    out.push('</g>');
  });
  // lower bound and arena lines
  out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(plan.lowerBound)}" y2="${y(plan.lowerBound)}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${margin.left + plotW - 4}" y="${y(plan.lowerBound) + 13}" font-size="11" text-anchor="end" fill="#d62728">lower bound ${plan.lowerBound} B</text>`);
  if (plan.bytes !== plan.lowerBound) {
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(plan.bytes)}" y2="${y(plan.bytes)}" stroke="#222" stroke-width="1.2"/>`);
    out.push(`<text x="${margin.left + 4}" y="${y(plan.bytes) - 5}" font-size="11" fill="#222">arena ${plan.bytes} B</text>`);
  }
  // axes
  out.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333"/>`);
  const every = steps > 60 ? Math.ceil(steps / 30) : 1;
  for (let s = 0; s < steps; s += every) {
    const cx = (x(s) + x(s + 1)) / 2;
    out.push(`<text x="${cx}" y="${margin.top + plotH + 14}" font-size="10" text-anchor="middle" fill="#444">${s}</text>`);
    if (showNames && every === 1) {
      const node = graph.nodes[s];
      const nm = `${node?.op ?? ''} ${tail(plan.schedule[s] ?? '', 16)}`;
      out.push(
        `<text transform="translate(${cx + 3},${margin.top + plotH + 44}) rotate(55)" font-size="10" fill="${plan.elided.includes(s) ? '#aaa' : '#555'}">${esc(nm)}</text>`,
      );
    }
  }
  out.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 34}" font-size="12" text-anchor="middle" fill="#333" font-style="italic">schedule step</text>`);
  out.push(`<text transform="translate(20,${margin.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="#333">arena offset (bytes)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Byte ticks at a power of two. */
const niceStep = (raw: number): number => 2 ** Math.ceil(Math.log2(Math.max(raw, 1)));

const fmtTick = (v: number): string => (v >= 1024 && v % 1024 === 0 ? `${v / 1024} KiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v}`);
