/**
 * Point-in-time lookups: the value a feature had at a moment, as the online store would have
 * served it then. The latest row at or before the moment and not older than the view's TTL; never
 * a row from the future, so no label information leaks into training.
 */
import type { Scalar } from '../core/catalog.js';

/** One row of a feature view: its entity key, event time and feature values. */
export interface FeatureRow {
  readonly entityKey: string;
  readonly eventMs: number;
  readonly values: readonly Scalar[];
}

/** A view's rows grouped by entity and sorted by event time, ready for as-of lookups. */
export class PointInTimeIndex {
  private readonly byEntity = new Map<string, { times: number[]; values: (readonly Scalar[])[] }>();

  /** Indexes `rows`; rows of one entity with the same time keep their input order (the last wins). */
  constructor(rows: Iterable<FeatureRow>, readonly ttlMs: number) {
    for (const row of rows) {
      let series = this.byEntity.get(row.entityKey);
      if (series === undefined) {
        series = { times: [], values: [] };
        this.byEntity.set(row.entityKey, series);
      }
      series.times.push(row.eventMs);
      series.values.push(row.values);
    }
    for (const series of this.byEntity.values()) sortSeries(series);
  }

  /** The values of `entityKey` as of `atMs`, or `null` when none is at/before it within the TTL. */
  asOf(entityKey: string, atMs: number): readonly Scalar[] | null {
    const series = this.byEntity.get(entityKey);
    if (series === undefined) return null;
    const index = lastAtOrBefore(series.times, atMs);
    if (index === -1) return null;
    if (series.times[index] < atMs - this.ttlMs) return null;
    return series.values[index];
  }
}

/** Rows to label with features: an entity key per view and the moment of the prediction. */
export interface EntityRow {
  readonly eventMs: number;
}

/** Joins every index as of each entity row's time; a missing value becomes `null`. */
export function pointInTimeJoin<R extends EntityRow>(
  entityRows: readonly R[],
  lookups: readonly { readonly index: PointInTimeIndex; readonly keyOf: (row: R) => string }[],
): (readonly (readonly Scalar[] | null)[])[] {
  return entityRows.map((row) => lookups.map(({ index, keyOf }) => index.asOf(keyOf(row), row.eventMs)));
}

function sortSeries(series: { times: number[]; values: (readonly Scalar[])[] }): void {
  let sorted = true;
  for (let i = 1; i < series.times.length && sorted; i++) sorted = series.times[i - 1] <= series.times[i];
  if (sorted) return;
  // A stable sort keeps same-time rows in input order, so "the last row written wins" holds.
  const order = series.times.map((_, i) => i).sort((a, b) => series.times[a] - series.times[b] || a - b);
  const times = order.map((i) => series.times[i]);
  const values = order.map((i) => series.values[i]);
  for (let i = 0; i < order.length; i++) {
    series.times[i] = times[i];
    series.values[i] = values[i];
  }
}

function lastAtOrBefore(times: readonly number[], atMs: number): number {
  let low = 0;
  let high = times.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (times[middle] <= atMs) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}
