/** Leakage on crafted data through the whole training-set builder: a later value never reaches an earlier row. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { writeTransactionsCsv } from '../../features/generate.js';
import { SourceError } from '../../features/source/offline-source.js';
import { TrainingError } from '../../training/training-error.js';
import { buildTrainingSet } from '../../training/training-set.js';
import { copyExampleRepo } from '../support/example-repo.js';
import { TRANSACTION_SCHEMA, writeParquet, writeTransactionsParquet } from '../support/parquet-fixture.js';

describe('training sets', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  before(async () => {
    repo = await copyExampleRepo();
  });
  after(() => repo.dispose());

  it('joins user features as of each transaction, with defaults before the first value or after the TTL', async () => {
    // u1's device trust goes 90 → 10 → 55; each transaction row also carries its own amount.
    const header = 'transaction_id,user_id,event_time,amount,transaction_hour,merchant_category,foreign_transaction,location_mismatch,device_trust_score,velocity_last_24h,cardholder_age,is_fraud';
    const rows = [
      't1,u1,2024-07-01T10:00:00Z,10,10,Grocery,false,false,90,1,30,0',
      't2,u1,2024-07-01T12:00:00Z,20,12,Travel,true,true,10,7,30,1',
      't3,u1,2024-07-03T12:00:01Z,30,12,Grocery,false,false,55,1,30,0',
    ];
    const file = path.join(repo.root, 'crafted.csv');
    await writeFile(file, `${header}\n${rows.join('\n')}\n`);
    const catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('fraud-detector');
    assert.ok(card);
    const set = await buildTrainingSet(catalog, card.current.inputs, 'is_fraud', { dataFile: file });
    const column = (ref: string) => set.raw[set.inputs.findIndex((input) => input.ref === ref)];
    assert.deepEqual(column('transaction-features:amount'), [10, 20, 30]);
    // Row t1 must not see t2's low trust (its future) and t2 must not see t3's.
    assert.deepEqual(column('behavioral-features:device_trust_score'), [90, 10, 55]);
    assert.deepEqual(column('behavioral-features:velocity_last_24h'), [1, 7, 1]);
    assert.deepEqual([...set.y], [0, 1, 0]);
    assert.deepEqual(set.sources, ['crafted.csv']);
  });

  it('never takes a value newer than the row even when the file is out of order', async () => {
    const header = 'transaction_id,user_id,event_time,amount,transaction_hour,merchant_category,foreign_transaction,location_mismatch,device_trust_score,velocity_last_24h,cardholder_age,is_fraud';
    // The label row t9 (11:00) comes first in the file; u9's only other value is at 12:00.
    const rows = ['t9,u9,2024-07-01T11:00:00Z,5,11,Grocery,false,false,70,2,40,0', 't8,u9,2024-07-01T12:00:00Z,6,12,Grocery,false,false,5,9,41,1'];
    const file = path.join(repo.root, 'unordered.csv');
    await writeFile(file, `${header}\n${[...rows].reverse().join('\n')}\n`);
    const catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('fraud-detector');
    assert.ok(card);
    const set = await buildTrainingSet(catalog, card.current.inputs, 'is_fraud', { dataFile: file });
    const trust = set.raw[set.inputs.findIndex((input) => input.ref === 'behavioral-features:device_trust_score')];
    const age = set.raw[set.inputs.findIndex((input) => input.ref === 'user-features:cardholder_age')];
    // File order: t8 (12:00) then t9 (11:00).
    assert.deepEqual(trust, [5, 70]);
    assert.deepEqual(age, [41, 40]);
  });

  it('joins a Parquet source as of each row, to the millisecond of its TIMESTAMP(NANOS) event times', async () => {
    // u1's trust changes 1 ms after t2 (row t2b): t2 must keep its own value, never the one 1 ms in its future.
    const times = [Date.UTC(2024, 6, 1, 10), Date.UTC(2024, 6, 1, 12), Date.UTC(2024, 6, 1, 12, 0, 0, 1), Date.UTC(2024, 6, 3, 12, 0, 0, 2)];
    const values: unknown[][] = [
      ['t1', 'u1', new Date(times[0]), 10, 10n, 'Grocery', false, false, 90, 1n, 30n, 0n],
      ['t2', 'u1', new Date(times[1]), 20, 12n, 'Travel', true, true, 10, 7n, 30n, 1n],
      ['t2b', 'u1', new Date(times[2]), 25, 12n, 'Travel', true, true, 33, 8n, 30n, 0n],
      ['t3', 'u1', new Date(times[3]), 30, 12n, 'Grocery', false, false, 55, 1n, 30n, 0n],
    ];
    const nanos = TRANSACTION_SCHEMA.map((element) => (element.name === 'event_time' ? { ...element, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } as const } : element));
    const file = path.join(repo.root, 'crafted.parquet');
    await writeParquet(file, nanos.map((element, i) => ({ element, data: values.map((row) => row[i]) })), { rowGroupSize: 2 });
    const catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('fraud-detector');
    assert.ok(card);
    const set = await buildTrainingSet(catalog, card.current.inputs, 'is_fraud', { dataFile: file });
    const column = (ref: string) => set.raw[set.inputs.findIndex((input) => input.ref === ref)];
    assert.deepEqual([...set.eventMs], times);
    assert.deepEqual(column('behavioral-features:device_trust_score'), [90, 10, 33, 55]);
    assert.deepEqual(column('transaction-features:amount'), [10, 20, 25, 30]);
    assert.deepEqual([...set.y], [0, 1, 0, 0]);
    assert.deepEqual(set.sources, ['crafted.parquet']);
  });

  it('builds the same training set from Parquet as from the same rows in CSV', async () => {
    const options = { rows: 2_000, seed: 9, days: 3 };
    const csv = path.join(repo.root, 'same.csv');
    const parquet = path.join(repo.root, 'same.parquet');
    await writeTransactionsCsv(csv, options);
    await writeTransactionsParquet(parquet, options, { rowGroupSize: 300 });
    const catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('fraud-detector');
    assert.ok(card);
    const fromCsv = await buildTrainingSet(catalog, card.current.inputs, 'is_fraud', { dataFile: csv });
    const fromParquet = await buildTrainingSet(catalog, card.current.inputs, 'is_fraud', { dataFile: parquet });
    assert.equal(fromParquet.rows, 2_000);
    assert.deepEqual([...fromParquet.eventMs], [...fromCsv.eventMs]);
    assert.deepEqual(fromParquet.raw, fromCsv.raw);
    assert.deepEqual([...fromParquet.y], [...fromCsv.y]);
    assert.ok(fromParquet.y.some((label) => label === 1), 'some rows are fraud');
  });

  it('reads a regression label as a number, and names the file, line and column of one that is not', async () => {
    const header = 'transaction_id,user_id,event_time,amount,transaction_hour,merchant_category,foreign_transaction,location_mismatch,device_trust_score,velocity_last_24h,cardholder_age,is_fraud';
    const rows = ['t1,u1,2024-07-01T10:00:00Z,10,10,Grocery,false,false,90.5,1,30,0', 't2,u1,2024-07-01T12:00:00Z,20,12,Travel,true,true,high,7,30,1'];
    const file = path.join(repo.root, 'label.csv');
    await writeFile(file, `${header}\n${rows.join('\n')}\n`);
    const catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('device-trust-estimator');
    assert.ok(card);
    const skipped: string[] = [];
    const set = await buildTrainingSet(catalog, card.current.inputs, 'device_trust_score', { dataFile: file, labelDtype: 'float64', onBadRow: 'skip', onSkip: (_file, _line, problem, where) => skipped.push(`${where}: ${problem}`) });
    assert.deepEqual([...set.y], [90.5]);
    assert.deepEqual(skipped, [`${file}:3: device_trust_score: expected a number, got "high"`]);
    await assert.rejects(
      buildTrainingSet(catalog, card.current.inputs, 'device_trust_score', { dataFile: file, labelDtype: 'float64', onBadRow: 'fail' }),
      (error: unknown) => error instanceof SourceError && error.message.includes(`${file}:3`) && error.message.includes('device_trust_score: expected a number'),
    );
  });

  it('refuses a label that is also an input read from the same rows', async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('fraud-detector');
    assert.ok(card);
    await assert.rejects(
      buildTrainingSet(catalog, card.current.inputs, 'device_trust_score', { labelDtype: 'float64', dataFile: path.join(repo.root, 'crafted.csv') }),
      (error: unknown) => error instanceof TrainingError && /the label 'device_trust_score' is also the input behavioral-features:device_trust_score/.test(error.message),
    );
  });
});
