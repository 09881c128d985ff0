/** The runtime's pure parts: batching, sticky routing, drift counters, input encoding, feedback, hot metrics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { encodeRows, UNKNOWN_CATEGORY } from '../../core/model-input-encoding.js';
import { Batcher } from '../../runtime/batcher.js';
import { DriftCounters } from '../../runtime/drift-counters.js';
import { createMetrics } from '../../runtime/metrics.js';
import { FeedbackStore } from '../../runtime/feedback.js';
import { HotCounter, HotHistogram } from '../../runtime/hot-metrics.js';
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

  it('keeps gathering for up to maxTurns turns while items keep arriving, and runs at once when none do', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      batches.push([...items]);
      return items;
    }, { maxBatchSize: 64, maxWaitMs: 0, maxTurns: 3 });
    // Arrivals land before the batcher's own check in each turn, as requests read in the poll phase do.
    const arrivals: Promise<number>[] = [];
    setImmediate(() => {
      arrivals.push(batcher.submit(2));
      setImmediate(() => arrivals.push(batcher.submit(3)));
      setImmediate(() => setImmediate(() => setImmediate(() => arrivals.push(batcher.submit(4)))));
    });
    arrivals.push(batcher.submit(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(arrivals);
    assert.deepEqual(batches, [[1, 2, 3], [4]], 'three turns gathered 1-3; 4 came after the third');

    batches.length = 0;
    const lone = batcher.submit(5);
    const afterOneTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(batches.length)));
    assert.equal(afterOneTurn, 1, 'a turn that brings nothing runs the batch');
    assert.equal(await lone, 5);
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

describe('DriftCounters', () => {
  const profile = {
    rows: 100,
    inputs: {
      'v:amount': { type: 'numeric' as const, edges: [0, 10, 100], fractions: [0.5, 0.5] },
      'v:category': { type: 'categorical' as const, frequencies: { b: 0.5, a: 0.5 } },
    },
    score: { type: 'numeric' as const, edges: [0, 0.5, 1], fractions: [0.5, 0.5] },
  };

  /** The exported drift counters as `feature/bin boot → value`. */
  async function exported(metrics: ReturnType<typeof createMetrics>): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { labels, value } of (await metrics.registry.getSingleMetric('slipway_drift_observations_total')!.get()).values) {
      assert.equal(labels.boot, metrics.boot);
      counts.set(`${labels.feature}/${labels.bin}`, value);
    }
    return counts;
  }

  it('counts every prediction in one bin per input and for the score, unseen categories in "other"', async () => {
    const metrics = createMetrics();
    const counters = new DriftCounters('m', '1.0.0', ['v:amount', 'v:unprofiled', 'v:category'], profile, metrics);
    for (let index = 0; index < 10; index += 1) counters.observe([index < 7 ? 5 : 5000, 1, index < 4 ? 'a' : index < 6 ? 'b' : 'unseen'], index < 3 ? 0.9 : 0.1);
    assert.deepEqual(Object.fromEntries(await exported(metrics)), {
      'v:amount/0': 7,
      'v:amount/1': 3, // beyond the last edge: the outer bin
      'v:category/0': 4, // categories sorted: a, b, then other
      'v:category/1': 2,
      'v:category/other': 4,
      'score/0': 7,
      'score/1': 3,
    });
    const samples = (await metrics.registry.getSingleMetric('slipway_drift_samples_total')!.get()).values;
    assert.deepEqual(samples.map((sample) => sample.value), [10]);
  });

  it('exports every bin at 0 before the first prediction, and a reload keeps counting into the same series', async () => {
    const metrics = createMetrics();
    new DriftCounters('m', '1.0.0', ['v:amount'], profile, metrics);
    assert.deepEqual(Object.fromEntries(await exported(metrics)), { 'v:amount/0': 0, 'v:amount/1': 0, 'score/0': 0, 'score/1': 0 });
    new DriftCounters('m', '1.0.0', ['v:amount'], profile, metrics).observe([50], 0.7);
    new DriftCounters('m', '1.0.0', ['v:amount'], profile, metrics).observe([50], 0.7);
    assert.equal((await exported(metrics)).get('v:amount/1'), 2);
  });

  it('gives each process its own boot label, so that a restart starts new series', () => {
    assert.notEqual(createMetrics().boot, createMetrics().boot);
  });

  it('counts nothing for a version without a profile', async () => {
    const metrics = createMetrics();
    const counters = new DriftCounters('m', '1.0.0', ['v:amount'], undefined, metrics);
    counters.observe([5], 0.5);
    assert.equal(counters.measured, false);
    assert.equal((await exported(metrics)).size, 0);
  });
});

