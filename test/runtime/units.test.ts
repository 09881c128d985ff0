/** The runtime's pure parts: batching, sticky routing, drift windows, input encoding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRows, UNKNOWN_CATEGORY } from '../../core/model-input-encoding.js';
import { Batcher } from '../../runtime/batcher.js';
import { DriftWindow } from '../../runtime/drift-window.js';
import { defaultRoutingKeys, stickyKeyOf, TrafficRouter } from '../../runtime/traffic-router.js';

describe('Batcher', () => {
  it('runs items submitted in one turn as one batch, bounded in size', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push([...items]);
      return items.map((item) => item * 2);
    }, { maxBatchSize: 4, maxWaitMs: 0 });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((item) => batcher.submit(item)));
    assert.deepEqual(results, [2, 4, 6, 8, 10, 12]);
    assert.deepEqual(batches, [[1, 2, 3, 4], [5, 6]]);
  });

  it('rejects every item of a failing batch and keeps working', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(async (items) => {
      if (fail) throw new Error('boom');
      return items;
    }, { maxBatchSize: 8, maxWaitMs: 0 });
    await assert.rejects(Promise.all([batcher.submit(1), batcher.submit(2)]), /boom/);
    fail = false;
    assert.equal(await batcher.submit(3), 3);
    await batcher.idle();
  });
});

describe('TrafficRouter', () => {
  it('is sticky, and raising the canary weight only moves keys from stable to canary', () => {
    const at = (weight: number) => new TrafficRouter([{ weight, target: 'canary' }, { weight: 100 - weight, target: 'stable' }]);
    const ten = at(10);
    const fifty = at(50);
    let canary = 0;
    for (let index = 0; index < 2000; index += 1) {
      const key = stickyKeyOf({ user_id: `user-${index}`, transaction_id: `t-${index}` }, ['user_id'], `r-${index}`);
      assert.equal(ten.route(key), ten.route(key));
      if (ten.route(key) === 'canary') {
        canary += 1;
        assert.equal(fifty.route(key), 'canary', 'a canary customer stays on the canary when it grows');
      }
    }
    assert.ok(canary > 120 && canary < 280, `10 % canary got ${canary} of 2000`);
  });

  it('falls back to the request id and picks the join key most views share', () => {
    assert.equal(stickyKeyOf({ transaction_id: 't' }, ['user_id'], 'r-1'), 'id:r-1');
    assert.deepEqual(defaultRoutingKeys([
      { view: 'transaction-features', joinKeys: ['transaction_id'] },
      { view: 'user-features', joinKeys: ['user_id'] },
      { view: 'behavioral-features', joinKeys: ['user_id'] },
    ]), ['user_id']);
  });
});

describe('DriftWindow', () => {
  const profile = {
    rows: 100,
    inputs: {
      'v:amount': { type: 'numeric' as const, edges: [0, 10, 100], fractions: [0.5, 0.5] },
      'v:category': { type: 'categorical' as const, frequencies: { a: 0.5, b: 0.5 } },
    },
  };

  it('measures PSI per input over the window and ages old slices out', () => {
    let now = 0;
    const window = new DriftWindow(['v:amount', 'v:category'], profile, { windowMs: 1_200, slices: 12, now: () => now });
    for (let index = 0; index < 100; index += 1) window.observe([index % 2 === 0 ? 5 : 50, index % 2 === 0 ? 'a' : 'b'], 0.5);
    let snapshot = window.snapshot();
    assert.equal(snapshot.samples, 100);
    assert.ok(snapshot.inputs.every((input) => input.psi < 1e-9));
    now = 600;
    for (let index = 0; index < 100; index += 1) window.observe([5, 'unseen-category'], 0.5);
    snapshot = window.snapshot();
    assert.equal(snapshot.samples, 200);
    assert.ok(snapshot.inputs.every((input) => input.psi > 0.2), JSON.stringify(snapshot));
    assert.equal(snapshot.scorePsi, null);
    now = 1_500; // the first 100 have aged out
    assert.equal(window.snapshot().samples, 100);
    now = 5_000;
    assert.equal(window.snapshot().samples, 0);
  });
});

describe('model input encoding', () => {
  it('encodes numbers as float32, booleans as 0/1 and strings as their allowed index', () => {
    const specs = [{ dtype: 'float32' as const }, { dtype: 'bool' as const }, { dtype: 'string' as const, categories: ['Grocery', 'Travel'] }];
    assert.deepEqual([...encodeRows(specs, [[1.5, true, 'Travel'], [0.1, false, 'Casino']])], [1.5, 1, 1, Math.fround(0.1), 0, UNKNOWN_CATEGORY]);
  });
});
