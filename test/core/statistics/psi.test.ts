/** PSI over bins, against hand-computed values. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { psi } from '../../../core/statistics/psi.js';

describe('psi', () => {
  it('is 0 for identical distributions, whether given as counts or fractions', () => {
    assert.equal(psi([0.25, 0.25, 0.5], [25, 25, 50]), 0);
  });

  it('matches the hand-computed value of a moderate shift', () => {
    // (0.3-0.5)ln(0.3/0.5) + (0.7-0.5)ln(0.7/0.5) = 0.1022 + 0.0673 = 0.16946
    assert.ok(Math.abs(psi([0.5, 0.5], [0.3, 0.7]) - 0.169462) < 1e-5);
  });

  it('stays finite when a bin is empty on one side', () => {
    const value = psi([0.5, 0.5], [1, 0]);
    assert.ok(Number.isFinite(value) && value > 2);
  });

  it('is 0 for an empty window and rejects mismatched bins', () => {
    assert.equal(psi([0.5, 0.5], [0, 0]), 0);
    assert.throws(() => psi([1], [1, 2]), /same bins/);
  });
});
