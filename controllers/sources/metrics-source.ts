/**
 * The metrics provider contract (Argo Rollouts' `metricproviders` habit): every call resolves,
 * and a failed or empty query comes back as a measurement with no value, never as an exception.
 */
import type { Measurement, Series } from '../proposals/evidence.js';

/** One labelled sample of an instant vector. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A source of metric measurements. */
export interface MetricsSource {
  /** A single figure: the first sample of the result; should never throw. */
  measure(query: string): Promise<Measurement>;
  /** Every sample of an instant vector, or the error; should never throw. */
  samples(query: string): Promise<{ readonly samples: readonly Sample[]; readonly error?: string }>;
  /** A range query's first series, for charts; `null` on error or no data; should never throw. */
  range(query: string, label: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<Series | null>;
}
