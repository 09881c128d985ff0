/** Chi-squared homogeneity and Cramér's V over category counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chiSquaredSurvival, chiSquaredTest } from '../../../core/statistics/chi-squared.js';

describe('chiSquaredTest', () => {
  it('computes the statistic of a 2×2 table by hand', () => {
    // Table [[30, 70], [50, 50]]: expected 40/60 per row; chi² = 2·(100/40 + 100/60) = 8.3333
    const result = chiSquaredTest([30, 70], [50, 50]);
    assert.ok(Math.abs(result.statistic - 8.333333) < 1e-5);
    assert.equal(result.degreesOfFreedom, 1);
    assert.ok(Math.abs(result.pValue - 0.003892) < 1e-5, `p ${result.pValue}`);
    assert.ok(Math.abs(result.cramersV - Math.sqrt(8.333333 / 200)) < 1e-6);
  });

  it('is 0 with V 0 for proportional counts, and drops categories empty on both sides', () => {
    const result = chiSquaredTest([10, 20, 0], [100, 200, 0]);
    assert.ok(result.statistic < 1e-12);
    assert.equal(result.degreesOfFreedom, 1);
    assert.equal(result.cramersV, 0);
  });

  it('has the usual critical values', () => {
    assert.ok(Math.abs(chiSquaredSurvival(3.841459, 1) - 0.05) < 1e-5);
    assert.ok(Math.abs(chiSquaredSurvival(18.307038, 10) - 0.05) < 1e-5);
    assert.ok(Math.abs(chiSquaredSurvival(2, 4) - 0.735759) < 1e-5);
  });
});
