import type { ParetoFile, SplitScore, SweepResult, WeightBits } from './types.ts';

// DIR/report.html: one self-contained page (inline CSS, SVG and script, nothing fetched) drawn from
// the records alone, so a merged shard set gives the same page as a single run. Every mark is
// rendered here as SVG, so the page reads without JavaScript; the script only adds hover/click
// details, cross-highlighting and table sorting. No clock, locale or randomness: same records,
// same bytes.

/** The all-8-bit reference the relative columns compare to, when the results do not contain it. */
export interface Int8Reference {
  weightBytes: number;
  val: SplitScore;
  test?: SplitScore;
}

export interface ReportMeta {
  model: string;
  target: string;
  title?: string;
  int8?: Int8Reference;
  /** From sweep.json when the caller passes it: shown in the header. */
  strategy?: string;
  bits?: readonly number[];
}

/** An SVG-safe and HTML-safe string: layer and model names come from user files. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** JSON that can sit inside <script>: no `</script>`, no `<!--`, no line separators that end a JS string. */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const pct = (v: number | undefined, digits = 2): string => (v === undefined ? '—' : (100 * v).toFixed(digits));

/** 12345 → "12,345" without the locale (the machine's locale must not change the bytes). */
const int = (v: number): string => {
  const s = Math.round(Math.abs(v)).toString();
  return (v < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
};

/** Axis label with as many digits as the tick step needs: 1.25M, 12.5k, 5,250. */
const tickLabel = (v: number, step: number, span: number): string => {
  const [unit, suffix] = span >= 1e6 ? [1e6, 'M'] : span >= 1e4 ? [1e3, 'k'] : [1, ''];
  if (unit === 1) return Number.isInteger(step) ? int(v) : `${+v.toFixed(6)}`;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9));
  return `${(v / unit).toFixed(decimals)}${suffix}`;
};

// reduce, not Math.min(...v): a sweep can hold more candidates than a call has arguments
const minOf = (v: number[]): number => v.reduce((a, b) => Math.min(a, b), Infinity);
const maxOf = (v: number[]): number => v.reduce((a, b) => Math.max(a, b), -Infinity);

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1, ticks: [0, 1] };
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.05 || 1;
    return niceTicks(lo - pad, hi + pad, target);
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  // round through toFixed so that 0.1 × 3 prints as 0.3 on every machine
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => +((first + i) * step).toFixed(digits));
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, ticks };
}

/** The layers in the order the records list them (a union, in case a record lacks one). */
export function layerNames(results: SweepResult[]): string[] {
  const seen = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.bits)) seen.add(k);
  return [...seen];
}

/** Indices of the candidates non-dominated in (val accuracy ↑, x ↓), cheapest first: the staircase
 * a plot of one cost draws. (The four-objective front of pareto.json is a superset, up to ties.) */
export function planeFront(results: SweepResult[], x: (r: SweepResult) => number): SweepResult[] {
  const sorted = [...results].sort((a, b) => x(a) - x(b) || b.val.accuracy - a.val.accuracy || a.index - b.index);
  const front: SweepResult[] = [];
  for (const r of sorted) if (!front.length || r.val.accuracy > front[front.length - 1]!.val.accuracy) front.push(r);
  return front;
}

interface Axis {
  key: 'flash' | 'cycles' | 'sram';
  label: string;
  value: (r: SweepResult) => number;
}

const AXES: Axis[] = [
  { key: 'flash', label: 'flash (bytes)', value: (r) => r.flash },
  { key: 'cycles', label: 'estimated cycles per inference', value: (r) => r.cycles },
  { key: 'sram', label: 'SRAM (bytes)', value: (r) => r.sram },
];

const FRONT = '#1f77b4';
const OTHER = '#bbb';
const REF = '#d62728';
const BITS_FILL: Record<WeightBits, string> = { 8: '#08519c', 4: '#4292c6', 2: '#c6dbef' };
const BITS_TEXT: Record<WeightBits, string> = { 8: 'white', 4: 'white', 2: '#08306b' };

const bitsString = (r: SweepResult, layers: string[]): string => layers.map((l) => r.bits[l] ?? '·').join(' ');
const uniformLabel = (r: SweepResult): string | undefined => (r.uniform === null ? undefined : `all-${r.uniform}`);

