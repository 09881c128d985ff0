import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryMetrics, rocAuc } from '../../training/metrics.js';

describe('metrics', () => {
  it('computes AUC by ranks, averaging ties', () => {
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    assert.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5);
    assert.equal(rocAuc([0.2, 0.9], [0, 1]), 1);
  });

  it('computes precision, recall and F1 at the threshold', () => {
    const m = binaryMetrics([0.9, 0.6, 0.4, 0.2, 0.7], [1, 0, 1, 0, 1], 0.5);
    assert.equal(m.precision, 2 / 3);
    assert.equal(m.recall, 2 / 3);
    assert.ok(Math.abs(m.f1 - 2 / 3) < 1e-12);
  });
});
