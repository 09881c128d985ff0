/**
 * Reads the fleet's drift counts of one version in one window and turns them into the statistic
 * a policy names, with `core/statistics/drift-statistics.ts`: the one implementation the bench
 * and the tests of the rendered recording rules use too. Errors come back as data.
 */
import type { Distribution, ReferenceProfile } from '../../core/catalog.js';
import { SCORE_FEATURE } from '../../core/metric-names.js';
import { countsInOrder, driftBins } from '../../core/statistics/drift-bins.js';
import { DRIFT_STATISTICS, type DriftStatisticName } from '../../core/statistics/drift-statistics.js';
import { noData, type Measurement } from '../proposals/evidence.js';
import type { MetricsSource } from './metrics-source.js';
import { driftBinsQuery, driftSamplesQuery, type Selector } from './queries.js';

/** One version's counts per input and bin in one window, and the queries behind them. */
export interface DriftCounts {
  /** Counts by bin label, by `feature` label (input reference, or `score`). */
  readonly byFeature: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Predictions counted in the window, over the fleet. */
  readonly samples: number;
  readonly queries: { readonly bins: string; readonly samples: string };
  readonly error?: string;
}

/** The fleet's drift counts of `selector`'s version in the window ending `offsetMs` ago. */
export async function readDriftCounts(metrics: MetricsSource, selector: Selector, windowMs: number, offsetMs = 0): Promise<DriftCounts> {
  const queries = { bins: driftBinsQuery(selector, windowMs, offsetMs), samples: driftSamplesQuery(selector, windowMs, offsetMs) };
  const [bins, samples] = await Promise.all([metrics.samples(queries.bins), metrics.measure(queries.samples)]);
  const byFeature = new Map<string, Map<string, number>>();
  for (const { labels, value } of bins.samples) {
    const feature = labels.feature ?? '';
    let counts = byFeature.get(feature);
    if (counts === undefined) byFeature.set(feature, (counts = new Map()));
    counts.set(labels.bin ?? '', value);
  }
  const error = bins.error ?? samples.error;
  return { byFeature, samples: samples.value ?? 0, queries, ...(error === undefined ? {} : { error }) };
}

/** The statistic of one input's (or the score's) counts against its reference; null without counts. */
export function measureStatistic(counts: DriftCounts, feature: string, distribution: Distribution, statistic: DriftStatisticName, referenceRows: number): number | null {
  const byBin = counts.byFeature.get(feature);
  if (byBin === undefined) return null;
  const bins = driftBins(distribution);
  return DRIFT_STATISTICS[statistic].measure(bins.reference, countsInOrder(bins, byBin), referenceRows);
}

/** The score PSI of a version over a window (a canary check, a rollback's degradation), as a measurement. */
export async function measureScorePsi(metrics: MetricsSource, selector: Selector, profile: ReferenceProfile | undefined, windowMs: number, offsetMs = 0): Promise<Measurement> {
  const query = driftBinsQuery(selector, windowMs, offsetMs);
  if (profile?.score === undefined) return noData(query, `version ${selector.version ?? '(any)'} has no score distribution in its reference profile`);
  const counts = await readDriftCounts(metrics, selector, windowMs, offsetMs);
  if (counts.error !== undefined) return noData(query, counts.error);
  if (counts.samples <= 0) return noData(query);
  const value = measureStatistic(counts, SCORE_FEATURE, profile.score, 'psi', profile.rows);
  return value === null ? noData(query) : { value, query };
}
