/** Redis killed under load: every prediction still answers, from defaults, counted; features return with Redis. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { postJson, sampleUser, sampleValue, startFixtureRuntime, writeFeatures } from './feature-fixture.js';
import { eventually, runLoad, sleep } from './load.js';

describe('the runtime when Redis fails', () => {
  let redis: TestRedis;
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;

  before(async () => {
    redis = await startRedis();
    started = await startFixtureRuntime('dev', (bundle) => ({ ...bundle, onlineStore: { redis: { url: redis.url, nodes: [] }, timeoutMs: 1_000 } }));
  });

  after(async () => {
    await started?.dispose();
    await redis?.stop();
  });

  it('answers every request while Redis is killed and restarted, and counts the fallbacks', async () => {
    const client = new Redis(redis.url);
    await writeFeatures(client, started.fixture.bundle, Array.from({ length: 20 }, (_, index) => sampleUser(index).user));
    client.disconnect();
    const url = `${started.runtime.url}/v2/models/fraud-detector/score`;
    const body = (index: number) => ({ entities: { user_id: `user-${index % 20}`, transaction_id: `t-${index}` }, features: sampleUser(index % 20).transaction });

    const load = runLoad(url, 8, body);
    await sleep(300);
    await redis.kill();
    await sleep(800);
    const duringResponse = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(1)) });
    const during = { status: duringResponse.status, body: (await duringResponse.json()) as Record<string, unknown> };
    assert.equal(during.status, 200);
    assert.equal(during.body.fallbacks, 4, 'with Redis down the four stored features come from defaults');
    assert.equal(duringResponse.headers.get('x-slipway-fallbacks'), '4', 'and the answer\'s header says so');
    await redis.start();
    // Redis restarts empty (no persistence): write the features again, as the materializer would.
    const again = new Redis(redis.url);
    await writeFeatures(again, started.fixture.bundle, Array.from({ length: 20 }, (_, index) => sampleUser(index).user));
    again.disconnect();
    await eventually(async () => (await postJson(url, body(2))).body.fallbacks === 0, 20_000, 'features coming back after the restart');
    const result = await load.stop();

    const failed = [...result.statuses].filter(([status]) => status !== 200);
    assert.deepEqual(failed, [], 'no request may fail while Redis is down');
    assert.ok((result.statuses.get(200) ?? 0) > 50);
    const metrics = await (await fetch(`${started.runtime.url}/metrics`)).text();
    assert.ok((sampleValue(metrics, 'slipway_feature_fallbacks_total', { feature: 'user-features:cardholder_age', cause: 'unavailable' }) ?? 0) > 0);
    assert.equal(sampleValue(metrics, 'slipway_prediction_errors_total', { version: '2.0.0' }), 0, 'no prediction errors were recorded');
    const warnings = started.logs.filter((line) => line.includes('inputs served from their defaults'));
    assert.ok(warnings.length >= 1, 'the outage is logged at warn level');
    assert.ok(warnings.length <= 3, `at most one line per 10 s, not one per request (${warnings.length} lines for ${result.statuses.get(200)} answers)`);
    assert.equal(JSON.parse(warnings[0]).level, 'warn');
  });
});
