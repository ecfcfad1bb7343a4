import type { LatencySamples } from './load-plan';

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an already sorted array. */
function rank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: round(rank(sorted, 50)),
    p95: round(rank(sorted, 95)),
    p99: round(rank(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? Number.NaN : rank([...finite].sort((a, b) => a - b), 50);
}

/** The distribution of all samples, plus each sub-window's and the median of the sub-windows' percentiles. */
export function latencyReport(samples: LatencySamples, windows: number): Distribution & { windows?: Distribution[]; medianOfWindows?: { p50: number; p95: number; p99: number } } {
  const overall = distribution(samples.ms);
  if (windows <= 1) return overall;
  const perWindow = Array.from({ length: windows }, (_, w) => distribution(samples.ms.filter((_, i) => samples.window[i] === w)));
  return {
    ...overall,
    windows: perWindow,
    medianOfWindows: {
      p50: median(perWindow.map((d) => d.p50)),
      p95: median(perWindow.map((d) => d.p95)),
      p99: median(perWindow.map((d) => d.p99)),
    },
  };
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function round3(value: number): number {
  return round(value, 3);
}
