/**
 * Mermaid `xychart-beta` line charts of a metric across model versions, which GitHub renders in
 * Markdown. One chart per metric, because xychart has no legend: several unlabelled lines in one
 * chart could not be told apart.
 */

/** One point of a chart: a version and the metric's value there. */
export interface ChartPoint {
  readonly version: string;
  readonly value: number;
}

/** A fenced `mermaid` block charting `metric` over `points` (oldest first). */
export function metricChart(metric: string, points: readonly ChartPoint[]): string[] {
  const [low, high] = axisRange(points.map((point) => point.value));
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${label(metric)} by version"`,
    `  x-axis [${points.map((point) => `"${label(point.version)}"`).join(', ')}]`,
    `  y-axis "${label(metric)}" ${low} --> ${high}`,
    `  line [${points.map((point) => String(point.value)).join(', ')}]`,
    '```',
  ];
}

/**
 * A y-axis range rounded to the order of magnitude of the spread, with one step of room on each
 * side, so that small changes show without an auto-scaled axis turning 0.991 → 0.997 into a
 * cliff from the bottom to the top. Metrics that live in [0, 1] never get an axis beyond it.
 */
export function axisRange(values: readonly number[]): [number, number] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const spread = max - min || Math.abs(max) || 1;
  const exponent = Math.floor(Math.log10(spread));
  const step = 10 ** exponent;
  const digits = Math.max(0, -exponent);
  const round = (value: number) => Number(value.toFixed(digits));
  // Division in binary floating point misses exact multiples (0.991 / 0.001 = 990.999…).
  const steps = (value: number) => Number((value / step).toFixed(6));
  let low = round((Math.floor(steps(min)) - 1) * step);
  let high = round((Math.ceil(steps(max)) + 1) * step);
  if (min >= 0 && low < 0) low = 0;
  if (max <= 1 && min >= 0 && high > 1) high = 1;
  return [low, high];
}

// Mermaid ends a quoted label at the next `"`; nothing in a metric or version name needs one.
function label(text: string): string {
  return text.replace(/"/g, "'");
}
