/** The proposal functions are pure: the same catalog and evidence always decide the same way. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Catalog } from '../../../core/catalog.js';
import { loadCatalogOrThrow } from '../../../core/load/load-catalog.js';
import { currentStep, proposeCanaryStep } from '../../../controllers/proposals/canary-step.js';
import { bumpTriggerId } from '../../../controllers/proposals/drift.js';
import { proposePromotion } from '../../../controllers/proposals/promotion.js';
import { proposeNewVersion } from '../../../controllers/proposals/retrain-result.js';
import { makeRepo, trainingResult, type TestRepo } from '../fixtures.js';

describe('proposal functions', () => {
  let repo: TestRepo;
  let catalog: Catalog;
  before(async () => {
    repo = await makeRepo();
    catalog = await loadCatalogOrThrow(repo.root);
  });
  after(() => repo.dispose());

  it('bump trigger ids within the schema', () => {
    assert.equal(bumpTriggerId('t1'), 't2');
    assert.equal(bumpTriggerId('t9'), 't10');
    assert.equal(bumpTriggerId('nightly'), 'nightly-2');
  });

  it('place a canary weight on the last step it reached', () => {
    const rollout = catalog.rolloutPolicies.get('fraud-canary')!;
    const weights = rollout.steps.map((step) => step.weight);
    assert.equal(currentStep(rollout, weights[0]), 0);
    assert.equal(currentStep(rollout, weights.at(-1)!), weights.length - 1);
  });

  it('refuse results for unknown models, old versions and versions already in the card', () => {
    const unknown = proposeNewVersion(catalog, { result: trainingResult({ model: 'nope' }), origin: 'r.json' });
    assert.equal(unknown.kind, 'reject');
    const old = proposeNewVersion(catalog, { result: trainingResult({ candidateVersion: '1.0.0' }), origin: 'r.json' });
    assert.deepEqual(old.kind === 'reject' && old.reasons, ['r.json: candidate 1.0.0 is not newer than the current 2.0.0']);
    const present = proposeNewVersion(catalog, { result: trainingResult({ candidateVersion: '2.0.0' }), origin: 'r.json' });
    assert.equal(present.kind, 'wait');
  });

  it('are deterministic: the same inputs give byte-identical proposals', () => {
    const a = proposeNewVersion(catalog, { result: trainingResult(), origin: 'r.json' });
    const b = proposeNewVersion(catalog, { result: trainingResult(), origin: 'r.json' });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.equal(a.kind === 'propose' && a.proposal.branch, 'slipway/version/fraud-detector/dev');
  });

  it('wait on a canary without enough requests, saying how many it saw', () => {
    const decision = proposeCanaryStep(catalog, {
      environment: 'staging',
      model: 'fraud-detector',
      analysis: { canaryRequests: { value: 12, query: 'q' }, checks: [], latencySeries: [] },
      stepAgeMs: 10 * 3600_000,
    });
    assert.equal(decision.kind, 'wait');
    assert.match(decision.kind === 'wait' ? decision.reasons[0] : '', /canary requests in the window: 12; the policy needs \d+/);
  });

  it('do not promote into an environment that already runs a canary', () => {
    const decision = proposePromotion(catalog, { from: 'dev', to: 'staging', model: 'fraud-detector', servedForMs: 1e9, firingAlerts: { value: 0, query: 'q' } });
    assert.deepEqual(decision.kind === 'wait' && decision.reasons, ['staging already runs canary 2.0.0']);
  });
});
