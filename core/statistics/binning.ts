/**
 * Binning shared by the runtime's drift windows, the trainer's reference profile and the drift
 * controller: numbers fall into bins bounded by ascending edges (n+1 edges for n bins), categories
 * are counted by value. Values outside the edges land in the first or last bin, so that a shifted
 * distribution shows up as mass at the ends rather than disappearing.
 */

/** The bin of `value` for ascending `edges` (n+1 edges, n bins); clamps to the outer bins. */
export function binIndex(edges: readonly number[], value: number): number {
  const bins = edges.length - 1;
  if (bins <= 0) throw new Error(`binning needs at least 2 edges (got ${edges.length})`);
  if (!(value >= edges[1])) return 0; // also catches NaN: it goes to the first bin, not nowhere
  if (value >= edges[bins - 1]) return bins - 1;
  // Binary search for the last edge <= value among edges[1..bins-1].
  let low = 1;
  let high = bins - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (edges[middle] <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Counts per bin of `values` for ascending `edges`. */
export function histogram(edges: readonly number[], values: Iterable<number>): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const value of values) counts[binIndex(edges, value)] += 1;
  return counts;
}

/**
 * Edges of `bins` quantile bins of `values` (deduplicated, so ties may give fewer bins). The
 * outer edges are the minimum and maximum seen.
 */
export function quantileEdges(values: readonly number[], bins: number): number[] {
  if (values.length === 0) throw new Error('quantile edges need at least one value');
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`'bins' must be a positive integer (got ${bins})`);
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [sorted[0]];
  for (let bin = 1; bin < bins; bin += 1) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((bin * sorted.length) / bins))];
    if (edge > edges[edges.length - 1]) edges.push(edge);
  }
  const max = sorted[sorted.length - 1];
  if (max > edges[edges.length - 1]) edges.push(max);
  if (edges.length === 1) edges.push(edges[0] + 1); // a constant column: one bin of width 1
  return edges;
}

/** Fractions that sum to 1 from counts (all zeros stay zeros). */
export function toFractions(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return total === 0 ? counts.map(() => 0) : counts.map((count) => count / total);
}

/**
 * Aligns categorical frequencies/counts to one category order: the reference's categories
 * sorted, then categories seen only in the window. Returns both as arrays in that order.
 */
export function alignCategories(
  reference: Readonly<Record<string, number>>,
  observed: Readonly<Record<string, number>> | ReadonlyMap<string, number>,
): { categories: string[]; reference: number[]; observed: number[] } {
  const observedMap = observed instanceof Map ? observed : new Map(Object.entries(observed));
  const categories = Object.keys(reference).sort();
  const known = new Set(categories);
  for (const category of [...observedMap.keys()].sort()) if (!known.has(category)) categories.push(category);
  return {
    categories,
    reference: categories.map((category) => reference[category] ?? 0),
    observed: categories.map((category) => observedMap.get(category) ?? 0),
  };
}