/** One scatter: val accuracy against a cost, every candidate one mark, the plane's front as steps. */
function scatterSvg(results: SweepResult[], onFront: Set<string>, axis: Axis): string {
  const W = 360;
  const H = 300;
  const L = 52;
  const R = 16;
  const T = 28;
  const B = 46;
  const xs = results.map(axis.value);
  const ys = results.map((r) => 100 * r.val.accuracy);
  const xa = niceTicks(minOf(xs), maxOf(xs), 4);
  const ya = niceTicks(minOf(ys), maxOf(ys));
  const X = (v: number): number => L + ((v - xa.lo) / (xa.hi - xa.lo)) * (W - L - R);
  const Y = (v: number): number => H - B - ((v - ya.lo) / (ya.hi - ya.lo)) * (H - B - T);
  const f = (v: number): string => v.toFixed(1);
  const stairs = planeFront(results, axis.value);
  const path: string[] = [];
  stairs.forEach((r, i) => {
    const x = X(axis.value(r));
    const y = Y(100 * r.val.accuracy);
    path.push(i === 0 ? `M${f(x)},${f(y)}` : `V${f(y)}`);
    const next = stairs[i + 1];
    path.push(`H${f(next ? X(axis.value(next)) : W - R)}`);
  });
  // others first, the front on top, so a front mark is never hidden under a grey one
  const ordered = [...results].sort((a, b) => Number(onFront.has(a.id)) - Number(onFront.has(b.id)) || a.index - b.index);
  const mark = (r: SweepResult): string => {
    const front = onFront.has(r.id);
    const u = uniformLabel(r);
    const tip = `#${r.index}${u ? ` (${u})` : ''}${front ? ' · Pareto front' : ''}: val acc ${pct(r.val.accuracy)} %, ${axis.key} ${int(axis.value(r))}`;
    return `<circle class="mark${front ? ' front' : ''}" data-id="${escapeHtml(r.id)}" cx="${f(X(axis.value(r)))}" cy="${f(Y(100 * r.val.accuracy))}" r="${front ? 4.5 : 3}" fill="${front ? FRONT : OTHER}" tabindex="0"><title>${escapeHtml(tip)}</title></circle>`;
  };
  const labels = results
    .filter((r) => r.uniform !== null)
    .sort((a, b) => a.index - b.index)
    .map((r) => `<text class="ulabel" x="${f(X(axis.value(r)) + 7)}" y="${f(Y(100 * r.val.accuracy) - 6)}" fill="${REF}">${escapeHtml(uniformLabel(r)!)}</text>`);
  return [
    `<svg class="plot" data-axis="${axis.key}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="validation accuracy against ${axis.key}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="17" text-anchor="middle" font-size="13">validation accuracy vs ${escapeHtml(axis.key)}</text>`,
    ...xa.ticks.map((t) => `<line x1="${f(X(t))}" y1="${T}" x2="${f(X(t))}" y2="${H - B}" stroke="#eee"/><text x="${f(X(t))}" y="${H - B + 15}" text-anchor="middle">${tickLabel(t, xa.ticks[1]! - xa.ticks[0]!, Math.max(Math.abs(xa.lo), Math.abs(xa.hi)))}</text>`),
    ...ya.ticks.map((t) => `<line x1="${L}" y1="${f(Y(t))}" x2="${W - R}" y2="${f(Y(t))}" stroke="#eee"/><text x="${L - 6}" y="${f(Y(t) + 4)}" text-anchor="end">${+t.toFixed(2)}</text>`),
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${escapeHtml(axis.label)}</text>`,
    `<text x="12" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(T + H - B) / 2})">validation accuracy (%)</text>`,
    stairs.length ? `<path class="stairs" d="${path.join('')}" fill="none" stroke="${FRONT}" stroke-width="1.5" stroke-opacity="0.7"/>` : '',
    `<g class="marks">`,
    ...ordered.map(mark),
    `</g>`,
    ...labels,
    `</svg>`,
  ]
    .filter((s) => s !== '')
    .join('\n');
}

