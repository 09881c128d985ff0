/**
 * The Redis prediction ledger on its own and in a runtime: records expire after the label delay
 * the environment declares, a Redis outage never fails a prediction (the records it could not
 * write are counted), and a queue that cannot drain stays bounded and counts what it drops.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBundle, parseBundle, type RuntimeBundle } from '../../core/bundle.js';
import { createLogger } from '../../runtime/log.js';
import { connectOnlineStore, type OnlineStoreClient } from '../../runtime/online-store-client.js';
import { RedisPredictionLedger, type DropCause } from '../../runtime/redis-prediction-ledger.js';
import { loadExampleWith } from '../support/catalog-fixture.js';
import { PROJECT_ROOT } from '../support/example-repo.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { postJson, sampleUser, sampleValue, startFixtureRuntime } from './feature-fixture.js';
import { eventually, sleep } from './load.js';

const FEEDBACK = '/v2/models/fraud-detector/feedback';
const SCORE = '/v2/models/fraud-detector/score';
const scoreBody = (id: string) => ({ id, entities: { user_id: 'user-1', transaction_id: 't' }, features: sampleUser(1).transaction });

/** Drop counters a test can read. */
function dropCounters(): { counts: Record<DropCause, number>; dropped: Record<DropCause, { inc(amount?: number): void }> } {
  const counts: Record<DropCause, number> = { 'queue-full': 0, unavailable: 0, failed: 0 };
  const counter = (cause: DropCause) => ({ inc: (amount = 1) => void (counts[cause] += amount) });
  return { counts, dropped: { 'queue-full': counter('queue-full'), unavailable: counter('unavailable'), failed: counter('failed') } };
}

describe('the environment’s labelDelay', () => {
  it('reaches the bundle from the Environment, with a week when it says nothing', async () => {
    const prod = await readFile(path.join(PROJECT_ROOT, 'environments/prod.yaml'), 'utf8');
    assert.match(prod, /labelDelay: 45d/, 'the example declares the chargeback delay in prod');
    const loaded = await loadExampleWith({ 'environments/prod.yaml': prod.replace('labelDelay: 45d', 'labelDelay: 90d') });
    assert.ok(loaded.ok);
    assert.equal(buildBundle(loaded.catalog, 'prod', 'fraud-detector').labelDelayMs, 90 * 86_400_000);
    assert.equal(buildBundle(loaded.catalog, 'staging', 'fraud-detector').labelDelayMs, 7 * 86_400_000);
  });

  it('is refused in a bundle unless it is a positive whole number of milliseconds', async () => {
    const loaded = await loadExampleWith({});
    assert.ok(loaded.ok);
    const bundle = JSON.parse(JSON.stringify(buildBundle(loaded.catalog, 'prod', 'fraud-detector'))) as Record<string, unknown>;
    assert.equal(parseBundle(bundle, 'bundle.json').labelDelayMs, 45 * 86_400_000);
    assert.throws(() => parseBundle({ ...bundle, labelDelayMs: -5 }, 'bundle.json'), /^Error: bundle\.json: labelDelayMs: must be a positive whole number of milliseconds$/);
  });

  it('is refused when it is not a duration, naming the file, line and field', async () => {
    const prod = await readFile(path.join(PROJECT_ROOT, 'environments/prod.yaml'), 'utf8');
    const loaded = await loadExampleWith({ 'environments/prod.yaml': prod.replace('labelDelay: 45d', 'labelDelay: forever') });
    assert.equal(loaded.ok, false);
    const problem = !loaded.ok ? loaded.diagnostics.find((diagnostic) => diagnostic.path.includes('labelDelay')) : undefined;
    assert.ok(problem !== undefined, 'a diagnostic at labelDelay');
    assert.equal(problem.file, 'environments/prod.yaml');
    assert.equal(prod.split('\n')[problem.line - 1].trim(), 'labelDelay: 45d');
  });
});

describe('a runtime’s records in Redis', () => {
  let redis: TestRedis;
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;

  before(async () => {
    redis = await startRedis();
    const quick = (bundle: RuntimeBundle): RuntimeBundle => ({ ...bundle, onlineStore: { redis: { url: redis.url, nodes: [] }, timeoutMs: 200 }, labelDelayMs: 1_500 });
    started = await startFixtureRuntime('dev', quick);
  });

  after(async () => {
    await started?.dispose();
    await redis?.stop();
  });

  it('expire after the label delay: a later label finds nothing', async () => {
    assert.equal((await postJson(`${started.runtime.url}${SCORE}`, scoreBody('early'))).status, 200);
    assert.equal((await postJson(`${started.runtime.url}${SCORE}`, scoreBody('late'))).status, 200);
    await sleep(100);
    assert.equal((await postJson(`${started.runtime.url}${FEEDBACK}`, { id: 'early', label: 1 })).status, 200);
    await sleep(1_700);
    const late = await postJson(`${started.runtime.url}${FEEDBACK}`, { id: 'late', label: 1 });
    assert.equal(late.status, 404);
    assert.match(String(late.body.error), /none within the label delay/);
  });

  it('never fail a prediction while Redis is down; the lost records are counted and labels get a 503', async () => {
    await redis.kill();
    try {
      await sleep(300);
      for (let index = 0; index < 5; index += 1) assert.equal((await postJson(`${started.runtime.url}${SCORE}`, scoreBody(`down-${index}`))).status, 200);
      await eventually(
        async () => (sampleValue(await (await fetch(`${started.runtime.url}/metrics`)).text(), 'slipway_prediction_records_dropped_total', { cause: 'unavailable' }) ?? 0) >= 5,
        5_000,
        'the dropped records being counted',
      );
      const label = await postJson(`${started.runtime.url}${FEEDBACK}`, { id: 'down-0', label: 1 });
      assert.equal(label.status, 503);
      assert.match(String(label.body.error), /the label was not counted, send it again/);
    } finally {
      await redis.start();
    }
  });
});

