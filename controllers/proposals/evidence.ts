/**
 * Measured evidence, as the sources hand it to the proposal functions. A failed measurement is
 * data (`value: null` with the error), never an exception: one bad query must not stop the loop.
 */

/** One figure read from a metrics source. */
export interface Measurement {
  /** `null` when there was no data or the query failed. */
  readonly value: number | null;
  /** The PromQL (or other query) behind the figure, shown in the PR. */
  readonly query: string;
  /** Why `value` is null, when it failed rather than being empty. */
  readonly error?: string;
}

/** A measurement with no data. */
export function noData(query: string, error?: string): Measurement {
  return error === undefined ? { value: null, query } : { value: null, query, error };
}

/** A time series for a chart: timestamps (seconds) and values. */
export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A measurement for a sentence: its value, or why there is none. */
export function describeMeasurement(measurement: Measurement, unit = ''): string {
  if (measurement.value !== null) return `${Number(measurement.value.toPrecision(4))}${unit}`;
  return measurement.error === undefined ? 'no data' : `unknown (${measurement.error})`;
}
