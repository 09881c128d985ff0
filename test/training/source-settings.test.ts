/** A feature view's source path and timestamp field decide which file and column training reads. */
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { buildTrainingSet } from '../../training/training-set.js';
import { copyExampleRepo } from '../support/example-repo.js';

const HEADER = 'transaction_id,user_id,occurred_at,amount,transaction_hour,merchant_category,foreign_transaction,location_mismatch,device_trust_score,velocity_last_24h,cardholder_age,is_fraud';
const ROWS = [
  // Out of order on purpose: only the declared time column can put them back in order.
  't2,u1,2024-07-01T12:00:00Z,20,12,Travel,true,true,10,7,30,1',
  't1,u1,2024-07-01T10:00:00Z,10,10,Grocery,false,false,90,1,30,0',
];

describe('a feature view source', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  before(async () => {
    repo = await copyExampleRepo();
    await writeFile(path.join(repo.root, 'renamed.csv'), `${HEADER}\n${ROWS.join('\n')}\n`);
    const folder = path.join(repo.root, 'catalog/features');
    for (const file of (await readdir(folder)).filter((name) => name.endsWith('-features.yaml'))) {
      const text = await readFile(path.join(folder, file), 'utf8');
      const changed = text.replace('path: data/transactions.csv', 'path: renamed.csv').replace('timestampField: event_time', 'timestampField: occurred_at');
      assert.ok(changed.includes('renamed.csv') && changed.includes('occurred_at'), `${file} changed shape; update this test`);
      await writeFile(path.join(folder, file), changed);
    }
  });
  after(() => repo.dispose());

  it('is read from its path, with event times from its timestampField', async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    const inputs = catalog.models.get('fraud-detector')!.current.inputs;
    const set = await buildTrainingSet(catalog, inputs, 'is_fraud');
    assert.deepEqual(set.sources, ['renamed.csv']);
    const column = (ref: string) => set.raw[set.inputs.findIndex((input) => input.ref === ref)];
    const byTime = [...set.eventMs].map((time, row) => [time, column('transaction-features:amount')[row]]).sort(([a], [b]) => Number(a) - Number(b));
    assert.deepEqual(byTime, [
      [Date.parse('2024-07-01T10:00:00Z'), 10],
      [Date.parse('2024-07-01T12:00:00Z'), 20],
    ]);
  });
});
