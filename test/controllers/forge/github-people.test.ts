/**
 * The people's pull request on GitHub: the bot adds and removes only its own labels, leaves its
 * branch alone when the base merely moves (a force-push would dismiss approvals), rebuilds it when
 * it conflicts or the base requires up-to-date branches, and takes a branch back from a person only
 * when they add `slipway/regenerate`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { simpleGit } from 'simple-git';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, trainingResult, writeResult, type TestRepo } from '../fixtures.js';

const BRANCH = 'slipway/version/fraud-detector/dev';

describe('people and the bot on one GitHub pull request', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  let octokit: Octokit;
  const params = { owner: 'acme', repo: 'fraud-platform' };
  const run = async () => {
    const forge = new GitHubForge(githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir }), () => {}, { retryAfterBaseValue: 20, pacing: 'none' });
    return (await reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results })).proposals[0];
  };
  const pull = () => github.pulls.find((candidate) => candidate.head.ref === BRANCH && candidate.state === 'open')!;
  const parentOf = async (sha: string) => (await simpleGit(github.gitDir).raw(['rev-parse', `${sha}^`])).trim();
  const writesSince = (start: number) => github.requests.slice(start).filter((request) => request.method !== 'get').map((request) => `${request.method} ${request.path.replace(/^\/repos\/acme\/fraud-platform/, '')}`);

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    octokit = new Octokit({ auth: 't', baseUrl: github.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
    assert.equal((await run()).outcome, 'opened');
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
  });

  it("keeps a person's labels, removes a bot label that does not belong, and never replaces all labels", async () => {
    await octokit.rest.issues.addLabels({ ...params, issue_number: pull().number, labels: ['needs-security-review', 'slipway/canary'] });
    const start = github.requests.length;
    assert.equal((await run()).outcome, 'updated');
    assert.deepEqual([...pull().labels].sort(), ['needs-security-review', 'slipway', 'slipway/version']);
    assert.deepEqual(writesSince(start), [`delete /issues/${pull().number}/labels/slipway%2Fcanary`]);
    await writeResult(repo.results, 'fraud-detector.json', trainingResult({ candidateVersion: '2.2.0', metrics: { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    assert.equal((await run()).outcome, 'updated');
    assert.ok(pull().labels.includes('needs-security-review'), 'a new version leaves the label alone');
    assert.ok(!github.requests.some((request) => request.method === 'put' && request.path.endsWith('/labels')), 'setLabels is never used');
    assert.deepEqual(github.invalidBodies, []);
  });

  it('leaves the branch as it is when the base moves and nothing conflicts', async () => {
    const head = (await github.branchSha(BRANCH))!;
    const builtOn = await parentOf(head);
    const body = pull().body;
    await github.pushAsPerson('main', 'notes/unrelated.md', 'a change elsewhere\n');
    const start = github.requests.length;
    assert.equal((await run()).outcome, 'unchanged');
    assert.equal(await github.branchSha(BRANCH), head);
    assert.equal(await parentOf(head), builtOn);
    assert.equal(pull().body, body, 'the body still names the base the branch is built on');
    assert.deepEqual(writesSince(start), []);
  });

  it('rebuilds the branch when the base requires branches to be up to date', async () => {
    github.protection = { requiredChecks: [], strict: true };
    assert.equal((await run()).outcome, 'updated');
    const head = (await github.branchSha(BRANCH))!;
    assert.equal(await parentOf(head), await github.branchSha('main'));
    assert.match(pull().body ?? '', new RegExp(`Generated from base \`${(await github.branchSha('main'))!.slice(0, 12)}\``));
    github.protection = null;
  });

  it('rebuilds the branch when it conflicts with the base', async () => {
    // The bot's branch adds dist/dev/deployments.json; a person adds another one on main.
    await github.pushAsPerson('main', 'dist/dev/deployments.json', 'written by hand\n');
    const before = (await github.branchSha(BRANCH))!;
    assert.equal((await run()).outcome, 'updated');
    const after = (await github.branchSha(BRANCH))!;
    assert.notEqual(after, before);
    assert.equal(await parentOf(after), await github.branchSha('main'));
  });

  it('leaves a branch a person pushed to alone, and says how to hand it back', async () => {
    const pushed = await github.pushAsPerson(BRANCH, 'notes/mine.md', 'a person takes over\n');
    await github.pushAsPerson('main', 'notes/more.md', 'the base moves on\n');
    github.protection = { requiredChecks: [], strict: true };
    assert.equal((await run()).outcome, 'person-pushed');
    assert.equal(await github.branchSha(BRANCH), pushed);
    const body = pull().body ?? '';
    assert.match(body, /To hand it back, add the label `slipway\/regenerate`: the bot rebuilds the branch from the base \(dropping the 1 commit\) and removes the label/);
    assert.doesNotMatch(body, /Delete the branch/);
  });

  it('takes the branch back when a person adds slipway/regenerate, removing only that label', async () => {
    const theirs = (await github.branchSha(BRANCH))!;
    await octokit.rest.issues.addLabels({ ...params, issue_number: pull().number, labels: ['slipway/regenerate'] });
    assert.equal((await run()).outcome, 'updated');
    const head = (await github.branchSha(BRANCH))!;
    assert.equal(await parentOf(head), await github.branchSha('main'));
    assert.deepEqual((await simpleGit(github.gitDir).raw(['log', '--format=%ae', `main..${head}`])).trim().split('\n').length, 1);
    assert.deepEqual([...pull().labels].sort(), ['needs-security-review', 'slipway', 'slipway/version']);
    assert.match(pull().comments.at(-1)!, new RegExp(`Rebuilt \`${BRANCH}\` from the base as asked.*${theirs.slice(0, 12)}`));
    assert.doesNotMatch(pull().body ?? '', /A person pushed/);
    assert.equal((await run()).outcome, 'unchanged');
    github.protection = null;
    assert.deepEqual(github.invalidBodies, []);
  });
});
