/** What the bundle takes from documents the runtime never reads itself. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildBundle } from '../../core/bundle.js';
import { loadExampleWith } from '../support/catalog-fixture.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

describe('the runtime bundle', () => {
  it("gives each input the value types of its view's join keys, from the entities", async () => {
    const entities = await readFile(path.join(PROJECT_ROOT, 'catalog/features/entities.yaml'), 'utf8');
    const changed = entities.replace('joinKey: user_id\n  valueType: string', 'joinKey: user_id\n  valueType: int64');
    assert.notEqual(changed, entities);
    const result = await loadExampleWith({ 'catalog/features/entities.yaml': changed });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
    const inputs = buildBundle(result.catalog, 'dev', 'fraud-detector').versions[0].inputs;
    assert.deepEqual(inputs.find((input) => input.ref === 'behavioral-features:velocity_last_24h')?.joinKeyTypes, ['int64']);
    assert.deepEqual(inputs.find((input) => input.ref === 'transaction-features:amount')?.joinKeyTypes, ['string']);
  });
});