describe('model input encoding', () => {
  it('encodes numbers as float32, booleans as 0/1 and strings as their allowed index', () => {
    const specs = [{ dtype: 'float32' as const }, { dtype: 'bool' as const }, { dtype: 'string' as const, categories: ['Grocery', 'Travel'] }];
    assert.deepEqual([...encodeRows(specs, [[1.5, true, 'Travel'], [0.1, false, 'Casino']])], [1.5, 1, 1, Math.fround(0.1), 0, UNKNOWN_CATEGORY]);
  });
});

describe('FeedbackStore', () => {
  it('resolves each prediction once and forgets the oldest beyond its capacity (ids clients send)', () => {
    const store = new FeedbackStore('p-', 3);
    store.remember('a', '1.0.0', 1);
    store.remember('b', '1.0.0', 0);
    store.remember('c', '2.0.0', 1);
    assert.deepEqual(store.resolve('b', 1), { version: '1.0.0', outcome: 'fn' });
    assert.equal(store.resolve('b', 1), null, 'a second label for the same id must not count');
    store.remember('a', '2.0.0', 0); // a repeated id is remembered anew, as the newest
    store.remember('d', '2.0.0', 0);
    store.remember('e', '2.0.0', 1);
    assert.equal(store.size, 3);
    assert.equal(store.resolve('c', 1), null, 'c was the oldest and is forgotten');
    assert.deepEqual(store.resolve('a', 0), { version: '2.0.0', outcome: 'tn' });
    assert.deepEqual(store.resolve('e', 0), { version: '2.0.0', outcome: 'fp' });
    assert.deepEqual(store.resolve('d', 1), { version: '2.0.0', outcome: 'fn' });
    assert.equal(store.size, 0);
  });

  it('addresses the ids it issued by their sequence, and never confuses a look-alike with them', () => {
    const store = new FeedbackStore('p-', 3);
    const ids = Array.from({ length: 5 }, () => store.newId());
    assert.equal(new Set(ids).size, 5);
    ids.forEach((id, index) => store.remember(id, `v${index}`, 1));
    assert.equal(store.resolve(ids[0], 1), null, 'overwritten by the fourth');
    assert.equal(store.resolve(ids[1], 1), null, 'overwritten by the fifth');
    store.remember('p-03', 'look-alike', 0); // not canonical: a client's id, kept apart
    assert.deepEqual(store.resolve(ids[3], 1), { version: 'v3', outcome: 'tp' });
    assert.deepEqual(store.resolve('p-03', 1), { version: 'look-alike', outcome: 'fn' });
    assert.equal(store.resolve('p-zz', 1), null, 'a sequence never issued');
    assert.deepEqual(store.resolve(ids[4], 0), { version: 'v4', outcome: 'fp' });
    assert.equal(store.resolve(ids[4], 0), null, 'once only');
  });
});

describe('hot metrics', () => {
  it('expose exactly what prom-client would for the same observations', async () => {
    const hot = new Registry();
    const reference = new Registry();
    const labelNames = ['model', 'version'];
    const buckets = [0.001, 0.005, 0.01];
    const hotHistogram = new HotHistogram({ name: 'h_seconds', help: 'h.', labelNames, buckets, registers: [hot] });
    const referenceHistogram = new Histogram({ name: 'h_seconds', help: 'h.', labelNames, buckets, registers: [reference] });
    const hotCounter = new HotCounter({ name: 'c_total', help: 'c.', labelNames, registers: [hot] });
    const referenceCounter = new Counter({ name: 'c_total', help: 'c.', labelNames, registers: [reference] });
    for (const [version, value] of [['1.0.0', 0.0005], ['1.0.0', 0.005], ['2.0.0', 0.2], ['1.0.0', 0.007]] as const) {
      hotHistogram.labels({ model: 'm', version }).observe(value);
      referenceHistogram.labels({ model: 'm', version }).observe(value);
      hotCounter.labels({ model: 'm', version }).inc();
      referenceCounter.labels({ model: 'm', version }).inc();
    }
    hotCounter.inc({ model: 'm', version: '2.0.0' }, 2);
    referenceCounter.inc({ model: 'm', version: '2.0.0' }, 2);
    assert.equal(await hot.metrics(), await reference.metrics());
    assert.throws(() => hotCounter.labels({ model: 'm' } as never), /c_total: label 'version' is missing/);
  });
});
