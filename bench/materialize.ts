/**
 * bench/materialize: rows per second from a 1M-row CSV into a real Redis in Feast's layout, where
 * the time goes (parse, encode, client), and the ratio against a naive single-connection ioredis
 * writer measured in the same run; then the training time for 100k rows.
 * Run: node build/bench/materialize.js [rows]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { FileStore } from '../core/artifact-store/file-store.js';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { encodeTimestamp, encodeValue, featureField, redisKeyOf, timestampField } from '../core/online-store/feast-layout.js';
import { writeTransactionsCsv } from '../features/generate.js';
import { materialize } from '../features/materialize/materialize.js';
import { UPSERT_IF_NEWER_LUA } from '../features/materialize/upsert-script.js';
import { readTypedRows } from '../features/source/offline-source.js';
import { trainModel } from '../training/train-model.js';
import { copyExampleRepo } from '../test/support/example-repo.js';
import { startRedis } from '../test/support/redis-server.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = await mkdtemp(path.join(tmpdir(), 'slipway-bench-'));
const repo = await copyExampleRepo();
const redis = await startRedis();
try {
  // Every row inside the TTL, so each one is really written (the example's 24h TTL would skip most).
  for (const name of ['behavioral-features', 'transaction-features', 'user-features']) {
    const file = path.join(repo.root, 'catalog/features', `${name}.yaml`);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/ttl: \w+/, 'ttl: 400d'));
  }
  const csv = path.join(dir, 'transactions.csv');
  const generated = performance.now();
  await writeTransactionsCsv(csv, { rows, seed: 1 });
  console.log(`generated ${rows.toLocaleString('en-US')} rows in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
  const catalog = await loadCatalogOrThrow(repo.root);
  const views = [...catalog.featureViews.values()].filter((view) => view.online);

  // Baseline: one ioredis connection, parse and encode on the main thread, one EVALSHA per row and view.
  const client = new Redis(redis.url);
  const sha = (await client.script('LOAD', UPSERT_IF_NEWER_LUA)) as string;
  const columns = [...new Map(views.flatMap((view) => [...view.joinKeys.map((k) => ({ name: k, dtype: 'string' as const })), ...view.features.map((f) => ({ name: f.name, dtype: f.dtype }))]).map((c) => [c.name, c])).values()];
  const plans = views.map((view) => ({
    view,
    keyColumn: columns.findIndex((c) => c.name === view.joinKeys[0]),
    featureColumns: view.features.map((f) => columns.findIndex((c) => c.name === f.name)),
    fields: view.features.map((f) => featureField(view.name, f.name)),
  }));
  const baselineStart = performance.now();
  let pipeline = client.pipeline();
  let queued = 0;
  let baselineRows = 0;
  // The naive writer is slow: measure it on the first 200k rows (its rate does not depend on the size).
  const baselineLimit = Math.min(rows, 100_000);
  for await (const row of readTypedRows(csv, 'csv', { timestampField: 'event_time', columns })) {
    if (baselineRows === baselineLimit) break;
    baselineRows += 1;
    for (const { view, keyColumn, featureColumns, fields } of plans) {
      const args: (string | Buffer)[] = [timestampField(view.name), String(row.eventMs), String(view.ttlMs), encodeTimestamp(row.eventMs), String(view.features.length)];
      view.features.forEach((feature, f) => args.push(fields[f], encodeValue(feature.dtype, row.values[featureColumns[f]])));
      pipeline.evalsha(sha, 1, redisKeyOf([{ name: view.joinKeys[0], valueType: 'string', value: row.values[keyColumn] as string }], catalog.project.name), ...args);
      queued += 1;
    }
    if (queued >= 3000) {
      await pipeline.exec();
      pipeline = client.pipeline();
      queued = 0;
    }
  }
  await pipeline.exec();
  const baselineSeconds = (performance.now() - baselineStart) / 1000;
  const baselineRate = baselineRows / baselineSeconds;
  console.log(`baseline (1 ioredis connection, main thread): ${baselineRows.toLocaleString('en-US')} rows in ${baselineSeconds.toFixed(1)} s = ${Math.round(baselineRate).toLocaleString('en-US')} rows/s`);
  await client.flushall();
  client.disconnect();

  const summary = await materialize({ catalog, redisUrl: redis.url, dataFile: csv });
  const seconds = summary.elapsedMs / 1000;
  const rate = summary.rows / seconds;
  const work = summary.parseMs + summary.encodeMs + summary.clientMs;
  const share = (ms: number) => `${((100 * ms) / work).toFixed(0)} %`;
  const written = summary.views.reduce((sum, view) => sum + view.written, 0);
  console.log(`slipway materialize (worker threads, raw RESP): ${summary.rows.toLocaleString('en-US')} rows, ${written.toLocaleString('en-US')} keys written in ${seconds.toFixed(1)} s = ${Math.round(rate).toLocaleString('en-US')} rows/s`);
  console.log(`  worker time: parse ${share(summary.parseMs)}, encode ${share(summary.encodeMs)}, client (Redis round trips) ${share(summary.clientMs)}`);
  console.log(`  wall time includes the pre-scan for the newest event time (the default --end)`);
  console.log(`  ratio against the baseline: ${(rate / baselineRate).toFixed(2)}x (bar: >= 50,000 rows/s)`);

  const trainCsv = path.join(dir, 'train.csv');
  await writeTransactionsCsv(trainCsv, { rows: 100_000, seed: 1 });
  const trainStart = performance.now();
  const outcome = await trainModel({ catalog, model: 'fraud-detector', dataFile: trainCsv, store: new FileStore(dir), version: '9.9.9' });
  console.log(`training fraud-detector on 100,000 rows (${outcome.result.trainingData.rows} train + ${outcome.result.holdout.rows} holdout, 100 trees, depth 6, + logistic baseline): ${((performance.now() - trainStart) / 1000).toFixed(1)} s, holdout AUC ${outcome.result.metrics.auc} (baseline ${outcome.baseline.auc})`);
} finally {
  await redis.stop();
  await repo.dispose();
  await rm(dir, { recursive: true, force: true });
}
