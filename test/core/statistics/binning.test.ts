/** Bins for numbers and the alignment of categories. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignCategories, binIndex, histogram, quantileEdges } from '../../../core/statistics/binning.js';

describe('binning', () => {
  it('puts values in [edge, next edge) and clamps outside values to the outer bins', () => {
    const edges = [0, 10, 20, 30];
    assert.deepEqual([-5, 0, 9.99, 10, 25, 30, 99, Number.NaN].map((value) => binIndex(edges, value)), [0, 0, 0, 1, 2, 2, 2, 0]);
    assert.deepEqual(histogram(edges, [1, 2, 15, 29]), [2, 1, 1]);
  });

  it('builds quantile edges with ties merged', () => {
    assert.deepEqual(quantileEdges([1, 2, 3, 4, 5, 6, 7, 8], 4), [1, 3, 5, 7, 8]);
    assert.deepEqual(quantileEdges([5, 5, 5], 4), [5, 6]);
  });

  it('aligns categories: reference sorted, then new ones', () => {
    assert.deepEqual(alignCategories({ b: 0.5, a: 0.5 }, { c: 3, a: 1 }), { categories: ['a', 'b', 'c'], reference: [0.5, 0.5, 0], observed: [1, 0, 3] });
  });
});