describe('the ledger’s queue', () => {
  let redis: TestRedis;
  let store: OnlineStoreClient;

  before(async () => {
    redis = await startRedis();
    store = connectOnlineStore({ url: redis.url, nodes: [] }, createLogger(() => undefined));
    await store.waitConnected(2_000);
  });

  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('writes a turn’s records as one batch that any ledger on the same keys can take, once', async () => {
    const { counts, dropped } = dropCounters();
    const writer = new RedisPredictionLedger({ store, keyPrefix: 'k:', ttlMs: () => 60_000, dropped });
    const reader = new RedisPredictionLedger({ store, keyPrefix: 'k:', ttlMs: () => 60_000, dropped });
    const ids = Array.from({ length: 2_500 }, () => writer.newId());
    ids.forEach((id, index) => writer.remember(id, index % 2 === 0 ? '1.4.0' : '2.0.0-rc.1', (index % 2) as 0 | 1, index / 2_500));
    await writer.flush();
    assert.equal(writer.pending, 0);
    assert.deepEqual(await reader.resolve(ids[0], 1), { version: '1.4.0', outcome: 'fn' });
    assert.deepEqual(await reader.resolve(ids[2_499], 1), { version: '2.0.0-rc.1', outcome: 'tp' });
    assert.equal(await writer.resolve(ids[2_499], 1), null, 'taken once');
    assert.notEqual(reader.newId().split('-')[0], writer.newId().split('-')[0], 'ids of two ledgers never collide');
    assert.deepEqual(counts, { 'queue-full': 0, unavailable: 0, failed: 0 });
  });

  it('finds a record a label overtook on its way to Redis', async () => {
    const { dropped } = dropCounters();
    const ledger = new RedisPredictionLedger({ store, keyPrefix: 'o:', ttlMs: () => 60_000, dropped });
    const id = ledger.newId();
    ledger.remember(id, '2.0.0', 1, 0.9);
    // The GETDEL leaves before the queued SET (written at the end of this turn): the ledger writes and looks again.
    assert.deepEqual(await ledger.resolve(id, 0), { version: '2.0.0', outcome: 'fp' });
  });

  it('stays bounded while Redis stalls, counting what it drops, and catches up afterwards', async () => {
    const { counts, dropped } = dropCounters();
    const ledger = new RedisPredictionLedger({ store, keyPrefix: 'q:', ttlMs: () => 60_000, dropped, capacity: 100, maxBatch: 10 });
    // CLIENT PAUSE holds every write (the batch in flight included) for 500 ms.
    await pauseWrites(redis, 500);
    for (let index = 0; index < 150; index += 1) ledger.remember(`r${index}`, '1.4.0', 0, 0.1);
    await sleep(0);
    for (let index = 150; index < 300; index += 1) ledger.remember(`r${index}`, '1.4.0', 0, 0.1);
    assert.ok(ledger.pending <= 100, `${ledger.pending} queued`);
    assert.ok(counts['queue-full'] >= 100, `${counts['queue-full']} dropped`);
    await ledger.flush();
    const kept = 300 - counts['queue-full'];
    let found = 0;
    for (let index = 0; index < 300; index += 1) if ((await ledger.resolve(`r${index}`, 0)) !== null) found += 1;
    assert.equal(found, kept);
  });
});

describe('a ledger closing while Redis stalls', () => {
  it('gives up after its timeout instead of holding up the pod', async () => {
    const redis = await startRedis();
    const store = connectOnlineStore({ url: redis.url, nodes: [] }, createLogger(() => undefined));
    try {
      await store.waitConnected(2_000);
      const ledger = new RedisPredictionLedger({ store, keyPrefix: 'c:', ttlMs: () => 60_000, dropped: dropCounters().dropped });
      await pauseWrites(redis, 3_000);
      ledger.remember(ledger.newId(), '1.4.0', 0, 0.2);
      const started = Date.now();
      await ledger.close(300);
      const waited = Date.now() - started;
      assert.ok(waited >= 250 && waited < 1_500, `close took ${waited} ms`);
    } finally {
      await store.close();
      await redis.stop();
    }
  });
});

/** Pauses every client's writes on `redis` for `ms` (CLIENT PAUSE … WRITE, Redis 6.2+). */
async function pauseWrites(redis: TestRedis, ms: number): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  try {
    await client.call('CLIENT', 'PAUSE', String(ms), 'WRITE');
  } finally {
    client.disconnect();
  }
}
