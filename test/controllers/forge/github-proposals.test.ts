/** Canary, abort and drift proposals through the GitHub forge, judged from a real Prometheus. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseMarker } from '../../../controllers/body/marker.js';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { PrometheusSource } from '../../../controllers/sources/prometheus.js';
import { driftSamplesQuery, errorRateQuery, requestsQuery } from '../../../controllers/sources/queries.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, type TestRepo } from '../fixtures.js';
import { serveAsDeclared, startMetricsLab, type MetricsLab } from '../metrics-endpoint.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';

describe('metric-driven proposals on the GitHub forge', () => {
  let lab: MetricsLab;
  let repo: TestRepo;
  let github: FakeGitHub;
  let forge: GitHubForge;
  const canary = { namespace: 'ml-staging', model: 'fraud-detector', version: '2.0.0' };
  const run = () => reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, metricsFor: () => new PrometheusSource(lab.prometheus.url) });

  before(async () => {
    lab = await startMetricsLab();
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    forge = new GitHubForge(githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir }), () => {}, { retryAfterBaseValue: 20, pacing: 'none' });
    await serveAsDeclared(lab, PROJECT_ROOT, 'staging');
    lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.05 });
    lab.set('ml-staging', 'fraud-detector', '1.4.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.04 });
    lab.set('ml-prod', 'fraud-detector', '1.4.0', { requests: 5, errors: 0, latencySeconds: 0.002, scorePsi: 0.05, featurePsi: { 'transaction-features:amount': 0.6, 'behavioral-features:device_trust_score': 0.4 }, driftSamples: 1000 });
    await lab.waitFor(requestsQuery(canary, 600_000), (value) => value > 600);
    await lab.waitFor(driftSamplesQuery({ namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0' }, 3000, 3000), (value) => value >= 1000);
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
    await lab.stop();
  });

  it('opens the canary step and the retrain request once each', async () => {
    const first = await run();
    assert.deepEqual(first.proposals.map((proposal) => [proposal.key, proposal.outcome]).sort(), [
      ['canary/fraud-detector/staging', 'opened'],
      ['retrain/fraud-detector/prod', 'opened'],
    ]);
    const second = await run();
    assert.deepEqual(second.proposals.map((proposal) => proposal.outcome), ['unchanged', 'unchanged']);
    assert.equal(github.pulls.length, 2);
    assert.deepEqual(github.invalidBodies, []);
  });

  it('aborts a failing canary with GitHub auto-merge and closes the superseded step', async () => {
    // Auto-merge is off on GitHub by default, and refused for a PR with no required check to wait for.
    github.settings.allow_auto_merge = true;
    github.protection = { requiredChecks: ['test'], strict: false };
    lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 20, latencySeconds: 0.002, scorePsi: 0.05 });
    await lab.waitFor(errorRateQuery(canary, 600_000), (value) => value > 0.08);
    const report = await run();
    const abort = report.proposals.find((proposal) => proposal.key === 'abort/fraud-detector/staging')!;
    assert.equal(abort.outcome, 'auto-merged');
    const pull = github.pulls.find((candidate) => candidate.number === abort.pr)!;
    assert.deepEqual(pull.auto_merge, { merge_method: 'merge' }, 'GitHub merges it once required checks pass');
    assert.equal(parseMarker(pull.body)!.rollsBack, '2.0.0');
    const step = github.pulls.find((candidate) => candidate.head.ref === 'slipway/canary/fraud-detector/staging')!;
    assert.equal(step.state, 'closed');
    assert.ok(step.labels.includes('slipway/superseded'));
    assert.ok(github.requests.some((request) => request.path === '/graphql'));
    assert.deepEqual(github.invalidBodies, []);
  });
});
