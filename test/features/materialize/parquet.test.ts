/**
 * Materialization from Parquet into a real Redis: an `s3://` source staged from the loopback S3
 * server fills the online store exactly as the same rows in CSV do, and a bad row fails or is
 * skipped by its row number.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { loadCatalogOrThrow } from '../../../core/load/load-catalog.js';
import { writeTransactionsCsv } from '../../../features/generate.js';
import { MaterializeError, materialize } from '../../../features/materialize/materialize.js';
import { copyExampleRepo } from '../../support/example-repo.js';
import { column, writeParquet, writeTransactionsParquet } from '../../support/parquet-fixture.js';
import { startRedis, type TestRedis } from '../../support/redis-server.js';
import { startS3, type TestS3 } from '../../support/s3-server.js';

const VIEWS = ['behavioral-features', 'transaction-features', 'user-features'];
const DATA_KEY = 'offline/transactions.parquet';
const GENERATED = { rows: 3_000, seed: 5, days: 2 };

describe('materialize from Parquet', () => {
  let redis: TestRedis;
  let client: Redis;
  let s3: TestS3;
  let repo: { root: string; dispose: () => Promise<void> };
  const savedEnv = { ...process.env };

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    s3 = await startS3();
    Object.assign(process.env, s3.env);
    repo = await copyExampleRepo();
    // The project's store names the S3 endpoint; a source in the same bucket is read through it.
    const project = path.join(repo.root, 'slipway.yaml');
    const original = await readFile(project, 'utf8');
    const withStore = original.replace(/^ {2}image: /m, `  artifacts:\n    url: s3://${s3.bucket}/models\n    endpoint: ${s3.endpoint}\n  image: `);
    assert.notEqual(withStore, original, 'slipway.yaml has a spec.image line to put the store before');
    await writeFile(project, withStore);
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
    await s3.stop();
    await repo.dispose();
    for (const name of Object.keys(s3.env)) if (!(name in savedEnv)) delete process.env[name];
  });

  const readSourcesFrom = async (location: string, format: string) => {
    for (const view of VIEWS) {
      const file = path.join(repo.root, 'catalog/features', `${view}.yaml`);
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace(/path: .+\n(\s+)format: \w+/, `path: ${location}\n$1format: ${format}`));
    }
    return loadCatalogOrThrow(repo.root);
  };
  const dumpStore = async () => {
    const keys = (await client.keysBuffer('*')).sort(Buffer.compare);
    return Promise.all(keys.map(async (key) => [key.toString('hex'), await client.hgetallBuffer(key).catch(async () => client.getBuffer(key))]));
  };

  it('fills Redis from an s3:// Parquet source exactly as from the same rows in CSV', async () => {
    const csv = path.join(repo.root, 'data/transactions.csv');
    await writeTransactionsCsv(csv, GENERATED);
    await client.flushall();
    const fromCsv = await materialize({ catalog: await readSourcesFrom('data/transactions.csv', 'csv'), redisUrl: redis.url, workers: 2 });
    const expected = await dumpStore();

    const local = path.join(repo.root, 'transactions.parquet');
    await writeTransactionsParquet(local, GENERATED, { rowGroupSize: 500 });
    await s3.putRaw(DATA_KEY, await readFile(local));
    await client.flushall();
    const fromParquet = await materialize({ catalog: await readSourcesFrom(`s3://${s3.bucket}/${DATA_KEY}`, 'parquet'), redisUrl: redis.url, workers: 2 });

    assert.ok(s3.requests.some((request) => request.method === 'GET' && request.path === `/${s3.bucket}/${DATA_KEY}` && request.status === 200), 'the source came from the store');
    assert.equal(fromParquet.rows, GENERATED.rows);
    assert.equal(fromParquet.badRows, 0);
    // `written` counts writes, and two workers may each write an entity's newest row of their own row groups: compare what Redis holds.
    assert.deepEqual(
      fromParquet.views.map((view) => [view.view, view.outside, view.endMs]),
      fromCsv.views.map((view) => [view.view, view.outside, view.endMs]),
    );
    assert.ok(fromParquet.views.every((view) => view.written > 0));
    assert.ok(expected.length > 200, `${expected.length} keys`);
    assert.deepEqual(await dumpStore(), expected);
  });

  it('fails on a bad row naming its row and column, or skips it by row number', async () => {
    const file = path.join(repo.root, 'bad.parquet');
    const n = 4;
    const at = (i: number) => new Date(Date.UTC(2024, 6, 2, 9, i));
    await writeParquet(
      file,
      [
        column('transaction_id', 'BYTE_ARRAY', ['t1', 't2', 't3', 't4'], { converted_type: 'UTF8' }),
        column('user_id', 'BYTE_ARRAY', ['u1', 'u2', 'u3', 'u4'], { converted_type: 'UTF8' }),
        column('event_time', 'INT64', Array.from({ length: n }, (_, i) => at(i)), { logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } }),
        column('amount', 'DOUBLE', [1, 2, 3, 4]),
        column('transaction_hour', 'INT64', [9n, 9n, 9n, 9n]),
        column('merchant_category', 'BYTE_ARRAY', ['Travel', 'Travel', 'Travel', 'Travel'], { converted_type: 'UTF8' }),
        column('foreign_transaction', 'BOOLEAN', [true, true, true, true]),
        column('location_mismatch', 'BOOLEAN', [false, false, false, false]),
        column('device_trust_score', 'DOUBLE', [50, 50, null, 50]),
        column('velocity_last_24h', 'INT64', [1n, 1n, 1n, 1n]),
        column('cardholder_age', 'INT64', [30n, 30n, 30n, 30n]),
        column('is_fraud', 'INT64', [0n, 0n, 0n, 0n]),
      ],
      { rowGroupSize: 2 },
    );
    await client.flushall();
    const catalog = await loadCatalogOrThrow(repo.root);
    await assert.rejects(
      materialize({ catalog, redisUrl: redis.url, dataFile: file, onBadRow: 'fail', workers: 2 }),
      (error: Error) => error instanceof MaterializeError && error.message === `${file}:row 3: device_trust_score: is missing (use --on-bad-row skip to skip malformed rows)`,
    );
    const skipped: string[] = [];
    const summary = await materialize({ catalog, redisUrl: redis.url, dataFile: file, onBadRow: 'skip', workers: 2, onBadRowSkipped: (_file, _line, problem, where) => skipped.push(`${where}: ${problem}`) });
    assert.deepEqual(skipped, [`${file}:row 3: device_trust_score: is missing`]);
    assert.deepEqual([summary.rows, summary.badRows], [4, 1]);
  });
});
