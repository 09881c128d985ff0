/**
 * GitHub auto-merge against the loopback GitHub, one repository setting at a time: the forge picks a
 * method the repository allows, pins the head the bot wrote, merges at once where GitHub refuses
 * auto-merge because nothing blocks the PR, and turns every refusal into a result, never a throw.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, type TestRepo } from '../fixtures.js';

describe('auto-merge on the GitHub forge', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  let forge: GitHubForge;
  let octokit: Octokit;
  let counter = 0;
  const params = { owner: 'acme', repo: 'fraud-platform' };

  /** An open PR from a fresh branch one commit ahead of main; its number and head. */
  const openPull = async () => {
    const branch = `slipway/abort/m${counter}/staging`;
    await octokit.rest.git.createRef({ ...params, ref: `refs/heads/${branch}`, sha: (await github.branchSha('main'))! });
    const head = await github.pushAsPerson(branch, `notes/change-${counter++}.md`, 'a change\n');
    const { pr } = await forge.ensurePullRequest({ branch, base: 'main', title: `Abort ${counter}`, body: 'x', labels: ['slipway'], managedLabels: ['slipway'] });
    return { number: pr.number, head, pull: () => github.pulls.find((pull) => pull.number === pr.number)! };
  };
  const since = (start: number) => github.requests.slice(start).map((request) => `${request.method} ${request.path.replace(/^\/repos\/acme\/fraud-platform/, '')}`);

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    const settings = githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir });
    forge = new GitHubForge(settings, () => {}, { retryAfterBaseValue: 20, pacing: 'none' });
    octokit = new Octokit({ auth: 't', baseUrl: github.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  });
  beforeEach(() => {
    Object.assign(github.settings, { allow_merge_commit: true, allow_squash_merge: true, allow_rebase_merge: true, allow_auto_merge: false });
    github.protection = { requiredChecks: ['test'], strict: false };
    forge.beginReconcile();
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
  });

  it('is refused on GitHub defaults while a required check is pending, and merges directly once it passed', async () => {
    const { number, head, pull } = await openPull();
    const refused = await forge.enableAutoMerge(number, head);
    assert.equal(refused.kind, 'refused');
    assert.equal(refused.kind === 'refused' && refused.reason, 'auto-merge-not-allowed');
    assert.match(refused.kind === 'refused' ? refused.message : '', /does not allow auto-merge; Required status check "test" is expected/);
    assert.equal(pull().state, 'open');
    await github.setCheck(head, 'test', 'success');
    forge.beginReconcile();
    const start = github.requests.length;
    assert.deepEqual(await forge.enableAutoMerge(number, head), { kind: 'merged', method: 'merge' });
    assert.ok(pull().merged_at !== null);
    // Settings known to forbid auto-merge: no GraphQL call, a REST merge pinned to the bot's head.
    assert.ok(!since(start).includes('post /graphql'));
    const merge = github.requests.slice(start).find((request) => request.path.endsWith(`/pulls/${number}/merge`))!;
    assert.deepEqual(merge.body, { sha: head, merge_method: 'merge' });
  });

  it('enables auto-merge pinned to the head the bot wrote where the repository allows it', async () => {
    github.settings.allow_auto_merge = true;
    const { number, head, pull } = await openPull();
    const start = github.requests.length;
    assert.deepEqual(await forge.enableAutoMerge(number, head), { kind: 'enabled', method: 'merge' });
    assert.deepEqual(pull().auto_merge, { merge_method: 'merge' });
    const mutation = github.requests.slice(start).find((request) => request.path === '/graphql')!;
    assert.deepEqual((mutation.body as { variables: unknown }).variables, { id: pull().node_id, mergeMethod: 'MERGE', headOid: head });
    // Idempotent: already on, nothing is sent again.
    const again = github.requests.length;
    assert.deepEqual(await forge.enableAutoMerge(number, head), { kind: 'enabled', method: 'merge' });
    assert.ok(!since(again).includes('post /graphql'));
  });

  it('chooses squash where merge commits are off, and rebase where only rebase is on', async () => {
    github.settings.allow_auto_merge = true;
    github.settings.allow_merge_commit = false;
    const first = await openPull();
    assert.deepEqual(await forge.enableAutoMerge(first.number, first.head), { kind: 'enabled', method: 'squash' });
    github.settings.allow_squash_merge = false;
    forge.beginReconcile();
    const second = await openPull();
    assert.deepEqual(await forge.enableAutoMerge(second.number, second.head), { kind: 'enabled', method: 'rebase' });
  });

  it('reads the repository settings once per reconcile', async () => {
    const first = await openPull();
    const second = await openPull();
    const start = github.requests.length;
    await forge.enableAutoMerge(first.number, first.head);
    await forge.enableAutoMerge(second.number, second.head);
    assert.equal(since(start).filter((call) => call === 'get ').length, 1);
    forge.beginReconcile();
    await forge.enableAutoMerge(first.number, first.head);
    assert.equal(since(start).filter((call) => call === 'get ').length, 2);
  });

  it('learns from GitHub when the settings it read earlier in the reconcile went stale', async () => {
    const first = await openPull();
    await github.setCheck(first.head, 'test', 'success');
    assert.deepEqual(await forge.enableAutoMerge(first.number, first.head), { kind: 'merged', method: 'merge' });
    // A person turns merge commits off between two proposals of one reconcile: GitHub's 405 moves on to squash.
    github.settings.allow_merge_commit = false;
    const second = await openPull();
    await github.setCheck(second.head, 'test', 'success');
    const start = github.requests.length;
    assert.deepEqual(await forge.enableAutoMerge(second.number, second.head), { kind: 'merged', method: 'squash' });
    const merges = github.requests.slice(start).filter((request) => request.path.endsWith('/merge'));
    assert.deepEqual(merges.map((request) => [(request.body as { merge_method: string }).merge_method, request.status]), [['merge', 405], ['squash', 200]]);
  });

  it('is refused when the repository allows no merge method', async () => {
    Object.assign(github.settings, { allow_merge_commit: false, allow_squash_merge: false, allow_rebase_merge: false, allow_auto_merge: true });
    const { number, head, pull } = await openPull();
    const result = await forge.enableAutoMerge(number, head);
    assert.equal(result.kind === 'refused' && result.reason, 'merge-method-not-allowed');
    assert.equal(pull().state, 'open');
  });

  it('merges at once, with the head sha, a PR GitHub calls clean or unstable', async () => {
    github.settings.allow_auto_merge = true;
    const clean = await openPull();
    await github.setCheck(clean.head, 'test', 'success');
    assert.deepEqual(await forge.enableAutoMerge(clean.number, clean.head), { kind: 'merged', method: 'merge' });
    assert.ok(clean.pull().merged_at !== null);
    // Unstable: the required check passed, another one failed; GitHub merges, so does the bot.
    const unstable = await openPull();
    await github.setCheck(unstable.head, 'test', 'success');
    await github.setCheck(unstable.head, 'lint', 'failure');
    assert.deepEqual(await forge.enableAutoMerge(unstable.number, unstable.head), { kind: 'merged', method: 'merge' });
  });

  it('never merges a head it did not write, and turns auto-merge off when the head moved under it', async () => {
    github.settings.allow_auto_merge = true;
    const { number, head, pull } = await openPull();
    assert.equal((await forge.enableAutoMerge(number, head)).kind, 'enabled');
    const pushed = await github.pushAsPerson(pull().head.ref, 'notes/late.md', 'late\n');
    const result = await forge.enableAutoMerge(number, head);
    assert.equal(result.kind === 'refused' && result.reason, 'head-moved');
    assert.equal(pull().auto_merge, null, 'GitHub would otherwise merge the commit the bot did not write');
    assert.equal(pull().head.sha, pushed);
    assert.equal(pull().state, 'open');
  });

  it('turns GitHub refusals of the merge itself into results: 409 head modified, 405 base modified', async () => {
    const { number, head, pull } = await openPull();
    await github.setCheck(head, 'test', 'success');
    github.injectFault({ method: 'put', path: `/pulls/${number}/merge`, kind: 'answer', status: 409, message: 'Head branch was modified. Review and try the merge again.' });
    const moved = await forge.enableAutoMerge(number, head);
    assert.equal(moved.kind === 'refused' && moved.reason, 'head-moved');
    github.injectFault({ method: 'put', path: `/pulls/${number}/merge`, kind: 'answer', status: 405, message: 'Base branch was modified. Review and try the merge again.' });
    const based = await forge.enableAutoMerge(number, head);
    assert.deepEqual(based, { kind: 'refused', reason: 'base-modified', message: 'Base branch was modified. Review and try the merge again.' });
    assert.equal(pull().state, 'open');
  });

  it('still throws what is not a refusal, so the reconcile can tell a failure from a no', async () => {
    github.settings.allow_auto_merge = true;
    const { number, head } = await openPull();
    github.injectFault({ method: 'post', path: '/graphql', kind: 'answer', status: 422, message: 'Something else' });
    await assert.rejects(forge.enableAutoMerge(number, head), /enabling auto-merge on #\d+: Something else/);
  });

  it('disables auto-merge, idempotently', async () => {
    github.settings.allow_auto_merge = true;
    const { number, head, pull } = await openPull();
    await forge.enableAutoMerge(number, head);
    await forge.disableAutoMerge(number);
    assert.equal(pull().auto_merge, null);
    const start = github.requests.length;
    await forge.disableAutoMerge(number);
    assert.ok(!since(start).includes('post /graphql'));
  });
});
