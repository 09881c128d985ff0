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

  it("carries the card's output, and the environment's Redis time budget and audit sample rate", async () => {
    const read = (file: string) => readFile(path.join(PROJECT_ROOT, file), 'utf8');
    const card = (await read('catalog/models/fraud-detector.yaml')).replace('threshold: 0.5\n    classes: [legitimate, fraud]', 'threshold: 0.7\n    classes: [ok, flagged]');
    const dev = (await read('environments/dev.yaml')).replace('    timeout: 5ms\n', '    timeout: 20ms\n').replace('  deployments:\n', '  runtime:\n    auditSampleRate: 0.25\n  deployments:\n');
    assert.ok(card.includes('flagged') && dev.includes('20ms') && dev.includes('0.25'), 'the example changed shape; update this test');
    const result = await loadExampleWith({ 'catalog/models/fraud-detector.yaml': card, 'environments/dev.yaml': dev });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
    const bundle = buildBundle(result.catalog, 'dev', 'fraud-detector');
    assert.deepEqual(bundle.output, { threshold: 0.7, classes: ['ok', 'flagged'] });
    assert.equal(bundle.onlineStore?.timeoutMs, 20);
    assert.equal(bundle.auditSampleRate, 0.25);
    assert.equal(buildBundle(result.catalog, 'prod', 'fraud-detector').onlineStore?.timeoutMs, 5);
  });
});
