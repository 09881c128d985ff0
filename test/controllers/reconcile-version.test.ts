/** Retraining results on the local forge: opened, updated, deduplicated, declined, merged. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { parseMarker } from '../../controllers/body/marker.js';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { reconcile } from '../../controllers/reconcile.js';
import { makeRepo, testRenderDist, trainingResult, writeResult, type TestRepo } from './fixtures.js';

describe('a retraining result on the local forge', () => {
  let repo: TestRepo;
  let forge: LocalForge;
  const run = () => reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results });

  before(async () => {
    repo = await makeRepo();
    forge = new LocalForge(repo.root);
  });
  after(() => repo.dispose());

  it('opens one PR with the new version, its evidence and the re-rendered dist', async () => {
    await writeResult(repo.results, 'run-1.json', trainingResult());
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'opened', pr: 1 }]);
    const [pr] = await forge.listPullRequests('slipway/');
    assert.equal(pr.branch, 'slipway/version/fraud-detector/dev');
    assert.equal(pr.state, 'open');
    assert.match(pr.body, /\| auc \| 0\.965 \| > 0\.9 \| ✅ pass \|/);
    assert.match(pr.body, /\| auc vs 2\.0\.0 \| 0\.965 \| ≥ 0\.95/);
    assert.match(pr.body, /```mermaid\nxychart-beta/);
    assert.match(pr.body, /-  version: 2\.0\.0\n\+  version: 2\.1\.0/);
    const git = simpleGit(repo.root);
    const card = await git.show([`${pr.branch}:catalog/models/fraud-detector.yaml`]);
    assert.match(card, /^ {2}version: 2\.1\.0$/m);
    assert.match(card, /^ {4}- version: 2\.0\.0$/m, 'the old current version moved into history');
    const dist = JSON.parse(await git.show([`${pr.branch}:dist/dev/deployments.json`])) as { stable: string }[];
    assert.equal(dist[0].stable, '2.1.0');
  });

  it('changes nothing when run again with the same inputs', async () => {
    const head = (await forge.findPullRequestByBranch('slipway/version/fraud-detector/dev'))!.headSha;
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'unchanged', pr: 1 }]);
    assert.equal((await forge.records()).length, 1);
    assert.equal((await forge.findPullRequestByBranch('slipway/version/fraud-detector/dev'))!.headSha, head);
  });

  it('updates the same PR for a newer result and says what changed', async () => {
    await writeResult(repo.results, 'run-2.json', trainingResult({ candidateVersion: '2.2.0', metrics: { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'updated', pr: 1 }]);
    const record = (await forge.record(1))!;
    assert.equal(parseMarker(record.body)!.subject, '2.2.0');
    assert.equal(record.comments.length, 1);
    assert.match(record.comments[0].text, /subject: 2\.1\.0 → 2\.2\.0/);
    assert.match(record.comments[0].text, /auc: 0\.965 → 0\.97/);
  });

  it('regenerates the branch from the base when the base moves', async () => {
    const readme = path.join(repo.root, 'NOTES.md');
    await writeFile(readme, 'a person changed the base\n');
    const baseSha = await repo.commit('Unrelated change on main');
    await run();
    const pr = (await forge.findPullRequestByBranch('slipway/version/fraud-detector/dev'))!;
    const parents = (await simpleGit(repo.root).raw(['rev-list', '--parents', '-n', '1', pr.headSha!])).trim().split(' ').slice(1);
    assert.deepEqual(parents, [baseSha]);
  });

  it('does not reopen a PR a person closed unmerged for the same version', async () => {
    await forge.close(1);
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'declined', pr: 1 }]);
    assert.equal((await forge.records()).length, 1);
  });

  it('opens a new PR for a newer version after a decline, and its merge validates', async () => {
    await writeResult(repo.results, 'run-3.json', trainingResult({ candidateVersion: '2.3.0', metrics: { auc: 0.975, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    const report = await run();
    assert.deepEqual(report.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'opened', pr: 2 }]);
    await forge.merge(2);
    const loaded = await loadCatalog(repo.root);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.diagnostics.map((d) => d.message).join('\n'));
    assert.equal(loaded.catalog.models.get('fraud-detector')!.current.version, '2.3.0');
    assert.equal(loaded.catalog.models.get('fraud-detector')!.history[0].version, '2.0.0');
    assert.equal(loaded.catalog.environments.get('dev')!.deployments[0].stable, '2.3.0');
    const after = await run();
    assert.deepEqual(after.proposals, [], 'a merged version is not proposed again');
  });
});

describe('a failing retraining result', () => {
  it('opens no PR and reports every reason', async () => {
    const repo = await makeRepo();
    try {
      const forge = new LocalForge(repo.root);
      await writeResult(repo.results, 'bad.json', trainingResult({ metrics: { auc: 0.94, f1: 0.84, precision: 0.9, recall: 0.8 } }));
      await writeFile(path.join(repo.results, 'broken.json'), '{ not json');
      const report = await reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results });
      assert.deepEqual(report.proposals, []);
      assert.equal((await forge.records()).length, 0);
      const reasons = report.rejected.flatMap((rejection) => rejection.reasons).join('\n');
      assert.match(reasons, /^f1: 0\.84 does not meet > 0\.85$/m);
      assert.match(reasons, /^auc vs 2\.0\.0: 0\.94 does not meet ≥ 0\.95/m);
      assert.match(report.problems.join('\n'), /broken\.json: not JSON/);
    } finally {
      await repo.dispose();
    }
  });
});

describe('a branch a person pushed to', () => {
  it('is left alone and the PR says so', async () => {
    const repo = await makeRepo();
    try {
      const forge = new LocalForge(repo.root);
      await writeResult(repo.results, 'run.json', trainingResult());
      const options = { forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results };
      await reconcile(options);
      const git = simpleGit(repo.root);
      await git.raw(['checkout', '--quiet', 'slipway/version/fraud-detector/dev']);
      const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
      await writeFile(card, (await readFile(card, 'utf8')).replace('May flag legitimate', 'Might flag legitimate'));
      const personal = await repo.commit('Reword a limitation');
      await git.raw(['checkout', '--quiet', 'main']);
      const report = await reconcile(options);
      assert.equal(report.proposals[0].outcome, 'person-pushed');
      const pr = (await forge.findPullRequestByBranch('slipway/version/fraud-detector/dev'))!;
      assert.equal(pr.headSha, personal);
      assert.match(pr.body, /A person pushed 1 commit/);
    } finally {
      await repo.dispose();
    }
  });
});

describe('a controller limited to some environments', () => {
  it('proposes only changes that target them', async () => {
    const repo = await makeRepo();
    try {
      const forge = new LocalForge(repo.root);
      await writeResult(repo.results, 'run.json', trainingResult());
      const options = { forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results };
      const staging = await reconcile({ ...options, environments: new Set(['staging']) });
      assert.deepEqual(staging.proposals, []);
      assert.ok(staging.waiting.every((wait) => wait.key.endsWith('/staging')), staging.waiting.map((wait) => wait.key).join(', '));
      const dev = await reconcile({ ...options, environments: new Set(['dev']) });
      assert.deepEqual(dev.proposals, [{ key: 'version/fraud-detector/dev', outcome: 'opened', pr: 1 }]);
    } finally {
      await repo.dispose();
    }
  });
});
