/** A slice's `where` conditions select the holdout rows its metrics are computed on. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ModelInput, Scalar } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { sliceRows } from '../../training/slices.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

const AMOUNT = 'transaction-features:amount';
const CATEGORY = 'transaction-features:merchant_category';
const FOREIGN = 'transaction-features:foreign_transaction';

describe('slice rows', () => {
  let inputs: readonly ModelInput[];
  let raw: Scalar[][];
  const ROWS = 5;

  before(async () => {
    inputs = (await loadCatalogOrThrow(PROJECT_ROOT)).models.get('fraud-detector')!.current.inputs;
    const columns: Record<string, Scalar[]> = {
      [AMOUNT]: [5, 50, 100, 500, 1000],
      [CATEGORY]: ['Grocery', 'Travel', 'Electronics', 'Travel', 'Fashion'],
      [FOREIGN]: [false, true, true, false, true],
    };
    raw = inputs.map((input) => columns[input.ref] ?? Array<Scalar>(ROWS).fill(0));
  });

  it('keeps the rows equal to equals, in in, and within [min, max), all conditions at once', () => {
    assert.deepEqual(sliceRows([{ input: FOREIGN, equals: true }], inputs, raw, ROWS), [1, 2, 4]);
    assert.deepEqual(sliceRows([{ input: CATEGORY, in: ['Travel', 'Fashion'] }], inputs, raw, ROWS), [1, 3, 4]);
    assert.deepEqual(sliceRows([{ input: AMOUNT, min: 50 }], inputs, raw, ROWS), [1, 2, 3, 4]);
    assert.deepEqual(sliceRows([{ input: AMOUNT, max: 500 }], inputs, raw, ROWS), [0, 1, 2]);
    assert.deepEqual(sliceRows([{ input: AMOUNT, min: 50, max: 1000 }, { input: FOREIGN, equals: true }], inputs, raw, ROWS), [1, 2]);
  });

  it('refuses a condition on a column the model does not read', () => {
    assert.throws(() => sliceRows([{ input: 'user-features:nope', equals: 1 }], inputs, raw, ROWS), /slice filter input 'user-features:nope' is not an input of the model/);
  });
});
