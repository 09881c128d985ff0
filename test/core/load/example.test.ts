/** The example repository loads into a catalog with the seed's numbers, parsed once. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { environmentsInPromotionOrder, nextEnvironment, type Catalog } from '../../../core/catalog.js';
import { loadCatalogOrThrow } from '../../../core/load/load-catalog.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';
import { loadExampleWith } from '../../support/catalog-fixture.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

describe('the example repository', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  });

  it('holds the fraud detector with its inputs resolved to feature views', () => {
    const card = catalog.models.get('fraud-detector')!;
    assert.equal(card.current.inputs.length, 8);
    const trust = card.current.inputs.find((input) => input.ref === 'behavioral-features:device_trust_score')!;
    assert.equal(trust.dtype, 'float32');
    assert.deepEqual(trust.joinKeys, ['user_id']);
    assert.equal(trust.online, true);
    const previous = card.versions.get('1.4.0');
    assert.ok(previous, 'history versions are addressable');
    assert.ok(!previous.inputs.some((input) => input.feature === 'velocity_last_24h'), '1.4.0 declares its own inputs, without velocity');
    assert.equal(previous.inputs.find((input) => input.feature === 'amount')?.view, 'transaction-features');
  });

  it('lets a history entry without a profile inherit the current one, as the schema says', async () => {
    const text = await readFile(path.join(PROJECT_ROOT, 'catalog/models/fraud-detector.yaml'), 'utf8');
    const history = text.indexOf('  history:');
    const withoutProfile = text.slice(0, history) + text.slice(history).replace(/\n {6}referenceProfile:\n( {8}.*\n)+/, '\n');
    assert.notEqual(withoutProfile, text, 'the 1.4.0 entry had a profile to remove');
    const result = await loadExampleWith({ 'catalog/models/fraud-detector.yaml': withoutProfile });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
    const card = result.catalog.models.get('fraud-detector')!;
    const inherited = card.versions.get('1.4.0')!.referenceProfile!;
    assert.deepEqual(inherited.score, card.current.referenceProfile!.score);
    assert.deepEqual(Object.keys(inherited.inputs).sort(), card.versions.get('1.4.0')!.inputs.map((input) => input.ref).sort(), 'only the inputs 1.4.0 has');
  });

  it('parses durations into milliseconds', () => {
    assert.equal(catalog.featureViews.get('transaction-features')!.ttlMs, 24 * 3_600_000);
    assert.equal(catalog.promotionPolicies.get('to-prod')!.soakMs, 24 * 3_600_000);
    assert.equal(catalog.environments.get('prod')!.onlineStore!.timeoutMs, 5);
  });

  it("carries the seed's promotion criteria", () => {
    const toStaging = catalog.promotionPolicies.get('to-staging')!;
    assert.deepEqual(toStaging.metrics, [
      { metric: 'auc', op: '>', value: 0.9 },
      { metric: 'f1', op: '>', value: 0.85 },
    ]);
    const toProd = catalog.promotionPolicies.get('to-prod')!;
    assert.equal(toProd.manualApproval, true);
    assert.equal(toProd.requireNoFiringAlerts, true);
  });

  it("carries the seed's canary steps and abort thresholds in their units", () => {
    const rollout = catalog.rolloutPolicies.get('fraud-canary')!;
    assert.deepEqual(rollout.steps.map((step) => step.weight), [10, 50, 100]);
    assert.deepEqual(rollout.analysis.checks, [
      { metric: 'error-rate', maxFraction: 0.05 },
      { metric: 'latency-p99', maxMs: 10 },
      { metric: 'f1-drop', maxFraction: 0.05 },
      { metric: 'score-psi', max: 0.2 },
    ]);
  });

  it("carries the seed's drift level", () => {
    const drift = catalog.driftPolicies.get('fraud-drift')!;
    assert.equal(drift.numeric.act, 0.2);
    assert.equal(drift.numeric.statistic, 'psi');
    assert.equal(drift.consecutiveWindows, 2);
  });

  it('orders environments along promotesFrom', () => {
    assert.deepEqual(environmentsInPromotionOrder(catalog).map((env) => env.name), ['dev', 'staging', 'prod']);
    assert.equal(nextEnvironment(catalog, 'staging')?.name, 'prod');
    assert.equal(nextEnvironment(catalog, 'prod'), null);
  });

  it('is immutable', () => {
    const card = catalog.models.get('fraud-detector')!;
    assert.throws(() => {
      (card as { purpose: string }).purpose = 'changed';
    }, TypeError);
  });
});
