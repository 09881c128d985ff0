/** A real Prometheus scrapes the runtime's drift counters; the window's counts and PSI read back through its HTTP API. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RuntimeBundle } from '../../core/bundle.js';
import type { ReferenceProfile } from '../../core/catalog.js';
import { measureStatistic, readDriftCounts } from '../../controllers/sources/drift-counts.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus-server.js';
import { postJson, sampleUser, startFixtureRuntime } from './feature-fixture.js';
import { eventually } from './load.js';

/** Training saw small amounts and mostly groceries. */
const profile: ReferenceProfile = {
  rows: 10_000,
  inputs: {
    'transaction-features:amount': { type: 'numeric', edges: [0, 50, 100, 200, 100_000], fractions: [0.4, 0.3, 0.2, 0.1] },
    'transaction-features:merchant_category': { type: 'categorical', frequencies: { Grocery: 0.7, Travel: 0.1, Electronics: 0.1, Other: 0.1 } },
  },
  score: { type: 'numeric', edges: [0, 0.25, 0.5, 0.75, 1], fractions: [0.25, 0.25, 0.25, 0.25] },
};

describe('drift through Prometheus', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let prometheus: TestPrometheus;

  before(async () => {
    const withProfile = (bundle: RuntimeBundle): RuntimeBundle => ({
      ...bundle,
      onlineStore: undefined,
      versions: bundle.versions.map((version) => ({ ...version, referenceProfile: profile })),
    });
    started = await startFixtureRuntime('dev', withProfile, { onlineStore: null });
    prometheus = await startPrometheus([`127.0.0.1:${started.runtime.port}`]);
    // Prometheus listens before it is ready and answers 503 (not JSON) until then.
    await eventually(async () => (await fetch(`${prometheus.url}/-/ready`).catch(() => null))?.status === 200, 30_000, 'Prometheus becoming ready');
    await prometheus.waitForTargetsUp();
  });

  after(async () => {
    await prometheus?.stop();
    await started?.dispose();
  });

  it('exports counts per bin from which the PSI of drifted inputs is above 0.2 and of a stable input near 0', async () => {
    // Live traffic: large amounts (all in the last bin), the categories in their training mix.
    const categories = ['Grocery', 'Grocery', 'Grocery', 'Grocery', 'Grocery', 'Grocery', 'Grocery', 'Travel', 'Electronics', 'Other'];
    for (let index = 0; index < 200; index += 1) {
      const features = { ...sampleUser(index).transaction, amount: 500 + index, merchant_category: categories[index % 10] };
      const response = await postJson(`${started.runtime.url}/v2/models/fraud-detector/score`, { entities: { user_id: `u-${index}`, transaction_id: `t-${index}` }, features });
      assert.equal(response.status, 200);
    }
    const selector = { namespace: '', model: 'fraud-detector', version: '2.0.0' };
    const source = new PrometheusSource(prometheus.url);
    // Wait for a scrape taken after the last request, so every count below covers all 200.
    await eventually(async () => (await readDriftCounts(source, selector, 3_600_000)).samples === 200, 20_000, 'Prometheus scraping every prediction');
    const counts = await readDriftCounts(source, selector, 3_600_000);
    assert.deepEqual(Object.fromEntries(counts.byFeature.get('transaction-features:amount')!), { 0: 0, 1: 0, 2: 0, 3: 200 }, 'every amount in the last bin');
    // Categories sorted (Electronics, Grocery, Other, Travel), then the bin of unseen ones.
    assert.deepEqual(Object.fromEntries(counts.byFeature.get('transaction-features:merchant_category')!), { 0: 20, 1: 140, 2: 20, 3: 20, other: 0 });
    const drifted = measureStatistic(counts, 'transaction-features:amount', profile.inputs['transaction-features:amount'], 'psi', profile.rows)!;
    assert.ok(drifted > 0.2, `amount PSI ${drifted}`);
    const stable = measureStatistic(counts, 'transaction-features:merchant_category', profile.inputs['transaction-features:merchant_category'], 'psi', profile.rows)!;
    assert.ok(stable < 0.05, `merchant_category PSI ${stable}`);
    assert.equal([...counts.byFeature.get('score')!.values()].reduce((sum, count) => sum + count, 0), 200);
    const [info] = await prometheus.query('slipway_model_info{model="fraud-detector"}');
    assert.equal(info.metric.role, 'stable');
  });
});
