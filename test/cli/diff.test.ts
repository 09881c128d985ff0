/** `slipway diff --base <ref>` on a real temporary git repository. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { runCli } from '../support/cli.js';
import { copyExampleRepo } from '../support/example-repo.js';

async function edit(root: string, file: string, from: string, to: string): Promise<void> {
  const target = path.join(root, file);
  const text = await readFile(target, 'utf8');
  assert.ok(text.includes(from), `${file} has no '${from}'`);
  await writeFile(target, text.replace(from, to));
}

describe('slipway diff', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  before(async () => {
    repo = await copyExampleRepo();
    const git = simpleGit(repo.root);
    await git.init();
    await git.addConfig('user.email', 'test@example.com').addConfig('user.name', 'test');
    await git.add('.');
    await git.commit('base');
    await edit(repo.root, 'environments/staging.yaml', 'weight: 10 }', 'weight: 50 }');
    await edit(repo.root, 'environments/prod.yaml', 'replicas: { min: 4, max: 40 }', 'replicas: { min: 4, max: 30 }');
    await edit(repo.root, 'catalog/models/fraud-detector.yaml', 'triggerId: t1', 'triggerId: t2');
    await edit(repo.root, 'policies/rollout.yaml', 'max: 5%', 'max: 2%');
  });
  after(() => repo.dispose());

  it('prints one summary line per environment', async () => {
    const run = await runCli(['diff', repo.root, '--base', 'HEAD']);
    assert.equal(run.code, 0, run.stderr);
    const summary = run.stdout.split('\n').slice(0, 4);
    assert.deepEqual(summary, [
      'argocd: 0 changed, 0 added, 0 removed',
      'dev: 1 changed, 1 added, 1 removed',
      'prod: 2 changed, 0 added, 0 removed',
      'staging: 2 changed, 0 added, 0 removed',
    ]);
  });

  it('calls out canary weights, replicas, thresholds and training runs above the raw diff', async () => {
    const { stdout } = await runCli(['diff', repo.root, '--base', 'HEAD']);
    const staging = stdout.slice(stdout.indexOf('== staging =='));
    assert.match(staging, /\* fraud-detector: canary weight 10% → 50%/);
    assert.match(staging, /\* fraud-detector: SlipwayErrorRateHigh threshold 0\.05 → 0\.02/);
    assert.ok(staging.indexOf('canary weight') < staging.indexOf('--- a/staging/'), 'semantic changes come first');
    assert.match(stdout, /\* fraud-detector: replicas 4–40 → 4–30/);
    assert.match(stdout, /\* new training run: Job train-fraud-detector-t2 starts once after the merge/);
    assert.match(stdout, /^--- a\/staging\/configmap-fraud-detector-bundle\.yaml\n\+\+\+ b\/staging\/configmap-fraud-detector-bundle\.yaml\n@@ /m);
    assert.match(stdout, /^-\s+"weight": 10,?$/m);
    assert.match(stdout, /^\+\s+"weight": 50,?$/m);
    assert.match(stdout, /^\+\+\+ \/dev\/null$/m, 'the old training Job is shown as removed');
  });

  it('writes a pull request comment with --format markdown', async () => {
    const run = await runCli(['diff', repo.root, '--base', 'HEAD', '--format', 'markdown']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^### Rendered manifests\n/);
    assert.match(run.stdout, /^\| prod \| 2 \| 0 \| 0 \|$/m);
    assert.match(run.stdout, /^- fraud-detector: canary weight 10% → 50%$/m);
    assert.match(run.stdout, /<details><summary><code>staging\/configmap-fraud-detector-bundle\.yaml<\/code><\/summary>\n\n```diff\n/);
  });

  it('reports no changes against the working tree itself', async () => {
    const git = simpleGit(repo.root);
    await git.add('.');
    await git.commit('changes');
    const run = await runCli(['diff', repo.root, '--base', 'HEAD', '--format', 'markdown']);
    assert.match(run.stdout, /No rendered object changes\./);
    const text = await runCli(['diff', repo.root, '--base', 'HEAD~1']);
    assert.match(text.stdout, /^staging: 2 changed, 0 added, 0 removed$/m);
  });

  it('exits 1 with one line for a ref that does not exist, and 2 without --base', async () => {
    const run = await runCli(['diff', repo.root, '--base', 'no-such-ref']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^slipway: 'no-such-ref' is not a commit in /);
    assert.equal((await runCli(['diff', repo.root])).code, 2);
  });
});
