/**
 * Small statistics for a shared, busy machine: a figure is a median with the min–max of the
 * samples behind it, and two figures whose ranges overlap are not told apart.
 */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number;
}

export function spread(values: number[]): Spread {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    samples: values.length,
  };
}

/** `12.3 ms (11.0–15.2)`: the median, then the range of the samples. */
export function showSpread(s: Spread, digits = 1, unit = 'ms'): string {
  return `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

/** `11.0–15.2`: the range of the samples. */
export const showRange = (s: Spread, digits: number) =>
  `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}`;

/**
 * What `b` adds to `a`: the difference of the medians when the two ranges are apart,
 * otherwise `within noise (…)` with both ranges, never a signed figure the noise could flip.
 */
export function showDifference(
  a: { label: string; spread: Spread },
  b: { label: string; spread: Spread },
  digits = 0,
  unit = 'ms',
): string {
  const ranges = `${a.label} ${showRange(a.spread, digits)}, ${b.label} ${showRange(b.spread, digits)} ${unit}`;
  if (overlap(a.spread, b.spread)) return `within noise (${ranges})`;
  const delta = b.spread.median - a.spread.median;
  return `${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(digits)} ${unit} (${ranges})`;
}

export function overlap(a: Spread, b: Spread): boolean {
  return a.min <= b.max && b.min <= a.max;
}

export type Verdict = 'held' | 'MISSED' | 'within noise' | 'not measured';

/**
 * A target judged on every sample behind a figure, not on the figure alone: held when all
 * samples meet it, missed when none does, and within noise when the samples disagree. A run
 * narrowed with --latencies or --sizes may have no sample of a figure: not measured.
 */
export function verdict(samples: number[], meets: (value: number) => boolean): Verdict {
  if (samples.length === 0) return 'not measured';
  const met = samples.filter(meets).length;
  if (met === samples.length) return 'held';
  if (met === 0) return 'MISSED';
  return 'within noise';
}

/**
 * One verdict from several groups of samples judged apart (rows of different sizes): missed
 * when any group missed, held when all held.
 */
export function combine(verdicts: Verdict[]): Verdict {
  const measured = verdicts.filter((v) => v !== 'not measured');
  if (measured.length === 0) return 'not measured';
  if (measured.includes('MISSED')) return 'MISSED';
  return measured.every((v) => v === 'held') ? 'held' : 'within noise';
}
