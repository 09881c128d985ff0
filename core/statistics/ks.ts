/**
 * Two-sample Kolmogorov-Smirnov test over binned counts: the largest gap between the two
 * cumulative distributions at the bin edges, with the asymptotic p-value. Binning makes the
 * statistic a lower bound of the exact one; with the reference's quantile bins it is close.
 */
import { toFractions } from './binning.js';

/** The result of a KS test. */
export interface KsResult {
  /** The largest CDF gap, 0 to 1. */
  readonly statistic: number;
  /** Probability of a gap at least this large if both samples came from one distribution. */
  readonly pValue: number;
}

/** KS test of two count (or fraction) vectors over the same bins, with their sample sizes. */
export function ksTest(expected: readonly number[], actual: readonly number[], expectedSize: number, actualSize: number): KsResult {
  if (expected.length !== actual.length) {
    throw new Error(`ks needs the same bins on both sides (got ${expected.length} and ${actual.length})`);
  }
  const e = toFractions(expected);
  const a = toFractions(actual);
  let cumulativeE = 0;
  let cumulativeA = 0;
  let statistic = 0;
  for (let index = 0; index < e.length; index += 1) {
    cumulativeE += e[index];
    cumulativeA += a[index];
    statistic = Math.max(statistic, Math.abs(cumulativeE - cumulativeA));
  }
  if (expectedSize <= 0 || actualSize <= 0) return { statistic, pValue: 1 };
  const effective = (expectedSize * actualSize) / (expectedSize + actualSize);
  const sqrtN = Math.sqrt(effective);
  return { statistic, pValue: kolmogorovQ((sqrtN + 0.12 + 0.11 / sqrtN) * statistic) };
}

/** Survival function of the Kolmogorov distribution, Q(x) = 2 Σ (-1)^(k-1) e^(-2k²x²). */
export function kolmogorovQ(x: number): number {
  if (x < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 100; k += 1) {
    const term = sign * Math.exp(-2 * k * k * x * x);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
