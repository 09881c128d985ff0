/**
 * Pearson's chi-squared test of homogeneity between two count vectors over the same categories
 * (a 2×k table: reference counts and window counts), with Cramér's V as the effect size. Large
 * windows make any shift "significant", so the drift policy thresholds V or PSI, and the p-value
 * is reported for the reviewer.
 */

/** The result of a chi-squared test. */
export interface ChiSquaredResult {
  readonly statistic: number;
  readonly degreesOfFreedom: number;
  readonly pValue: number;
  /** Effect size 0 (same) to 1 (disjoint): sqrt(chi² / (n · (min(rows, cols) - 1))). */
  readonly cramersV: number;
}

/** Chi-squared homogeneity test of two count vectors; categories empty on both sides are dropped. */
export function chiSquaredTest(reference: readonly number[], observed: readonly number[]): ChiSquaredResult {
  if (reference.length !== observed.length) {
    throw new Error(`chi-squared needs the same categories on both sides (got ${reference.length} and ${observed.length})`);
  }
  const columns: [number, number][] = [];
  for (let index = 0; index < reference.length; index += 1) {
    if (reference[index] + observed[index] > 0) columns.push([reference[index], observed[index]]);
  }
  const referenceTotal = columns.reduce((sum, [count]) => sum + count, 0);
  const observedTotal = columns.reduce((sum, [, count]) => sum + count, 0);
  const total = referenceTotal + observedTotal;
  if (columns.length < 2 || referenceTotal === 0 || observedTotal === 0) {
    return { statistic: 0, degreesOfFreedom: Math.max(0, columns.length - 1), pValue: 1, cramersV: 0 };
  }
  let statistic = 0;
  for (const [referenceCount, observedCount] of columns) {
    const columnTotal = referenceCount + observedCount;
    const expectedReference = (columnTotal * referenceTotal) / total;
    const expectedObserved = (columnTotal * observedTotal) / total;
    statistic += (referenceCount - expectedReference) ** 2 / expectedReference;
    statistic += (observedCount - expectedObserved) ** 2 / expectedObserved;
  }
  const degreesOfFreedom = columns.length - 1;
  return {
    statistic,
    degreesOfFreedom,
    pValue: chiSquaredSurvival(statistic, degreesOfFreedom),
    cramersV: Math.sqrt(statistic / total), // min(2, k) - 1 = 1 for a 2×k table
  };
}

/** P(X >= x) for a chi-squared distribution with `df` degrees of freedom. */
export function chiSquaredSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/** Upper regularized incomplete gamma Q(a, x) (series below a+1, continued fraction above). */
function regularizedGammaQ(a: number, x: number): number {
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n += 1) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-14) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(logPrefix)));
  }
  // Lentz's continued fraction.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < 500; n += 1) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefix) * h));
}

/** ln Γ(z) by the Lanczos approximation (g = 7, n = 9). */
function logGamma(z: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const shifted = z - 1;
  let sum = coefficients[0];
  for (let index = 1; index < 9; index += 1) sum += coefficients[index] / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}
