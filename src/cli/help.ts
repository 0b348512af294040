// yargs' own wrapping breaks inside words ("Us / age", "--target cort / ex-m4"), so help is laid
// out unwrapped and wrapped here at spaces only, to the terminal's width; unwrapped when no terminal.

/** Where a line's description column starts: after the option names and a run of ≥ 2 spaces. */
function hangingIndent(line: string): number {
  const m = /^(\s*\S(?:\S| (?! ))*\s{2,})\S/.exec(line);
  const lead = /^\s*/.exec(line)![0].length;
  return m && m[1]!.length < 40 ? m[1]!.length : lead;
}

/** Greedy fill at spaces; a word longer than the room is kept whole on its own line. */
export function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = hangingIndent(line);
  const head = line.slice(0, indent);
  const words = line.slice(indent).split(/ +/).filter(Boolean);
  const out: string[] = [];
  let cur = head;
  let empty = true;
  for (const w of words) {
    if (!empty && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = ' '.repeat(indent);
      empty = true;
    }
    cur += (empty ? '' : ' ') + w;
    empty = false;
  }
  out.push(cur);
  return out;
}

/** Wraps help text to `width` (no wrap when undefined); example command lines stay whole so they paste. */
export function wrapHelp(text: string, width: number | undefined): string {
  if (!width) return text;
  let inExamples = false;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\S.*:$/.test(line)) inExamples = line === 'Examples:';
    out.push(...(inExamples && line.startsWith('  ') ? [line] : wrapLine(line, width)));
  }
  return out.join('\n');
}
