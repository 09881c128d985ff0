/** `slipway controller` and `slipway pr` end to end, with the real renderer wired by the CLI. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { controllerArgs } from '../../generators/controller-deployment.js';
import { PROJECT_ROOT } from '../support/example-repo.js';
import { makeRepo, trainingResult, writeResult, type TestRepo } from './fixtures.js';

const CLI = path.join(PROJECT_ROOT, 'build', 'cli', 'main.js');

function slipway(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, GITHUB_TOKEN: '', KUBECONFIG: '', EDITOR: 'vi', PAGER: 'less' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('slipway controller and slipway pr', () => {
  let repo: TestRepo;
  const once = () => slipway('controller', '--once', repo.root, '--results', repo.results, '--prometheus', 'http://127.0.0.1:1', '--cluster', 'off');

  before(async () => {
    repo = await makeRepo();
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
  });
  after(() => repo.dispose());

  it('opens a PR for a passing result and lists it', () => {
    const run = once();
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^opened +version\/fraud-detector\/dev \(#1\)$/m);
    assert.match(run.stderr, /canary\/fraud-detector\/staging: cannot read which weights the pods serve \(prometheus at http:\/\/127\.0\.0\.1:1: fetch failed\)/);
    const list = slipway('pr', 'list', '--repo', repo.root);
    assert.match(list.stdout, /^#1 +open +slipway\/version\/fraud-detector\/dev +Add fraud-detector 2\.1\.0 and deploy it to dev$/m);
    const json = JSON.parse(slipway('pr', 'list', '--format', 'json', '--repo', repo.root).stdout) as { number: number; proposal: { key: string; subject: string } }[];
    assert.deepEqual(json.map((pr) => [pr.number, pr.proposal.key, pr.proposal.subject]), [[1, 'version/fraud-detector/dev', '2.1.0']]);
  });

  it('shows the evidence and the change', () => {
    const show = slipway('pr', 'show', '1', '--repo', repo.root);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /\| auc \| 0\.965 \| > 0\.9 \| ✅ pass \|/);
    assert.match(show.stdout, /catalog\/models\/fraud-detector\.yaml +\|/);
    assert.match(show.stdout, /dist\/dev\//, 'the branch carries the re-rendered dist/');
  });

  it('does not open a second PR when run again', () => {
    const run = once();
    assert.match(run.stdout, /^unchanged +version\/fraud-detector\/dev \(#1\)$/m);
  });

  it('merges from the terminal, and the result validates and renders cleanly', () => {
    const merge = slipway('pr', 'merge', '1', '--repo', repo.root);
    assert.equal(merge.status, 0, merge.stderr);
    assert.match(merge.stdout, /^merged #1 \(slipway\/version\/fraud-detector\/dev\) into main as [0-9a-f]{12}$/m);
    const validate = slipway('validate', repo.root);
    assert.equal(validate.status, 0, validate.stdout + validate.stderr);
    const check = slipway('render', '--check', repo.root);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it('closes a PR unmerged and says why it will not come back', async () => {
    await writeResult(repo.results, 'fraud-detector.json', trainingResult({ candidateVersion: '2.2.0', metrics: { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 } }));
    assert.match(once().stdout, /^opened +version\/fraud-detector\/dev \(#2\)$/m);
    const close = slipway('pr', 'close', '2', '--repo', repo.root);
    assert.match(close.stdout, /^closed #2 \(slipway\/version\/fraud-detector\/dev\) unmerged$/m);
    assert.match(once().stdout, /^declined +version\/fraud-detector\/dev \(#2\)$/m);
  });

  it('rejects bad calls with a one-line message', () => {
    const neither = slipway('controller', repo.root);
    assert.equal(neither.status, 2);
    assert.match(neither.stderr, /^slipway: pass exactly one of --once and --watch$/m);
    const missing = slipway('pr', 'show', '99', '--repo', repo.root);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim(), `slipway: there is no pull request #99 in ${repo.root}`);
    const github = slipway('controller', '--once', repo.root, '--forge', 'github');
    assert.equal(github.status, 1);
    assert.match(github.stderr, /^slipway: --forge github: /m);
  });
});

describe('slipway controller without --prometheus', () => {
  let repo: TestRepo;
  before(async () => {
    repo = await makeRepo();
  });
  after(() => repo.dispose());

  it('queries each environment’s own prometheus.url, as the rendered controller Deployment does (it passes no --prometheus)', async () => {
    const staging = path.join(repo.root, 'environments/staging.yaml');
    const text = await readFile(staging, 'utf8');
    const changed = text.replace(/^ {4}url: http:\/\/kube-prometheus-stack-prometheus\.monitoring:9090$/m, '    url: http://127.0.0.1:2');
    assert.notEqual(changed, text);
    await writeFile(staging, changed);
    await repo.commit('staging has a Prometheus of its own');
    const run = slipway('controller', '--once', repo.root, '--cluster', 'off');
    assert.match(run.stderr, /canary\/fraud-detector\/staging: cannot read which weights the pods serve \(prometheus at http:\/\/127\.0\.0\.1:2: fetch failed\)/);
    const catalog = await loadCatalogOrThrow(repo.root);
    for (const env of catalog.environments.values()) assert.ok(!controllerArgs(catalog.project, env).includes('--prometheus'), `${env.name}: --prometheus would send every environment to one Prometheus`);
  });
});
