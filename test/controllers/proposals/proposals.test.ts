/** The proposal functions are pure: the same catalog and evidence always decide the same way. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Catalog } from '../../../core/catalog.js';
import { loadCatalogOrThrow } from '../../../core/load/load-catalog.js';
import { currentStep, proposeCanaryStep } from '../../../controllers/proposals/canary-step.js';
import { bumpTriggerId } from '../../../controllers/proposals/drift.js';
import { proposePromotion } from '../../../controllers/proposals/promotion.js';
import { proposeNewVersion } from '../../../controllers/proposals/retrain-result.js';
import type { ServedArtifact, ServedArtifacts } from '../../../controllers/proposals/served-artifacts.js';
import { makeRepo, trainingResult, type TestRepo } from '../fixtures.js';

/** What pods report in slipway_model_info, with the queries named for the reasons. */
function served(now: ServedArtifact[], inWindow = now.map(({ version, sha256 }) => ({ version, sha256 }))): ServedArtifacts {
  return { now, inWindow, queries: { now: 'now-query', inWindow: 'window-query' } };
}

describe('proposal functions', () => {
  let repo: TestRepo;
  let catalog: Catalog;
  /** Staging as Git declares it: stable 1.4.0, canary 2.0.0 at 10 %, with the card's sha256s, in one pod. */
  const declared = (pod = 'pod-a'): ServedArtifact[] => {
    const sha = (version: string) => catalog.models.get('fraud-detector')!.versions.get(version)!.artifact.sha256!;
    return [
      { pod, version: '1.4.0', sha256: sha('1.4.0'), role: 'stable', weight: 90 },
      { pod, version: '2.0.0', sha256: sha('2.0.0'), role: 'canary', weight: 10 },
    ];
  };
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

  it('judge a canary only on pods that serve the weights Git declares, saying which pod serves what', () => {
    const failing = { value: 1, query: 'error-rate' };
    const checks = [{ check: catalog.rolloutPolicies.get('fraud-canary')!.analysis.checks.find((check) => check.metric === 'error-rate')!, canary: failing, stable: { value: 0, query: 'q' } }];
    const decide = (servedArtifacts: ServedArtifacts) =>
      proposeCanaryStep(catalog, { environment: 'staging', model: 'fraud-detector', analysis: { served: servedArtifacts, canaryRequests: { value: 10_000, query: 'q' }, checks, latencySeries: [] }, stepAgeMs: 10 * 3600_000 });
    const reasons = (decision: ReturnType<typeof decide>) => (decision.kind === 'wait' ? decision.reasons : [`decided ${decision.kind}`]);
    const [stable, canary] = declared();

    // Git's weights everywhere: the failing error rate aborts.
    assert.equal(decide(served([...declared('pod-a'), ...declared('pod-b')])).kind, 'propose');
    // A pod that has not loaded the canary yet.
    assert.deepEqual(reasons(decide(served([...declared('pod-a'), { ...stable, pod: 'pod-b', weight: 100 }]))), ['pod pod-b does not serve canary 2.0.0 yet (it serves 1.4.0 as stable)']);
    // Other bytes under the canary's version.
    const other = { ...canary, sha256: 'f'.repeat(64) };
    assert.deepEqual(reasons(decide(served([stable, other]))), [
      `pod pod-a serves 2.0.0 with sha256 ffffffffffff, the card declares ${canary.sha256.slice(0, 12)}`,
      `in the analysis window 2.0.0 was also served with sha256 ffffffffffff (the card declares ${canary.sha256.slice(0, 12)}): its metrics mix artifacts; window-query`,
    ]);
    // Git's bytes now, but the window's metrics came partly from others.
    assert.match(reasons(decide(served(declared(), [...declared(), other])))[0], /^in the analysis window 2\.0\.0 was also served with sha256 ffffffffffff/);
    // The canary still at the previous step's weight.
    assert.deepEqual(reasons(decide(served([stable, { ...canary, weight: 5 }]))), ['pod pod-a serves the canary 2.0.0 at 5 %, Git declares 10 %']);
    // Nothing reports, or Prometheus fails: no evidence at all.
    assert.match(reasons(decide(served([])))[0], /^no pod of fraud-detector reports slipway_model_info.*: now-query$/);
    assert.match(reasons(decide({ ...served([]), error: 'HTTP 503' }))[0], /^cannot read which weights the pods serve \(HTTP 503\)/);
  });

  it('wait on a canary without enough requests, saying how many it saw', () => {
    const decision = proposeCanaryStep(catalog, {
      environment: 'staging',
      model: 'fraud-detector',
      analysis: { served: served(declared()), canaryRequests: { value: 12, query: 'q' }, checks: [], latencySeries: [] },
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
