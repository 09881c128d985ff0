/**
 * The loopback GitHub answers as GitHub does, refusals included: a test of the forge can only fail
 * for the right reasons if the fake rejects what GitHub rejects, with GitHub's status and message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { simpleGit } from 'simple-git';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, type TestRepo } from '../fixtures.js';

const enable = (method: string) => `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: ${method} }) { pullRequest { number } } }`;

describe('the loopback GitHub', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  let octokit: Octokit;
  const params = { owner: 'acme', repo: 'fraud-platform' };
  let main = '';
  let counter = 0;

  /** A branch one person's commit ahead of main. */
  const branchAhead = async (name: string) => {
    await octokit.rest.git.createRef({ ...params, ref: `refs/heads/${name}`, sha: main });
    return github.pushAsPerson(name, `notes/${name.replace(/\//g, '-')}-${counter++}.md`, 'a change\n');
  };
  const refusal = async (promise: Promise<unknown>) => {
    const error = (await promise.then(() => null, (failure: unknown) => failure)) as { status: number; message: string } | null;
    assert.ok(error !== null, 'GitHub refuses it');
    return { status: error.status, message: error.message };
  };
  const graphqlMessage = async (query: string, variables: Record<string, unknown>) => {
    const error = (await octokit.graphql(query, variables).then(() => null, (failure: unknown) => failure)) as { errors?: { message: string }[] } | null;
    assert.ok(error !== null, 'GitHub refuses it');
    return error.errors?.[0]?.message;
  };

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    octokit = new Octokit({ auth: 't', baseUrl: github.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
    main = (await github.branchSha('main'))!;
  });
  after(async () => {
    await github.stop();
    await repo.dispose();
  });

  it('refuses a ref without refs/ and a non-fast-forward update without force', async () => {
    assert.equal((await refusal(octokit.rest.git.createRef({ ...params, ref: 'heads/x', sha: main }))).status, 422);
    const ahead = await branchAhead('topic/ff');
    const other = await branchAhead('topic/other');
    const update = await refusal(octokit.rest.git.updateRef({ ...params, ref: 'heads/topic/ff', sha: other }));
    assert.equal(update.status, 422);
    assert.match(update.message, /^Update is not a fast forward/);
    assert.equal(await github.branchSha('topic/ff'), ahead);
    await octokit.rest.git.updateRef({ ...params, ref: 'heads/topic/ff', sha: other, force: true });
    assert.equal(await github.branchSha('topic/ff'), other);
  });

  it('refuses a pull request with no commits, a missing base or a duplicate head', async () => {
    await octokit.rest.git.createRef({ ...params, ref: 'refs/heads/topic/empty', sha: main });
    assert.match((await refusal(octokit.rest.pulls.create({ ...params, head: 'topic/empty', base: 'main', title: 't' }))).message, /No commits between main and topic\/empty/);
    await branchAhead('topic/pr');
    assert.match((await refusal(octokit.rest.pulls.create({ ...params, head: 'topic/pr', base: 'no-such-base', title: 't' }))).message, /"field":"base","code":"invalid"/);
    await octokit.rest.pulls.create({ ...params, head: 'topic/pr', base: 'main', title: 't' });
    assert.match((await refusal(octokit.rest.pulls.create({ ...params, head: 'topic/pr', base: 'main', title: 't' }))).message, /A pull request already exists for acme:topic\/pr/);
  });

  it('closes a pull request whose head branch is deleted', async () => {
    await branchAhead('topic/deleted');
    const { data } = await octokit.rest.pulls.create({ ...params, head: 'topic/deleted', base: 'main', title: 't' });
    await octokit.rest.git.deleteRef({ ...params, ref: 'heads/topic/deleted' });
    assert.equal((await octokit.rest.pulls.get({ ...params, pull_number: data.number })).data.state, 'closed');
  });

  it('pages lists with Link headers and per_page', async () => {
    const { headers, data } = await octokit.rest.pulls.list({ ...params, state: 'all', per_page: 1 });
    assert.equal(data.length, 1);
    assert.match(headers.link ?? '', /[?&]page=2[^>]*>; rel="next"/);
    const all = await octokit.paginate(octokit.rest.pulls.list, { ...params, state: 'all', per_page: 1 });
    assert.equal(all.length, github.pulls.length);
    assert.ok(github.pulls.length > 1);
  });

  it('refuses auto-merge on GitHub defaults, and with a disallowed method, an unknown node or an unstable PR', async () => {
    await branchAhead('topic/auto');
    const { data } = await octokit.rest.pulls.create({ ...params, head: 'topic/auto', base: 'main', title: 't' });
    const id = data.node_id;
    assert.equal(github.settings.allow_auto_merge, false, "auto-merge is off by default, as on GitHub");
    assert.equal((await octokit.rest.repos.get(params)).data.allow_auto_merge, false);
    assert.equal(await graphqlMessage(enable('MERGE'), { id }), 'Pull request Auto merge is not allowed for this repository');
    github.settings.allow_auto_merge = true;
    github.settings.allow_merge_commit = false;
    assert.equal(await graphqlMessage(enable('MERGE'), { id }), 'Merge method merge commits are not allowed on this repository');
    assert.equal(await graphqlMessage(enable('SQUASH'), { id: 'PR_nope' }), "Could not resolve to a node with the global id of 'PR_nope'");
    await github.setCheck(data.head.sha, 'lint', 'pending');
    assert.equal(await graphqlMessage(enable('SQUASH'), { id }), 'Pull request Pull request is in unstable status');
    await github.setCheck(data.head.sha, 'lint', 'success');
    assert.equal(await graphqlMessage(enable('SQUASH'), { id }), 'Pull request Pull request is in clean status');
  });

  it('merges on its own once the required checks pass, with the method auto-merge was enabled for', async () => {
    github.protection = { requiredChecks: ['test'], strict: false };
    await branchAhead('topic/checks');
    const { data } = await octokit.rest.pulls.create({ ...params, head: 'topic/checks', base: 'main', title: 'checks' });
    await octokit.graphql(enable('SQUASH'), { id: data.node_id });
    assert.equal(github.pulls[data.number - 1].state, 'open');
    assert.match((await refusal(octokit.rest.pulls.merge({ ...params, pull_number: data.number, merge_method: 'squash' }))).message, /Required status check "test" is expected/);
    await octokit.rest.checks.create({ ...params, name: 'test', head_sha: data.head.sha, status: 'completed', conclusion: 'success' });
    assert.notEqual(github.pulls[data.number - 1].merged_at, null);
    const parents = (await simpleGit(github.gitDir).raw(['rev-list', '--parents', '-n', '1', 'main'])).trim().split(' ');
    assert.equal(parents.length, 2, 'a squash merge has one parent');
    const runs = await octokit.rest.checks.listForRef({ ...params, ref: data.head.sha });
    assert.deepEqual(runs.data.check_runs.map((run) => [run.name, run.conclusion]), [['test', 'success']]);
    github.protection = null;
    main = (await github.branchSha('main'))!;
  });

  it('refuses auto-merge pinned to a head that is no longer the PR head, and takes the mutation\'s variables', async () => {
    github.protection = { requiredChecks: ['test'], strict: false };
    github.settings.allow_auto_merge = true;
    await branchAhead('topic/pinned');
    const { data } = await octokit.rest.pulls.create({ ...params, head: 'topic/pinned', base: 'main', title: 'pinned' });
    const pinned = 'mutation($id: ID!, $how: PullRequestMergeMethod!, $head: GitObjectID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $how, expectedHeadOid: $head }) { pullRequest { number } } }';
    await github.pushAsPerson('topic/pinned', 'notes/pinned.md', 'moved\n');
    assert.equal(await graphqlMessage(pinned, { id: data.node_id, how: 'SQUASH', head: data.head.sha }), 'Head branch was modified. Review and try the merge again.');
    const head = (await github.branchSha('topic/pinned'))!;
    await octokit.graphql(pinned, { id: data.node_id, how: 'SQUASH', head });
    assert.deepEqual(github.pulls[data.number - 1].auto_merge, { merge_method: 'squash' });
    await octokit.rest.pulls.update({ ...params, pull_number: data.number, state: 'closed' });
    github.protection = null;
  });

  it('honours merge settings and refuses a merge whose sha is no longer the head', async () => {
    await branchAhead('topic/merge');
    const { data } = await octokit.rest.pulls.create({ ...params, head: 'topic/merge', base: 'main', title: 'merge' });
    assert.equal((await refusal(octokit.rest.pulls.merge({ ...params, pull_number: data.number, merge_method: 'merge' }))).message.split(' - ')[0], 'Merge commits are not allowed on this repository.');
    const moved = await github.pushAsPerson('topic/merge', 'notes/moved.md', 'moved\n');
    assert.equal((await refusal(octokit.rest.pulls.merge({ ...params, pull_number: data.number, merge_method: 'squash', sha: data.head.sha }))).status, 409);
    await octokit.rest.repos.createCommitStatus({ ...params, sha: moved, state: 'success', context: 'ci' });
    assert.equal((await octokit.rest.repos.getCombinedStatusForRef({ ...params, ref: moved })).data.state, 'success');
    const merged = await octokit.rest.pulls.merge({ ...params, pull_number: data.number, merge_method: 'squash', sha: moved });
    assert.equal(merged.data.merged, true);
    github.settings.allow_merge_commit = true;
    github.settings.allow_auto_merge = false;
    assert.deepEqual(github.invalidBodies, []);
  });
});
