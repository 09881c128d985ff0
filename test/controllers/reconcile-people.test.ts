/**
 * The local forge keeps its demo behaviour (its branches follow the base) and plays by the same
 * rules for people as GitHub: a person's labels stay, and `slipway/regenerate` hands a branch back.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { reconcile } from '../../controllers/reconcile.js';
import { makeRepo, testRenderDist, trainingResult, writeResult, type TestRepo } from './fixtures.js';

const BRANCH = 'slipway/version/fraud-detector/dev';

describe('people on a local-forge pull request', () => {
  let repo: TestRepo;
  let forge: LocalForge;
  const run = async () => (await reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results })).proposals[0];

  before(async () => {
    repo = await makeRepo();
    forge = new LocalForge(repo.root);
    await writeResult(repo.results, 'run.json', trainingResult());
    assert.equal((await run()).outcome, 'opened');
  });
  after(() => repo.dispose());

  it("keeps a person's label through an update", async () => {
    await forge.addLabel(1, 'needs-security-review');
    await writeResult(repo.results, 'run.json', trainingResult({ candidateVersion: '2.2.0', metrics: { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    assert.equal((await run()).outcome, 'updated');
    assert.deepEqual((await forge.record(1))!.labels, ['needs-security-review', 'slipway', 'slipway/version']);
  });

  it('still rebuilds its branches when the base moves (the local forge has no approvals to dismiss)', async () => {
    await writeFile(path.join(repo.root, 'NOTES.md'), 'a person changed the base\n');
    const baseSha = await repo.commit('Unrelated change on main');
    await run();
    const head = (await forge.findPullRequestByBranch(BRANCH))!.headSha!;
    assert.equal((await simpleGit(repo.root).raw(['rev-parse', `${head}^`])).trim(), baseSha);
  });

  it('takes a branch back from a person who adds slipway/regenerate', async () => {
    const git = simpleGit(repo.root);
    await git.raw(['checkout', '--quiet', BRANCH]);
    const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
    await writeFile(card, (await readFile(card, 'utf8')).replace('May flag legitimate', 'Might flag legitimate'));
    const personal = await repo.commit('Reword a limitation');
    await git.raw(['checkout', '--quiet', 'main']);
    assert.equal((await run()).outcome, 'person-pushed');
    assert.match((await forge.record(1))!.body, /To hand it back, add the label `slipway\/regenerate`/);
    await forge.addLabel(1, 'slipway/regenerate');
    assert.equal((await run()).outcome, 'updated');
    const pr = (await forge.findPullRequestByBranch(BRANCH))!;
    assert.notEqual(pr.headSha, personal);
    assert.equal((await git.raw(['rev-parse', `${pr.headSha}^`])).trim(), (await git.revparse(['main'])).trim());
    assert.deepEqual(pr.labels, ['needs-security-review', 'slipway', 'slipway/version']);
    assert.match((await forge.record(1))!.comments.at(-1)!.text, new RegExp(`Rebuilt .*\\(${personal.slice(0, 12)}\\) is no longer on it`));
  });
});
