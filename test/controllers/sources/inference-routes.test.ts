/**
 * The canary gates count prediction requests only: a real runtime answers predictions among many
 * more health checks, metadata reads, feedback posts and unknown paths, a real Prometheus scrapes
 * it (with the namespace label a ServiceMonitor adds), and the controller's queries see the
 * predictions alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorRateQuery, latencyP99Query, requestsQuery, type Selector } from '../../../controllers/sources/queries.js';
import { PrometheusSource } from '../../../controllers/sources/prometheus.js';
import { startPrometheus, type TestPrometheus } from '../../support/prometheus-server.js';
import { postJson, sampleUser, startFixtureRuntime } from '../../runtime/feature-fixture.js';
import { eventually } from '../../runtime/load.js';

const NAMESPACE = 'ml-staging';
const CANARY: Selector = { namespace: NAMESPACE, model: 'fraud-detector', version: '2.0.0' };
const WINDOW_MS = 600_000;

function inferBody(index: number): unknown {
  const { transaction, user } = sampleUser(index);
  const inputs = [
    ...Object.entries(transaction).map(([name, value]) => ({ name, value })),
    ...Object.entries(user.values).map(([ref, value]) => ({ name: ref.split(':')[1], value })),
  ].map(({ name, value }) => {
    const datatype = typeof value === 'boolean' ? 'BOOL' : typeof value === 'string' ? 'BYTES' : ['amount', 'device_trust_score'].includes(name) ? 'FP32' : 'INT32';
    return { name, datatype, shape: [1], data: [value] };
  });
  return { inputs };
}

describe('the canary gates on a real runtime', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let prometheus: TestPrometheus;
  let base = '';

  before(async () => {
    started = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined }), { onlineStore: null });
    base = `${started.runtime.url}/v2/models/fraud-detector/versions/2.0.0`;
    prometheus = await startPrometheus([`127.0.0.1:${started.runtime.port}`], '1s', [], { namespace: NAMESPACE });
    await prometheus.waitForTargetsUp();
  });

  after(async () => {
    await prometheus?.stop();
    await started?.dispose();
  });

  it('count predictions, not the probes, scrapes, metadata, feedback and 404s around them', async () => {
    // Arrange: every series exists and is scraped first (increase() needs a sample before the
    // traffic), then 40 predictions of the canary among ten times as many other requests.
    const labelled = 'sum(slipway_request_duration_seconds_count{version="2.0.0"})';
    assert.equal((await postJson(`${base}/score`, { entities: { user_id: 'u', transaction_id: 't' }, features: sampleUser(0).transaction })).status, 200);
    assert.equal((await postJson(`${base}/infer`, inferBody(0))).status, 200);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
    assert.equal((await fetch(base)).status, 200);
    await eventually(async () => Number((await prometheus.query(labelled))[0]?.value[1]) === 4, 20_000, 'a scrape of the first requests');
    const ids: string[] = [];
    for (let index = 0; index < 30; index++) {
      const answer = await postJson(`${base}/score`, { id: `r-${index}`, entities: { user_id: `u-${index}`, transaction_id: `t-${index}` }, features: sampleUser(index).transaction });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      ids.push(String(answer.body.id));
    }
    for (let index = 0; index < 10; index++) assert.equal((await postJson(`${base}/infer`, inferBody(index))).status, 200);
    for (let index = 0; index < 200; index++) assert.equal((await fetch(`${base}/ready`)).status, 200);
    for (let index = 0; index < 150; index++) assert.equal((await fetch(base)).status, 200);
    for (const id of ids) assert.equal((await postJson(`${started.runtime.url}/v2/models/fraud-detector/feedback`, { id, label: 0 })).status, 200);
    for (let index = 0; index < 50; index++) {
      assert.equal((await fetch(`${started.runtime.url}/v2/health/ready`)).status, 200);
      assert.equal((await fetch(`${base}/no-such-route`)).status, 404);
      assert.equal((await fetch(`${started.runtime.url}/metrics`)).status, 200);
    }
    await eventually(async () => Number((await prometheus.query(labelled))[0]?.value[1]) === 4 + 30 + 10 + 200 + 150 + 30, 20_000, 'a scrape after the last request');

    // Act
    const source = new PrometheusSource(prometheus.url);
    const requests = await source.measure(requestsQuery(CANARY, WINDOW_MS));
    const errorRate = await source.measure(errorRateQuery(CANARY, WINDOW_MS));
    const latency = await source.measure(latencyP99Query(CANARY, WINDOW_MS));

    // Assert: increase() extrapolates at the window's edges, so about 40, far from the 420 requests labelled 2.0.0.
    assert.ok(requests.value !== null && requests.value >= 20 && requests.value <= 60, `prediction requests ${requests.value} (${requests.error})`);
    assert.match(requests.query, /route=~"infer\|score"/);
    assert.equal(errorRate.value, 0, errorRate.error);
    assert.ok(latency.value !== null && latency.value > 0, `p99 ${latency.value} (${latency.error})`);
  });
});
