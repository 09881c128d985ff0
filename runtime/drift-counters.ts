/**
 * Counts one served version's predictions per reference-profile bin, per input and for the
 * score (`core/statistics/drift-bins.ts`). A pod keeps no window and computes no statistic:
 * Prometheus sums the fleet's counters over the DriftPolicy's window (the rendered recording
 * rules, and the controller through `core/window-count.ts`), so scale-out, scale-in and restarts
 * neither reset nor dilute a window. Every bin's counter is bound here, once: observing is one
 * bin lookup and one addition per input, with no allocation.
 */
import type { ReferenceProfile, Scalar } from '../core/catalog.js';
import { SCORE_FEATURE } from '../core/metric-names.js';
import { driftBins, type DriftBins } from '../core/statistics/drift-bins.js';
import type { CounterChild } from './hot-metrics.js';
import type { RuntimeMetrics } from './metrics.js';

/** One measured input (or the score) and its bound counters, one per bin. */
interface Tracker {
  /** Index into the row of values; -1 for the score. */
  readonly column: number;
  readonly bins: DriftBins;
  readonly counters: readonly CounterChild[];
}

/** The drift counters of one version. */
export class DriftCounters {
  private readonly inputs: Tracker[] = [];
  private readonly score: Tracker | null;
  private readonly samples: CounterChild | null;

  constructor(model: string, version: string, inputRefs: readonly string[], profile: ReferenceProfile | undefined, metrics: RuntimeMetrics) {
    const labels = { model, version, boot: metrics.boot };
    const track = (feature: string, column: number, bins: DriftBins): Tracker => ({
      column,
      bins,
      counters: bins.labels.map((bin) => metrics.driftObservations.labels({ ...labels, feature, bin })),
    });
    inputRefs.forEach((ref, column) => {
      const distribution = profile?.inputs[ref];
      if (distribution !== undefined) this.inputs.push(track(ref, column, driftBins(distribution)));
    });
    this.score = profile?.score === undefined ? null : track(SCORE_FEATURE, -1, driftBins(profile.score));
    this.samples = this.measured ? metrics.driftSamples.labels(labels) : null;
  }

  /** Whether anything is measured at all (the profile covers an input or the score). */
  get measured(): boolean {
    return this.inputs.length > 0 || this.score !== null;
  }

  /** Counts one prediction: its input values (in the version's input order) and its score. */
  observe(values: readonly Scalar[], score: number): void {
    if (this.samples === null) return;
    for (const tracker of this.inputs) tracker.counters[tracker.bins.bucket(values[tracker.column])].inc();
    if (this.score !== null) this.score.counters[this.score.bins.bucket(score)].inc();
    this.samples.inc();
  }
}
