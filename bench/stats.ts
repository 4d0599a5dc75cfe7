// Medians, percentiles and the printed table: every figure a benchmark reports
// is a median over rounds, and every comparison a ratio taken in the same run.
export function median(xs: number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export function round(x: number, digits = 2): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}

export interface Row {
  bench: string;
  metric: string;
  ours: number;
  reference?: number;
  referenceName?: string;
  ratio?: number;
  unit: string;
}

export function row(bench: string, metric: string, unit: string, ours: number, reference?: number, referenceName?: string): Row {
  const r: Row = { bench, metric, unit, ours: round(ours, 3) };
  if (reference !== undefined) {
    r.reference = round(reference, 3);
    r.referenceName = referenceName;
    r.ratio = round(ours / reference, 3);
  }
  return r;
}

export function table(rows: Row[]): string {
  const head = ['bench', 'metric', 'ours', 'reference', 'ours/ref', 'unit'];
  const body = rows.map((r) => [
    r.bench,
    r.metric,
    String(r.ours),
    r.reference === undefined ? '' : `${r.reference} (${r.referenceName})`,
    r.ratio === undefined ? '' : String(r.ratio),
    r.unit,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

/** Progress goes to stderr; stdout holds only the table and the JSON. */
export function log(msg: string): void {
  if (!process.env.BENCH_SILENT) console.error(`bench: ${msg}`);
}