/** Rows: front candidates by flash; columns: layers; a cell's colour and text give the bits. */
function heatmapSvg(front: SweepResult[], layers: string[]): string {
  const cw = Math.max(18, Math.min(44, Math.floor(640 / Math.max(1, layers.length))));
  const ch = 18;
  const labelW = 150;
  const longest = Math.max(4, ...layers.map((l) => Math.min(l.length, 24)));
  const top = 20 + Math.ceil(longest * 7 * Math.SQRT1_2) + 8;
  const W = labelW + cw * layers.length + 70;
  const H = top + ch * front.length + 10;
  // the end of an exported name tells layers apart (/features/features.4/features.4.0/Conv)
  const short = (l: string): string => (l.length > 24 ? `…${l.slice(-23)}` : l);
  const cells = front.flatMap((r, i) => [
    `<g class="hm-row" data-id="${escapeHtml(r.id)}">`,
    `<rect class="hm-bg" x="0" y="${top + i * ch}" width="${W}" height="${ch}" fill="transparent"/>`,
    `<text x="${labelW - 6}" y="${top + i * ch + 13}" text-anchor="end">#${r.index}${r.uniform !== null ? ` all-${r.uniform}` : ''} · ${escapeHtml(int(r.flash))} B</text>`,
    ...layers.map((l, j) => {
      const b = r.bits[l];
      const x = labelW + j * cw;
      const y = top + i * ch;
      if (b === undefined) return `<rect x="${x}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="#f4f4f4"/>`;
      return `<rect x="${x}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="${BITS_FILL[b]}"><title>${escapeHtml(`${l}: ${b}-bit`)}</title></rect><text x="${x + (cw - 1) / 2}" y="${y + 13}" text-anchor="middle" fill="${BITS_TEXT[b]}" pointer-events="none">${b}</text>`;
    }),
    `<text x="${labelW + cw * layers.length + 6}" y="${top + i * ch + 13}">${pct(r.val.accuracy, 1)} %</text>`,
    `</g>`,
  ]);
  return [
    `<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="weight bits per layer of the Pareto front">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    ...layers.map((l, j) => {
      const x = labelW + j * cw + cw / 2;
      return `<text x="${x}" y="${top - 6}" transform="rotate(-45 ${x} ${top - 6})">${escapeHtml(short(l))}<title>${escapeHtml(l)}</title></text>`;
    }),
    `<text x="${labelW + cw * layers.length + 6}" y="${top - 6}">val acc</text>`,
    ...cells,
    `</svg>`,
  ].join('\n');
}

interface Row {
  r: SweepResult;
  front: boolean;
}

/** The table of every candidate, val and test in separate column groups; sortable by the script. */
function tableHtml(rows: Row[], layers: string[], ref: Int8Reference | undefined): string {
  const hasTest = rows.some((x) => x.r.test);
  const num = (v: number, text: string): string => `<td class="n" data-v="${v}">${text}</td>`;
  const opt = (s: SplitScore | undefined, k: 'accuracy' | 'macroF1'): string => (s ? num(s[k], pct(s[k])) : `<td class="n" data-v="">—</td>`);
  const head = [
    `<thead><tr><th colspan="3"></th><th colspan="2" class="grp val">validation (selection)</th>${hasTest ? '<th colspan="2" class="grp test">test (held out)</th>' : ''}<th colspan="${ref ? 6 : 5}" class="grp">cost on the target</th></tr>`,
    `<tr><th data-k="n">#</th><th data-k="s">front</th><th data-k="s" title="${escapeHtml(layers.join(', '))}">bits per layer</th>`,
    `<th data-k="n" class="val">acc %</th><th data-k="n" class="val">F1 %</th>`,
    hasTest ? `<th data-k="n" class="test">acc %</th><th data-k="n" class="test">F1 %</th>` : '',
    `<th data-k="n">weight B</th>${ref ? '<th data-k="n">× int8</th>' : ''}<th data-k="n">flash B</th><th data-k="n">SRAM B</th><th data-k="n">instructions</th><th data-k="n">cycles</th></tr></thead>`,
  ].join('');
  const body = rows.map(({ r, front }) =>
    [
      `<tr data-id="${escapeHtml(r.id)}"${front ? ' class="front"' : ''}>`,
      num(r.index, `${r.index}`),
      `<td data-v="${front ? 0 : 1}">${front ? '●' : ''}</td>`,
      `<td class="bits" data-v="${escapeHtml(bitsString(r, layers))}">${escapeHtml(bitsString(r, layers))}${r.uniform !== null ? ` <span class="u">all-${r.uniform}</span>` : ''}</td>`,
      opt(r.val, 'accuracy'),
      opt(r.val, 'macroF1'),
      hasTest ? opt(r.test, 'accuracy') + opt(r.test, 'macroF1') : '',
      num(r.weightBytes, int(r.weightBytes)),
      ref ? num(r.weightBytes / ref.weightBytes, (r.weightBytes / ref.weightBytes).toFixed(2)) : '',
      num(r.flash, int(r.flash)),
      num(r.sram, int(r.sram)),
      num(r.instructions, int(r.instructions)),
      num(r.cycles, int(r.cycles)),
      `</tr>`,
    ].join(''),
  );
  return `<table id="candidates">${head}<tbody>\n${body.join('\n')}\n</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0;background:#fafafa}
header,main{max-width:1120px;margin:0 auto;padding:0 16px}
header{padding-top:18px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:26px 0 8px}
.sub{color:#555;margin:0}
.note{background:#fff;border-left:4px solid ${FRONT};padding:8px 12px;margin:12px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.card b{display:block;font-size:18px}
.plots{display:flex;flex-wrap:wrap;gap:12px}
.plots svg{flex:1 1 340px;max-width:372px}
svg{max-width:100%;height:auto;background:#fff;border:1px solid #ddd;border-radius:6px}
.mark{cursor:pointer}
.mark.sel{stroke:#000;stroke-width:2;r:7px}
.mark.dim{opacity:.35}
.hm-row{cursor:pointer}
.hm-row.sel .hm-bg{fill:#ffe9a8}
.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px;border-radius:2px}
#detail{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-height:52px;margin-top:12px}
#detail{position:sticky;bottom:0;box-shadow:0 -2px 8px rgba(0,0,0,.08)}
#detail .chips{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
#detail .chip{font:12px ui-monospace,monospace;border-radius:3px;padding:1px 6px}
table#candidates{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
#candidates th,#candidates td{border-bottom:1px solid #eee;padding:3px 7px;text-align:left;white-space:nowrap}
#candidates th[data-k]{cursor:pointer;user-select:none}
#candidates th.grp{text-align:center;border-bottom:2px solid #ccc}
#candidates .val{background:#eef5fb}
#candidates .test{background:#fdf1e6}
#candidates td.n{text-align:right;font-variant-numeric:tabular-nums}
#candidates td.bits{font-family:ui-monospace,monospace}
#candidates tr.front td:nth-child(2){color:${FRONT}}
#candidates tr.sel{background:#ffe9a8}
.u{color:${REF};font-family:system-ui,sans-serif}
.tablewrap{overflow-x:auto;max-height:560px;overflow-y:auto;border:1px solid #ddd;border-radius:6px}
footer{color:#777;font-size:12px;max-width:1120px;margin:24px auto;padding:0 16px}
`;

// Plain ES2015 in a string: the page carries its own behaviour. Candidates are looked up by id in
// the embedded records; every element of one candidate carries data-id, so one class toggles them all.
const SCRIPT = `
(function(){
var D=JSON.parse(document.getElementById('sweep-data').textContent);
var byId={};D.results.forEach(function(r){byId[r.id]=r;});
var front={};D.front.forEach(function(id){front[id]=true;});
var pinned=null;
function pct(v){return v===undefined||v===null?'\\u2014':(100*v).toFixed(2);}
function int(v){return String(Math.round(v)).replace(/\\B(?=(\\d{3})+(?!\\d))/g,',');}
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
function all(id){return document.querySelectorAll('[data-id="'+(window.CSS&&CSS.escape?CSS.escape(id):id)+'"]');}
function mark(id,on){var n=all(id);for(var i=0;i<n.length;i++)n[i].classList.toggle('sel',on);}
function show(id){
  var r=byId[id],el=document.getElementById('detail');
  if(!r){el.innerHTML=D.hint;return;}
  var bits=D.layers.map(function(l){var b=r.bits[l];return '<span class="chip" style="background:'+(D.fill[b]||'#eee')+';color:'+(D.text[b]||'#222')+'">'+esc(l)+' '+(b===undefined?'\\u2014':b)+'</span>';}).join('');
  var t=r.test?'test (held out): acc <b>'+pct(r.test.accuracy)+' %</b>, macro-F1 <b>'+pct(r.test.macroF1)+' %</b> (n='+r.test.n+')':'no test split';
  el.innerHTML='<div><b>#'+r.index+'</b>'+(r.uniform!==null?' (all-'+r.uniform+')':'')+(front[id]?' \\u00b7 on the Pareto front':'')+'</div>'+
    '<div>validation (selection): acc <b>'+pct(r.val.accuracy)+' %</b>, macro-F1 <b>'+pct(r.val.macroF1)+' %</b> (n='+r.val.n+') \\u00b7 '+t+'</div>'+
    '<div>flash <b>'+int(r.flash)+' B</b> \\u00b7 SRAM <b>'+int(r.sram)+' B</b> \\u00b7 weights <b>'+int(r.weightBytes)+' B</b> \\u00b7 cycles <b>'+int(r.cycles)+'</b> \\u00b7 instructions '+int(r.instructions)+'</div>'+
    '<div class="chips" title="weight bits per layer">'+bits+'</div>';
}
var current=null;
function select(id){if(current)mark(current,false);current=id;if(id)mark(id,true);show(id);}
function idOf(e){var t=e.target;while(t&&t!==document){if(t.getAttribute&&t.getAttribute('data-id'))return t.getAttribute('data-id');t=t.parentNode;}return null;}
document.addEventListener('mouseover',function(e){var id=idOf(e);if(id&&!pinned)select(id);});
document.addEventListener('focusin',function(e){var id=idOf(e);if(id&&!pinned)select(id);});
document.addEventListener('click',function(e){
  if(e.target.closest&&e.target.closest('th[data-k]'))return;
  var id=idOf(e);
  if(id){pinned=(pinned===id?null:id);select(id);}
  else if(pinned){pinned=null;select(null);}
});
var table=document.getElementById('candidates');
if(table){
  var heads=table.tHead.rows[1].cells;
  for(var c=0;c<heads.length;c++)(function(col,th){
    th.addEventListener('click',function(){
      var asc=th.getAttribute('data-dir')!=='asc';
      for(var k=0;k<heads.length;k++)heads[k].removeAttribute('data-dir');
      th.setAttribute('data-dir',asc?'asc':'desc');
      var num=th.getAttribute('data-k')==='n',tb=table.tBodies[0],rows=[].slice.call(tb.rows);
      rows.sort(function(a,b){
        var x=a.cells[col].getAttribute('data-v'),y=b.cells[col].getAttribute('data-v');
        if(num){if(x==='')return 1;if(y==='')return -1;x=+x;y=+y;}
        var d=x<y?-1:x>y?1:0;return (asc?d:-d)||(+a.cells[0].getAttribute('data-v'))-(+b.cells[0].getAttribute('data-v'));
      });
      rows.forEach(function(r){tb.appendChild(r);});
    });
  })(c,heads[c]);
}
})();
`;

/** The report page: plots of val accuracy against flash, cycles and SRAM, the front's bits as a heat
 * map, and every candidate in a table with validation and test side by side. */
export function renderSweepReport(results: SweepResult[], pareto: ParetoFile, meta: ReportMeta): string {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  const onFront = new Set(pareto.front);
  const layers = layerNames(sorted);
  const frontRows = sorted.filter((r) => onFront.has(r.id)).sort((a, b) => a.flash - b.flash || a.index - b.index);
  const all8 = sorted.find((r) => r.uniform === 8);
  const ref: Int8Reference | undefined = meta.int8 ?? (all8 ? { weightBytes: all8.weightBytes, val: all8.val, test: all8.test } : undefined);
  const title = meta.title ?? `${meta.model}: mixed-precision sweep on ${meta.target}`;
  const hasTest = sorted.some((r) => r.test);
  const best = [...sorted].sort((a, b) => b.val.accuracy - a.val.accuracy || a.flash - b.flash || a.index - b.index)[0];
  const smallest = frontRows[0];
  const card = (label: string, value: string, sub: string): string => `<div class="card">${escapeHtml(label)}<b>${value}</b><span class="sub">${sub}</span></div>`;
  const hint = 'Hover over or click a mark, a heat-map row or a table row to see that candidate; click again to release.';
  const data = {
    layers,
    refWeightBytes: ref ? ref.weightBytes : null,
    fill: BITS_FILL,
    text: BITS_TEXT,
    front: pareto.front,
    hint,
    results: sorted.map((r) => ({ id: r.id, index: r.index, bits: r.bits, uniform: r.uniform, val: r.val, test: r.test, weightBytes: r.weightBytes, flash: r.flash, sram: r.sram, instructions: r.instructions, cycles: r.cycles })),
  };
  const body = sorted.length
    ? [
        `<div class="cards">`,
        card('candidates', `${sorted.length}`, `${frontRows.length} on the Pareto front`),
        ref ? card('int8 reference', `${pct(ref.val.accuracy)} %`, `val acc · ${escapeHtml(int(ref.weightBytes))} weight B`) : '',
        best ? card('best val accuracy', `${pct(best.val.accuracy)} %`, `#${best.index} · ${escapeHtml(int(best.flash))} B flash`) : '',
        smallest ? card('smallest front flash', `${escapeHtml(int(smallest.flash))} B`, `#${smallest.index} · ${pct(smallest.val.accuracy)} % val acc`) : '',
        `</div>`,
        `<p class="note">The search chose on the <b>validation</b> split (${sorted[0]!.val.n} windows): the plots, the front and the heat map use validation accuracy only. ${
          hasTest ? `The <b>test</b> split (${sorted.find((r) => r.test)!.test!.n} windows) is held out: it appears in the table and the details, and decided nothing.` : 'No test split was given: every figure here is a validation figure, selected on the data it reports.'
        }</p>`,
        `<h2>Accuracy against cost</h2>`,
        `<p class="legend"><span><i class="sw" style="background:${FRONT}"></i>Pareto front over val accuracy, flash, SRAM and cycles (pareto.json)</span><span><i class="sw" style="background:${OTHER}"></i>other candidates</span><span><i class="sw" style="background:${FRONT};height:2px"></i>best val accuracy for the cost (front in that plane)</span><span style="color:${REF}">all-N: every layer N-bit</span></p>`,
        `<div class="plots">`,
        ...AXES.map((a) => scatterSvg(sorted, onFront, a)),
        `</div>`,
        `<div id="detail">${escapeHtml(hint)}</div>`,
        `<h2>Weight bits per layer on the front</h2>`,
        `<p class="legend">${([8, 4, 2] as WeightBits[]).map((b) => `<span><i class="sw" style="background:${BITS_FILL[b]}"></i>${b}-bit</span>`).join('')} rows: front candidates, smallest flash first; columns: layers in graph order</p>`,
        frontRows.length ? heatmapSvg(frontRows, layers) : '<p>The front is empty.</p>',
        `<h2>All candidates</h2>`,
        `<p class="sub">Click a column heading to sort. Bits are listed in layer order: ${escapeHtml(layers.join(', '))}.</p>`,
        `<div class="tablewrap">${tableHtml(
          sorted.map((r) => ({ r, front: onFront.has(r.id) })),
          layers,
          ref,
        )}</div>`,
      ]
    : ['<p>No candidates: the sweep wrote no results.</p>'];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeHtml(title)}</h1><p class="sub">model <b>${escapeHtml(meta.model)}</b> · target <b>${escapeHtml(meta.target)}</b> · ${sorted.length} candidates${meta.strategy ? ` · strategy ${escapeHtml(meta.strategy)}` : ''}${meta.bits?.length ? ` · widths ${escapeHtml(meta.bits.join('/'))}` : ''} · objectives: ${escapeHtml(pareto.objectives.join(', '))}</p></header>`,
    '<main>',
    ...body.filter((s) => s !== ''),
    '</main>',
    '<footer>Written by harc sweep from results.jsonl and pareto.json. Self-contained: no network access; works without JavaScript (hover details and sorting need it).</footer>',
    `<script type="application/json" id="sweep-data">${scriptJson(data)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
