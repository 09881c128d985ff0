/** KS over binned counts: statistic and the asymptotic p-value. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kolmogorovQ, ksTest } from '../../../core/statistics/ks.js';

describe('ksTest', () => {
  it('finds the largest CDF gap', () => {
    const result = ksTest([25, 25, 25, 25], [10, 20, 30, 40], 100, 100);
    // CDFs: .25/.1, .5/.3, .75/.6, 1/1 → largest gap 0.2
    assert.ok(Math.abs(result.statistic - 0.2) < 1e-12);
    assert.ok(result.pValue > 0.01 && result.pValue < 0.1, `p ${result.pValue}`);
  });

  it('gives p = 1 for identical samples and a tiny p for disjoint large ones', () => {
    assert.equal(ksTest([1, 2, 3], [1, 2, 3], 600, 600).pValue, 1);
    assert.ok(ksTest([100, 0], [0, 100], 1000, 1000).pValue < 1e-10);
  });

  it('has the Kolmogorov survival function at its 5 % point', () => {
    assert.ok(Math.abs(kolmogorovQ(1.3581) - 0.05) < 1e-3);
  });
});
