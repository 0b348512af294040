/** Classification metrics from predicted and true labels. */
export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  count: number;
}

export function argmaxRows(logits: ArrayLike<number>, classes: number): number[] {
  const n = logits.length / classes;
  return Array.from({ length: n }, (_, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    return best;
  });
}

export function classificationMetrics(pred: readonly number[], truth: ArrayLike<number>, classes: number): ClassificationMetrics {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  pred.forEach((p, i) => confusion[truth[i]!]![p]!++);
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  const f1s = confusion.map((row, c) => {
    const tp = row[c]!;
    const fn = row.reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((s, r) => s + r[c]!, 0) - tp;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return { accuracy: correct / pred.length, macroF1: f1s.reduce((a, b) => a + b, 0) / classes, confusion, count: pred.length };
}
