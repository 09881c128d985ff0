/** Scoring with features from a real Redis in Feast's layout: answers, fallbacks, routing, V2 shapes. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { RuntimeBundle } from '../../core/bundle.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { assertScore, expectedScore, postJson, sampleUser, sampleValue, startFixtureRuntime, writeFeatures } from './feature-fixture.js';

describe('the runtime scores with online features', () => {
  let redis: TestRedis;
  let client: Redis;
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let base: string;

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    const withStore = (bundle: RuntimeBundle): RuntimeBundle => ({ ...bundle, onlineStore: { redis: { url: redis.url, nodes: [] }, timeoutMs: 1_000 }, auditSampleRate: 1 });
    started = await startFixtureRuntime('staging', withStore);
    base = `${started.runtime.url}/v2/models/fraud-detector`;
    await writeFeatures(client, started.fixture.bundle, Array.from({ length: 50 }, (_, index) => sampleUser(index).user));
  });

  after(async () => {
    await started?.dispose();
    client?.disconnect();
    await redis?.stop();
  });

  it('answers with the score the served version computes from the stored features', async () => {
    for (let index = 0; index < 20; index += 1) {
      const { user, transaction } = sampleUser(index);
      const response = await postJson(`${base}/score`, { id: `req-${index}`, entities: { user_id: `user-${index}`, transaction_id: `t-${index}` }, features: transaction });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const version = response.body.model_version as string;
      const values = { ...user.values, ...Object.fromEntries(Object.entries(transaction).map(([name, value]) => [`transaction-features:${name}`, value])) };
      assertScore(response.body.score, expectedScore(started.fixture, version, values));
      assert.equal(response.body.fallbacks, 0);
      assert.equal(response.body.id, `req-${index}`);
    }
  });

  it('serves declared defaults for an unknown cardholder and counts each fallback', async () => {
    const lookups = async () => sampleValue(await (await fetch(`${started.runtime.url}/metrics`)).text(), 'slipway_feature_lookups_total', { model: 'fraud-detector' }) ?? 0;
    const lookupsBefore = await lookups();
    const response = await postJson(`${base}/versions/2.0.0/score`, { entities: { user_id: 'nobody', transaction_id: 't-x' }, features: { amount: 5, transaction_hour: 3, merchant_category: 'Travel', foreign_transaction: false } });
    assert.equal(response.status, 200);
    assert.equal(response.body.fallbacks, 4);
    const defaults = { 'transaction-features:amount': 5, 'transaction-features:transaction_hour': 3, 'transaction-features:merchant_category': 'Travel', 'transaction-features:foreign_transaction': false };
    assertScore(response.body.score, expectedScore(started.fixture, '2.0.0', defaults));
    const metrics = await (await fetch(`${started.runtime.url}/metrics`)).text();
    assert.ok((sampleValue(metrics, 'slipway_feature_fallbacks_total', { feature: 'user-features:cardholder_age', cause: 'missing' }) ?? 0) >= 1);
    // The fallback ratio's denominator: the four user inputs were looked up (the transaction ones came with the request).
    assert.equal((await lookups()) - lookupsBefore, 4);
  });

  it('fetches transaction features from Redis when the request does not send them', async () => {
    await writeFeatures(client, started.fixture.bundle, [{ entities: { transaction_id: 'stored-1' }, values: { 'transaction-features:amount': 1234.5, 'transaction-features:transaction_hour': 22, 'transaction-features:merchant_category': 'Electronics', 'transaction-features:foreign_transaction': true } }]);
    const response = await postJson(`${base}/versions/1.4.0/score`, { entities: { user_id: 'user-3', transaction_id: 'stored-1' } });
    assert.equal(response.status, 200);
    assert.equal(response.body.fallbacks, 0);
    const values = { ...sampleUser(3).user.values, 'transaction-features:amount': 1234.5, 'transaction-features:transaction_hour': 22, 'transaction-features:merchant_category': 'Electronics', 'transaction-features:foreign_transaction': true };
    assertScore(response.body.score, expectedScore(started.fixture, '1.4.0', values));
  });

  it('routes a cardholder to the same version every time, and about the canary weight of cardholders to the canary', async () => {
    const seen = new Map<string, string>();
    for (let round = 0; round < 2; round += 1) {
      for (let index = 0; index < 400; index += 1) {
        const response = await postJson(`${base}/score`, { entities: { user_id: `user-${index}`, transaction_id: `t-${round}-${index}` }, features: sampleUser(index).transaction });
        const version = response.body.model_version as string;
        if (round === 0) seen.set(`user-${index}`, version);
        else assert.equal(version, seen.get(`user-${index}`), `user-${index} changed version`);
      }
    }
    const canary = [...seen.values()].filter((version) => version === '2.0.0').length;
    // staging runs 2.0.0 as a 10 % canary; 400 hashed cardholders land near 40.
    assert.ok(canary >= 16 && canary <= 72, `canary got ${canary} of 400`);
  });

  it('speaks the V2 infer protocol with one tensor per input', async () => {
    const { transaction, user } = sampleUser(7);
    const inputs = [
      ...Object.entries(transaction).map(([name, value]) => ({ name, value })),
      ...Object.entries(user.values).map(([ref, value]) => ({ name: ref.split(':')[1], value })),
    ].map(({ name, value }) => {
      const datatype = typeof value === 'boolean' ? 'BOOL' : typeof value === 'string' ? 'BYTES' : ['amount', 'device_trust_score'].includes(name) ? 'FP32' : 'INT32';
      return { name, datatype, shape: [2], data: [value, value] };
    });
    const response = await postJson(`${base}/versions/2.0.0/infer`, { id: 'infer-1', inputs });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const values = { ...user.values, ...Object.fromEntries(Object.entries(transaction).map(([name, value]) => [`transaction-features:${name}`, value])) };
    const outputs = response.body.outputs as { name: string; shape: number[]; data: unknown[] }[];
    assert.deepEqual(outputs[0].shape, [2]);
    for (const score of outputs[0].data) assertScore(score, expectedScore(started.fixture, '2.0.0', values));
    assert.deepEqual(outputs[1].data.length, 2);
    assert.equal(response.body.model_version, '2.0.0');
  });

  it('answers health, metadata and readiness, also under /versions/{version}', async () => {
    assert.equal((await fetch(`${started.runtime.url}/v2/health/live`)).status, 200);
    assert.equal((await fetch(`${started.runtime.url}/v2/health/ready`)).status, 200);
    const metadata = (await (await fetch(base)).json()) as { name: string; versions: string[]; inputs: { name: string; datatype: string }[] };
    assert.equal(metadata.name, 'fraud-detector');
    assert.deepEqual(metadata.versions, ['1.4.0', '2.0.0']);
    assert.deepEqual(metadata.inputs.find((input) => input.name === 'merchant_category'), { name: 'merchant_category', datatype: 'BYTES', shape: [-1] });
    assert.equal((await fetch(`${base}/versions/2.0.0/ready`)).status, 200);
    assert.equal((await fetch(`${base}/versions/9.9.9/ready`)).status, 404);
    assert.equal((await fetch(`${started.runtime.url}/v2/models/other/ready`)).status, 404);
  });

  it('exports model info with roles and weights, and writes sampled audit lines', async () => {
    const metrics = await (await fetch(`${started.runtime.url}/metrics`)).text();
    assert.equal(sampleValue(metrics, 'slipway_model_info', { version: '1.4.0', role: 'stable', weight: '90' }), 1);
    assert.equal(sampleValue(metrics, 'slipway_model_info', { version: '2.0.0', role: 'canary', weight: '10' }), 1);
    assert.ok((sampleValue(metrics, 'slipway_predictions_total', { version: '1.4.0' }) ?? 0) > 0);
    const line = JSON.parse(started.audit.find((entry) => entry.includes('"req-0"'))!) as Record<string, unknown>;
    assert.equal(line.msg, 'prediction');
    assert.equal(line.model, 'fraud-detector');
    assert.match(String(line.entity_hash), /^[0-9a-f]{8}$/);
    assert.ok(!JSON.stringify(line).includes('user-0'), 'the audit line must not carry the raw entity key');
  });

  it('counts labelled outcomes fed back for a prediction, once', async () => {
    const scored = await postJson(`${base}/versions/2.0.0/score`, { id: 'fb-1', entities: { user_id: 'user-1', transaction_id: 't' }, features: sampleUser(1).transaction });
    const label = scored.body.class === 'fraud' ? 1 : 0;
    const first = await postJson(`${base}/feedback`, { id: 'fb-1', label });
    assert.equal(first.status, 200);
    assert.equal(first.body.outcome, label === 1 ? 'tp' : 'tn');
    assert.equal((await postJson(`${base}/feedback`, { id: 'fb-1', label })).status, 404);
    const metrics = await (await fetch(`${started.runtime.url}/metrics`)).text();
    assert.equal(sampleValue(metrics, 'slipway_outcomes_total', { version: '2.0.0', outcome: label === 1 ? 'tp' : 'tn' }), 1);
  });
});
