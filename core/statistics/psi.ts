/**
 * Population stability index over aligned bins: sum of (a - e) * ln(a / e) over the fractions of
 * the expected (reference) and actual (window) distributions. Common reading: < 0.1 stable,
 * 0.1-0.2 moderate shift, > 0.2 significant shift.
 */
import { toFractions } from './binning.js';

/** Fraction substituted for an empty bin, so that a bin empty on one side gives a large but finite term. */
export const PSI_EPSILON = 1e-4;

/**
 * PSI of `actual` against `expected`, both counts or fractions over the same bins (each side is
 * normalized, so counts and fractions mix freely). Returns 0 when either side is empty.
 */
export function psi(expected: readonly number[], actual: readonly number[], epsilon = PSI_EPSILON): number {
  if (expected.length !== actual.length) {
    throw new Error(`psi needs the same bins on both sides (got ${expected.length} and ${actual.length})`);
  }
  const e = toFractions(expected);
  const a = toFractions(actual);
  if (e.every((value) => value === 0) || a.every((value) => value === 0)) return 0;
  let total = 0;
  for (let index = 0; index < e.length; index += 1) {
    const expectedFraction = Math.max(e[index], epsilon);
    const actualFraction = Math.max(a[index], epsilon);
    total += (actualFraction - expectedFraction) * Math.log(actualFraction / expectedFraction);
  }
  return total;
}
