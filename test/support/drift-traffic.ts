/**
 * Synthetic drift traffic for tests: bin shares that have a chosen PSI against a reference, and
 * raw values that fall in chosen bins, so that a test can say "amount drifted to PSI 0.45" and
 * get counts the real statistics (and the real runtime) turn back into 0.45.
 */
import type { Distribution } from '../../core/catalog.js';
import { driftBins } from '../../core/statistics/drift-bins.js';
import { psi } from '../../core/statistics/psi.js';

/**
 * Shares per bin (in `driftBins` order, summing to 1) whose PSI against `distribution` is
 * `target`: the reference with a part of its mass moved into the last bin, found by bisection.
 */
export function sharesWithPsi(distribution: Distribution, target: number): number[] {
  const reference = driftBins(distribution).reference;
  const total = reference.reduce((sum, share) => sum + share, 0);
  const base = reference.map((share) => share / total);
  const mix = (t: number) => base.map((share, bin) => (1 - t) * share + (bin === base.length - 1 ? t : 0));
  if (target <= 0) return base;
  let low = 0;
  let high = 1;
  for (let step = 0; step < 100; step += 1) {
    const middle = (low + high) / 2;
    if (psi(reference, mix(middle)) < target) low = middle;
    else high = middle;
  }
  return mix((low + high) / 2);
}
