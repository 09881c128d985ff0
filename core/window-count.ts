/**
 * How many events counters counted in one window, summed over the fleet, in PromQL: the one
 * query shape the drift recording rules and the controller both use, so that alerts and PRs judge
 * the same numbers.
 *
 * `increase()` would extrapolate to the window's edges (a count of 1000 reads 1008.3) and differs
 * with each pod's scrape phase, so three pods and one pod given the same traffic would not agree.
 * Instead each series counts from its last sample before the window (its anchor) to its last
 * sample in the window, and a series born in the window counts from 0. Exact, because the runtime
 * labels drift counters with its `boot` (one value per process): a restarted pod starts new
 * series instead of resetting old ones, and a pod that left keeps its last count in the window.
 * Consecutive windows therefore split every count exactly once, at the scrape that saw it.
 */
import { formatDuration } from './units.js';

/** Counts of `series` (a selector) in the window ending `offsetMs` ago, summed by `by`. */
export function windowCountQuery(series: string, by: readonly string[], windowMs: number, offsetMs = 0): string {
  const window = formatDuration(Math.max(1000, windowMs));
  const last = `last_over_time(${series}[${window}]${offset(offsetMs)})`;
  const anchor = `last_over_time(${series}[${window}]${offset(offsetMs + Math.max(1000, windowMs))})`;
  const sum = by.length === 0 ? 'sum' : `sum by (${by.join(', ')})`;
  return `${sum} ((${last} - ${anchor}) or ${last})`;
}

function offset(ms: number): string {
  return ms >= 1 ? ` offset ${formatDuration(ms)}` : '';
}
