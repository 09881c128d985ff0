/** The materializer against a real Redis: Feast layout, TTL expiry, idempotence, watermarks, bad rows. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { loadCatalogOrThrow } from '../../../core/load/load-catalog.js';
import { decodeTimestamp, decodeValue, featureField, redisKeyOf, timestampField } from '../../../core/online-store/feast-layout.js';
import { MaterializeError, materialize } from '../../../features/materialize/materialize.js';
import { watermarkKey } from '../../../features/materialize/upsert-script.js';
import { copyExampleRepo } from '../../support/example-repo.js';
import { startRedis, type TestRedis } from '../../support/redis-server.js';

const HEADER = 'transaction_id,user_id,event_time,amount,transaction_hour,merchant_category,foreign_transaction,location_mismatch,device_trust_score,velocity_last_24h,cardholder_age,is_fraud';
const row = (t: string, u: string, time: string, amount: number, trust: number, age = 30) => `${t},${u},${time},${amount},12,Travel,true,false,${trust},2,${age},0`;

describe('materialize', () => {
  let redis: TestRedis;
  let client: Redis;
  let repo: { root: string; dispose: () => Promise<void> };

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    repo = await copyExampleRepo();
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
    await repo.dispose();
  });

  const userKey = (user: string, project: string) => redisKeyOf([{ name: 'user_id', valueType: 'string', value: user }], project);
  const writeSource = async (name: string, lines: string[]) => {
    const file = path.join(repo.root, name);
    await writeFile(file, `${HEADER}\n${lines.join('\n')}\n`);
    return file;
  };

  it('writes the latest value per entity within TTL in Feast layout, readable through the decoders', async () => {
    await client.flushall();
    const catalog = await loadCatalogOrThrow(repo.root);
    const project = catalog.project.name;
    const file = await writeSource('a.csv', [
      row('t1', 'u1', '2024-07-01T09:59:59Z', 10, 90), // one second older than the 24h TTL allows
      row('t2', 'u1', '2024-07-02T09:00:00Z', 20, 15.5),
      row('t3', 'u2', '2024-06-20T09:00:00Z', 30, 70, 61), // older than the 24h views' TTL, within user-features' 30d
      row('t4', 'u3', '2024-07-02T10:00:00Z', 40, 60),
    ]);
    const summary = await materialize({ catalog, redisUrl: redis.url, dataFile: file, workers: 2 });
    const behavioral = summary.views.find((view) => view.view === 'behavioral-features');
    assert.deepEqual([behavioral?.written, behavioral?.outside], [2, 2]);
    const key = userKey('u1', project);
    const [trust, velocity, mismatch, ts] = await client.hmgetBuffer(key, featureField('behavioral-features', 'device_trust_score'), featureField('behavioral-features', 'velocity_last_24h'), featureField('behavioral-features', 'location_mismatch'), timestampField('behavioral-features'));
    assert.equal(decodeValue('float32', trust), Math.fround(15.5));
    assert.equal(decodeValue('int32', velocity), 2);
    assert.equal(decodeValue('bool', mismatch), false);
    assert.equal(decodeTimestamp(ts), Date.UTC(2024, 6, 2, 9));
    // u2 is too old for behavioral-features but not for user-features.
    const u2 = userKey('u2', project);
    assert.equal(await client.hgetBuffer(u2, timestampField('behavioral-features')), null);
    assert.equal(decodeValue('int32', await client.hgetBuffer(u2, featureField('user-features', 'cardholder_age'))), 61);
    // Expiry: the longest TTL of the views sharing the key (user-features, 30 days).
    const pttl = await client.pttl(u2);
    assert.ok(pttl > 29 * 86_400_000 && pttl <= 30 * 86_400_000, `pttl ${pttl}`);
    const txn = redisKeyOf([{ name: 'transaction_id', valueType: 'string', value: 't4' }], project);
    assert.equal(decodeValue('string', await client.hgetBuffer(txn, featureField('transaction-features', 'merchant_category'))), 'Travel');
  });

  it('changes nothing when run twice, and never replaces a newer value with an older one', async () => {
    await client.flushall();
    const catalog = await loadCatalogOrThrow(repo.root);
    const newer = await writeSource('newer.csv', [row('t1', 'u1', '2024-07-02T09:00:00Z', 20, 15)]);
    await materialize({ catalog, redisUrl: redis.url, dataFile: newer });
    const key = userKey('u1', catalog.project.name);
    const before = await client.hgetallBuffer(key);
    const again = await materialize({ catalog, redisUrl: redis.url, dataFile: newer });
    assert.ok(again.views.every((view) => view.written === 0));
    assert.deepEqual(await client.hgetallBuffer(key), before);
    const older = await writeSource('older.csv', [row('t0', 'u1', '2024-07-02T08:00:00Z', 5, 99)]);
    const stale = await materialize({ catalog, redisUrl: redis.url, dataFile: older, endMs: Date.UTC(2024, 6, 2, 9) });
    assert.equal(stale.views.find((view) => view.view === 'behavioral-features')?.notNewer, 1);
    assert.equal(decodeValue('float32', await client.hgetBuffer(key, featureField('behavioral-features', 'device_trust_score'))), 15);
  });

  it('starts an incremental run from the recorded watermark', async () => {
    await client.flushall();
    const catalog = await loadCatalogOrThrow(repo.root);
    const first = await writeSource('inc.csv', [row('t1', 'u1', '2024-07-02T09:00:00Z', 20, 15), row('t2', 'u2', '2024-07-02T10:00:00Z', 20, 30)]);
    await materialize({ catalog, redisUrl: redis.url, dataFile: first, incremental: true });
    assert.equal(await client.get(watermarkKey(catalog.project.name, 'behavioral-features')), String(Date.UTC(2024, 6, 2, 10)));
    const grown = await writeSource('inc.csv', [row('t1', 'u1', '2024-07-02T09:00:00Z', 20, 15), row('t2', 'u2', '2024-07-02T10:00:00Z', 20, 30), row('t3', 'u3', '2024-07-02T11:00:00Z', 20, 45)]);
    const second = await materialize({ catalog, redisUrl: redis.url, dataFile: grown, incremental: true });
    const view = second.views.find((v) => v.view === 'behavioral-features');
    assert.deepEqual([view?.written, view?.notNewer, view?.outside], [1, 0, 2]);
    assert.equal(await client.get(watermarkKey(catalog.project.name, 'behavioral-features')), String(Date.UTC(2024, 6, 2, 11)));
  });

  it('skips a malformed row with its line number, or fails the run and writes none of its values', async () => {
    await client.flushall();
    const catalog = await loadCatalogOrThrow(repo.root);
    const file = await writeSource('bad.csv', [row('t1', 'u1', '2024-07-02T09:00:00Z', 20, 15), 't2,u2,2024-07-02T09:30:00Z,abc,12,Travel,true,false,50,2,30,0', row('t3', 'u3', '2024-07-02T10:00:00Z', 20, 45)]);
    await assert.rejects(materialize({ catalog, redisUrl: redis.url, dataFile: file, onBadRow: 'fail' }), (error: Error) => error instanceof MaterializeError && error.message.endsWith('bad.csv:3: amount: expected a number, got "abc" (use --on-bad-row skip to skip malformed rows)'));
    assert.equal(await client.exists(userKey('u2', catalog.project.name)), 0);
    const skipped: number[] = [];
    const summary = await materialize({ catalog, redisUrl: redis.url, dataFile: file, onBadRow: 'skip', onBadRowSkipped: (_file, line) => skipped.push(line) });
    assert.deepEqual(skipped, [3]);
    assert.equal(summary.badRows, 1);
    assert.equal(await client.exists(userKey('u2', catalog.project.name)), 0);
    assert.equal(await client.exists(userKey('u3', catalog.project.name)), 1);
  });

  it('lets keys expire after the view TTL', async () => {
    await client.flushall();
    const source = path.join(repo.root, 'catalog/features/behavioral-features.yaml');
    const { readFile } = await import('node:fs/promises');
    const original = await readFile(source, 'utf8');
    await writeFile(source, original.replace('ttl: 24h', 'ttl: 1s'));
    try {
      const catalog = await loadCatalogOrThrow(repo.root);
      const file = await writeSource('ttl.csv', [row('t1', 'u1', '2024-07-02T09:00:00Z', 20, 15)]);
      await materialize({ catalog, redisUrl: redis.url, dataFile: file, views: ['behavioral-features'] });
      const key = userKey('u1', catalog.project.name);
      assert.equal(await client.exists(key), 1);
      const pttl = await client.pttl(key);
      assert.ok(pttl > 0 && pttl <= 1000, `pttl ${pttl}`);
      // Wait (generously) for Redis to expire it; no timing assertion beyond "eventually".
      for (let i = 0; i < 100 && (await client.exists(key)) === 1; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await client.exists(key), 0);
    } finally {
      await writeFile(source, original);
    }
  });
});
