/**
 * Shadow scoring: every shadow version scores a copy of an answered request's inputs after the
 * answer is decided. Its predictions are measured (metrics, drift) like any version's but never
 * returned, and its failures never touch the answered request.
 */
import type { Scalar } from '../core/catalog.js';
import type { ServingSet } from './model-registry.js';

/** Scores `values` (in the fetcher's order) on every shadow version of `set`, without waiting. */
export function scoreShadows(set: ServingSet, values: readonly Scalar[]): void {
  for (const shadow of set.shadows) {
    const positions = set.inputPositions.get(shadow)!;
    const copy = positions.map((position) => values[position]);
    // Errors are already counted by the version; a shadow's failure is not the caller's.
    shadow.predict(copy).catch(() => undefined);
  }
}
