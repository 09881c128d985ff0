/**
 * The bins drift is counted in, defined once from a version's reference profile: the runtime
 * counts observations per bin, the rendered recording rules carry the reference share of each bin
 * as constants, and the controller puts the fleet's counts back in this order. Numbers use the
 * profile's edges (bins `0` … `n-1`); categories use the profile's categories sorted (bins `0` …
 * `k-1`) and one `other` bin for everything else, so a client sending arbitrary strings adds no
 * series.
 */
import type { Distribution, Scalar } from '../catalog.js';
import { binIndex } from './binning.js';

/** The bin label of categories the reference never saw. */
export const OTHER_BIN = 'other';

/** The bins of one distribution. */
export interface DriftBins {
  /** The `bin` label of each bin, in order (the order KS accumulates in). */
  readonly labels: readonly string[];
  /** The reference's share of each bin, as the profile states it (the `other` bin: 0). */
  readonly reference: readonly number[];
  /** The bin a served value falls in; allocation-free, it runs on every prediction. */
  bucket(value: Scalar): number;
}

/** The bins of `distribution`. */
export function driftBins(distribution: Distribution): DriftBins {
  if (distribution.type === 'numeric') {
    const edges = distribution.edges;
    return {
      labels: distribution.fractions.map((_, index) => String(index)),
      reference: distribution.fractions,
      bucket: (value) => binIndex(edges, typeof value === 'number' ? value : Number(value)),
    };
  }
  const categories = Object.keys(distribution.frequencies).sort();
  const positions = new Map(categories.map((category, position) => [category, position]));
  const other = categories.length;
  return {
    labels: [...categories.map((_, index) => String(index)), OTHER_BIN],
    reference: [...categories.map((category) => distribution.frequencies[category]), 0],
    bucket: (value) => positions.get(String(value)) ?? other,
  };
}

/** Counts by bin label (as a query returns them) in the order of `bins`; absent bins count 0. */
export function countsInOrder(bins: DriftBins, byLabel: ReadonlyMap<string, number>): number[] {
  return bins.labels.map((label) => byLabel.get(label) ?? 0);
}
