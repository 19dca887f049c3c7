/**
 * What every benchmark returns, and the Markdown table it is printed as. Each figure is a ratio
 * to a baseline measured in the same run (the machine is shared and noisy), so a row names both.
 */

export interface Row {
  /** Benchmark number in issue 7 (1–8), for ordering and cross-reference. */
  id: string;
  /** What was measured (subject), e.g. "ingress, single binary POSTs (kafkajs)". */
  name: string;
  /** The subject's figure, with its unit. */
  measured: string;
  /** The baseline's figure, with its unit and what it is. */
  baseline: string;
  /** measured / baseline (or the figure the target is about), as printed. */
  ratio: string;
  /** The target, e.g. "≥ 0.60" or "≤ 10 µs". */
  target: string;
  /** Whether the target is met; undefined for informational rows. */
  pass: boolean | undefined;
}

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** 12345.6 → "12,346". */
export function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function verdict(pass: boolean | undefined): string {
  return pass === undefined ? '' : pass ? 'met' : 'missed';
}

export function table(rows: Row[]): string {
  const lines = [
    '| # | benchmark | measured | baseline (same run) | ratio / figure | target | |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.id} | ${r.name} | ${r.measured} | ${r.baseline} | ${r.ratio} | ${r.target} | ${verdict(r.pass)} |`,
    );
  }
  return lines.join('\n');
}
