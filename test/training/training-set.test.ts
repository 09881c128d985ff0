/** Leakage on crafted data through the whole training-set builder: a later value never reaches an earlier row. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { buildTrainingSet } from '../../training/training-set.js';
import { copyExampleRepo } from '../support/example-repo.js';

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
});
