/**
 * The reconcile finds its pull requests by head branch and its merged rollbacks by label, so its
 * GitHub calls do not grow with the repository's pull requests (5,000 closed ones here).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatMarker } from '../../../controllers/body/marker.js';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, trainingResult, writeResult, type TestRepo } from '../fixtures.js';

describe('finding pull requests on a GitHub repository with 5,000 closed ones', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  const forge = () => new GitHubForge(githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir }), () => {}, { retryAfterBaseValue: 20, pacing: 'none' });
  const run = () => reconcile({ forge: forge(), workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results });
  const callsOf = async (work: () => Promise<unknown>) => {
    const start = github.requests.length;
    await work();
    return github.requests.slice(start).map((request) => `${request.method} ${request.path.replace(/^\/repos\/acme\/fraud-platform/, '')}${request.query}`);
  };

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    for (let n = 0; n < 5000; n++) await github.addPastPull({ branch: `feature/change-${n}`, merged: n % 2 === 0 });
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
  });

  it('opens and re-reads a proposal with a handful of look-ups, none of them a full listing', async () => {
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
    assert.equal((await run()).proposals[0].outcome, 'opened');
    const calls = await callsOf(async () => assert.equal((await run()).proposals[0].outcome, 'unchanged'));
    const lookups = calls.filter((call) => call.startsWith('get /pulls') || call.startsWith('get /issues'));
    assert.ok(lookups.every((call) => /[?&]head=acme%3Aslipway%2F|[?&]labels=slipway%2F/.test(call)), lookups.join('\n'));
    assert.deepEqual(lookups.filter((call) => call.startsWith('get /issues')).map((call) => /labels=([^&]+)/.exec(call)![1]).sort(), ['slipway%2Fabort', 'slipway%2Frollback']);
    assert.ok(calls.length <= 6, `${calls.length} calls: ${calls.join(', ')}`);
    // The old way, for comparison: one call per 100 pull requests.
    const listing = await callsOf(() => forge().listPullRequests('slipway/'));
    assert.ok(listing.length >= 50, `${listing.length} calls to list every pull request`);
  });

  it('still finds the versions merged rollbacks took out, by their label', async () => {
    const rollback = formatMarker({ key: 'rollback/fraud-detector/dev', subject: '2.2.0', fingerprint: 'f', rollsBack: '2.2.0', evidence: {} });
    await github.addPastPull({ branch: 'slipway/rollback/fraud-detector/dev', body: `Rolled back.\n\n${rollback}\n`, merged: true, labels: ['slipway', 'slipway/rollback'] });
    await writeResult(repo.results, 'fraud-detector.json', trainingResult({ candidateVersion: '2.2.0', metrics: { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    const report = await run();
    assert.deepEqual(report.proposals.map((proposal) => proposal.outcome), ['rolled-back']);
    // A closed, unmerged rollback takes nothing out.
    const unmerged = formatMarker({ key: 'rollback/fraud-detector/dev', subject: '2.3.0', fingerprint: 'f', rollsBack: '2.3.0', evidence: {} });
    await github.addPastPull({ branch: 'slipway/rollback/fraud-detector/dev', body: unmerged, merged: false, labels: ['slipway', 'slipway/rollback'] });
    await writeResult(repo.results, 'fraud-detector.json', trainingResult({ candidateVersion: '2.3.0', metrics: { auc: 0.975, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    assert.deepEqual((await run()).proposals.map((proposal) => proposal.outcome), ['updated']);
  });
});
