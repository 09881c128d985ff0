/**
 * Each proposal is reconciled in isolation: GitHub refusing one proposal's branch write is reported
 * for that proposal and the others still open; credentials that do not work stop the run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { TerminalForgeError } from '../../../controllers/forge/forge.js';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { PrometheusSource } from '../../../controllers/sources/prometheus.js';
import { driftSamplesQuery, requestsQuery } from '../../../controllers/sources/queries.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, type TestRepo } from '../fixtures.js';
import { serveAsDeclared, startMetricsLab, type MetricsLab } from '../metrics-endpoint.js';

const CANARY = 'canary/fraud-detector/staging';
const RETRAIN = 'retrain/fraud-detector/prod';

describe('one proposal failing on GitHub', () => {
  let lab: MetricsLab;
  let repo: TestRepo;
  let github: FakeGitHub;
  const logged: string[] = [];
  const run = () => {
    const forge = new GitHubForge(githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir }), () => {}, { retryAfterBaseValue: 20, pacing: 'none' });
    return reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, metricsFor: () => new PrometheusSource(lab.prometheus.url), log: (message) => logged.push(message) });
  };

  before(async () => {
    lab = await startMetricsLab();
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    await serveAsDeclared(lab, PROJECT_ROOT, 'staging');
    lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.05 });
    lab.set('ml-staging', 'fraud-detector', '1.4.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.04 });
    lab.set('ml-prod', 'fraud-detector', '1.4.0', { requests: 5, errors: 0, latencySeconds: 0.002, scorePsi: 0.05, featurePsi: { 'transaction-features:amount': 0.6, 'behavioral-features:device_trust_score': 0.4 }, driftSamples: 1000 });
    await lab.waitFor(requestsQuery({ namespace: 'ml-staging', model: 'fraud-detector', version: '2.0.0' }, 600_000), (value) => value > 600);
    await lab.waitFor(driftSamplesQuery({ namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0' }, 3000, 3000), (value) => value >= 1000);
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
    await lab.stop();
  });

  it('reports the proposal whose branch GitHub refuses, and opens the one after it', async () => {
    // The canary step comes first (staging before prod): its failure must not skip the retrain request.
    github.injectFault({ method: 'post', path: '/git/refs', body: `slipway/${CANARY}`, always: true, kind: 'answer', status: 422, message: 'Reference update failed' });
    const report = await run();
    assert.deepEqual(report.proposals.map((proposal) => [proposal.key, proposal.outcome]), [
      [CANARY, 'failed'],
      [RETRAIN, 'opened'],
    ]);
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0], new RegExp(`^${CANARY}: writing branch slipway/${CANARY}: Reference update failed`));
    assert.deepEqual(github.pulls.map((pull) => pull.head.ref), [`slipway/${RETRAIN}`]);
    assert.equal(await github.branchSha(`slipway/${CANARY}`), null);
    assert.ok(logged.includes('proposal failed; the others proceed'));
  });

  it('opens the failed proposal on the next reconcile once GitHub takes the write', async () => {
    github.clearFaults();
    const report = await run();
    assert.deepEqual(report.proposals.map((proposal) => [proposal.key, proposal.outcome]), [
      [CANARY, 'opened'],
      [RETRAIN, 'unchanged'],
    ]);
    assert.deepEqual(report.problems, []);
    assert.equal(github.pulls.length, 2);
  });

  it('stops the run when the credentials stop working, rather than failing each proposal', async () => {
    // The canary's branch vanishes behind GitHub's back, so the first proposal must write it again.
    await simpleGit(github.gitDir).raw(['update-ref', '-d', `refs/heads/slipway/${CANARY}`]);
    github.injectFault({ method: 'post', path: '/git/refs', always: true, kind: 'answer', status: 401, message: 'Bad credentials' });
    await assert.rejects(run(), (error: unknown) => error instanceof TerminalForgeError && /writing branch slipway\/canary.*Bad credentials/.test(error.message));
    github.clearFaults();
  });
});
