/** A canary step advances only after the step's minDuration, whatever its checks say. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Catalog } from '../../../core/catalog.js';
import { loadCatalogOrThrow } from '../../../core/load/load-catalog.js';
import { proposeCanaryStep } from '../../../controllers/proposals/canary-step.js';
import type { ServedArtifact } from '../../../controllers/proposals/served-artifacts.js';
import { makeRepo, type TestRepo } from '../fixtures.js';

describe('a canary step', () => {
  let repo: TestRepo;
  let catalog: Catalog;
  before(async () => {
    repo = await makeRepo();
    catalog = await loadCatalogOrThrow(repo.root);
  });
  after(() => repo.dispose());

  /** Staging's canary at 10 %, served as Git declares, passing every check, after `stepAgeMs`. */
  const decideAfter = (stepAgeMs: number) => {
    const sha = (version: string) => catalog.models.get('fraud-detector')!.versions.get(version)!.artifact.sha256!;
    const now: ServedArtifact[] = [
      { pod: 'pod-a', version: '1.4.0', sha256: sha('1.4.0'), role: 'stable', weight: 90 },
      { pod: 'pod-a', version: '2.0.0', sha256: sha('2.0.0'), role: 'canary', weight: 10 },
    ];
    const served = { now, inWindow: now.map(({ version, sha256 }) => ({ version, sha256 })), queries: { now: 'q', inWindow: 'q' } };
    const checks = catalog.rolloutPolicies.get('fraud-canary')!.analysis.checks.map((check) => ({ check, canary: { value: 0, query: 'q' }, stable: { value: 0, query: 'q' } }));
    return proposeCanaryStep(catalog, { environment: 'staging', model: 'fraud-detector', analysis: { served, canaryRequests: { value: 10_000, query: 'q' }, checks, latencySeries: [] }, stepAgeMs });
  };

  it("waits until the step has run its minDuration (1h at 10 %), then proposes the next step's weight", () => {
    const early = decideAfter(59 * 60_000);
    assert.equal(early.kind, 'wait');
    assert.match(early.kind === 'wait' ? early.reasons.join('\n') : '', /step at 10 % has run 59m/);
    const due = decideAfter(60 * 60_000);
    assert.equal(due.kind, 'propose', JSON.stringify(due));
    assert.match(due.kind === 'propose' ? due.proposal.title : '', /to 50 %/);
  });
});
