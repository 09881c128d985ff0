/**
 * The GitHub forge against a loopback server that follows GitHub's REST shapes over a real bare
 * repository; every request body is checked against GitHub's OpenAPI description.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { parseMarker } from '../../../controllers/body/marker.js';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { loadCatalog } from '../../../core/load/load-catalog.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, trainingResult, writeResult, type TestRepo } from '../fixtures.js';

describe('the GitHub forge', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  let forge: GitHubForge;
  const logged: string[] = [];
  const run = () => reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results });

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    const settings = githubSettingsFromEnv({ GITHUB_TOKEN: 'test-token', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir });
    forge = new GitHubForge(settings, (message) => logged.push(message), { retryAfterBaseValue: 20, pacing: 'none' });
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
  });

  it('opens a PR whose branch was written through the Git data API', async () => {
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'opened', pr: 1 }]);
    assert.equal(github.pulls.length, 1);
    const [pull] = github.pulls;
    assert.equal(pull.head.ref, 'slipway/version/fraud-detector/dev');
    assert.deepEqual([...pull.labels].sort(), ['slipway', 'slipway/version']);
    assert.match(pull.body ?? '', /\| auc \| 0\.965 \| > 0\.9 \| ✅ pass \|/);
    const card = await simpleGit(github.gitDir).show([`${pull.head.ref}:catalog/models/fraud-detector.yaml`]);
    assert.match(card, /^ {2}version: 2\.1\.0$/m);
    const paths = github.requests.map((request) => `${request.method} ${request.path.replace(/^\/repos\/acme\/fraud-platform/, '')}`);
    for (const expected of ['post /git/blobs', 'post /git/trees', 'post /git/commits', 'post /git/refs', 'post /pulls', 'post /issues/1/labels']) assert.ok(paths.includes(expected), `${expected} in ${paths.join(', ')}`);
    assert.deepEqual(github.invalidBodies, []);
  });

  it('writes nothing when run again with the same inputs', async () => {
    const before = github.requests.length;
    const report = await run();
    assert.equal(report.proposals[0].outcome, 'unchanged');
    const writes = github.requests.slice(before).filter((request) => request.method !== 'get');
    assert.deepEqual(writes, []);
    assert.equal(github.pulls.length, 1);
  });

  it('gets through 5xx, a secondary rate limit and a 429 with retry-after while updating the PR', async () => {
    github.injectFault({ method: 'get', path: '/pulls', kind: '5xx' });
    github.injectFault({ method: 'post', path: '/git/blobs', kind: 'secondary-rate-limit' });
    github.injectFault({ method: 'patch', path: '/pulls/1', kind: '429' });
    const before = github.requests.length;
    await writeResult(repo.results, 'fraud-detector.json', trainingResult({ candidateVersion: '2.2.0', metrics: { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'updated', pr: 1 }]);
    const statuses = github.requests.slice(before).map((request) => request.status);
    for (const status of [502, 403, 429]) assert.ok(statuses.includes(status), `a ${status} was served and survived`);
    assert.equal(github.pulls.length, 1);
    assert.equal(parseMarker(github.pulls[0].body)!.subject, '2.2.0');
    assert.match(github.pulls[0].comments.at(-1)!, /subject: 2\.1\.0 → 2\.2\.0/);
    assert.ok(logged.includes('github secondary rate limit'));
    assert.deepEqual(github.invalidBodies, []);
  });

  it('does not reopen a PR a person closed unmerged', async () => {
    github.pulls[0].state = 'closed';
    const report = await run();
    assert.equal(report.proposals[0].outcome, 'declined');
    assert.equal(github.pulls.length, 1);
  });

  it('enables auto-merge through GraphQL only when asked, where the repository allows it and a check is required', async () => {
    // GitHub's defaults refuse auto-merge; a PR with nothing to wait for is refused as "clean".
    github.settings.allow_auto_merge = true;
    github.protection = { requiredChecks: ['test'], strict: false };
    const { pr } = await forge.ensurePullRequest({ branch: 'slipway/version/fraud-detector/dev', base: 'main', title: 'Reopened by hand', body: 'x', labels: ['slipway'], managedLabels: ['slipway'] });
    assert.equal(pr.number, 2);
    assert.equal(github.pulls[1].auto_merge, null);
    assert.deepEqual(await forge.enableAutoMerge(2, pr.headSha!), { kind: 'enabled', method: 'merge' });
    assert.deepEqual(github.pulls[1].auto_merge, { merge_method: 'merge' });
    assert.ok(github.requests.some((request) => request.path === '/graphql'));
    await forge.close(2);
    github.settings.allow_auto_merge = false;
    github.protection = null;
  });

  it('yields a catalog that validates once a person merges the PR', async () => {
    await writeResult(repo.results, 'fraud-detector.json', trainingResult({ candidateVersion: '2.3.0', metrics: { auc: 0.975, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    const report = await run();
    assert.equal(report.proposals[0].outcome, 'opened');
    await github.mergePull(report.proposals[0].pr!);
    const checkout = await mkdtemp(path.join(tmpdir(), 'slipway-merged-'));
    try {
      await simpleGit().clone(github.gitDir, checkout, ['--quiet', '--branch', 'main']);
      const loaded = await loadCatalog(checkout);
      assert.ok(loaded.ok, loaded.ok ? '' : loaded.diagnostics.map((d) => d.message).join('\n'));
      assert.equal(loaded.catalog.models.get('fraud-detector')!.current.version, '2.3.0');
    } finally {
      await rm(checkout, { recursive: true, force: true });
    }
    assert.deepEqual(github.invalidBodies, []);
  });
});

describe('GitHub settings', () => {
  it('come from the environment and name what is missing', () => {
    assert.throws(() => githubSettingsFromEnv({ GITHUB_REPOSITORY: 'acme/x' }), /set GITHUB_TOKEN, or GITHUB_APP_ID/);
    assert.throws(() => githubSettingsFromEnv({ GITHUB_TOKEN: 't' }), /GITHUB_REPOSITORY must be set/);
    assert.throws(() => githubSettingsFromEnv({ GITHUB_REPOSITORY: 'acme/x', GITHUB_APP_ID: '1' }), /GITHUB_APP_PRIVATE_KEY/);
    const enterprise = githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: 'https://ghe.example.com/api/v3' }, 'acme/fraud');
    assert.equal(enterprise.gitUrl, 'https://ghe.example.com/acme/fraud.git');
    assert.deepEqual(enterprise.auth, { type: 'token', token: 't' });
  });
});
