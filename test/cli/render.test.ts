/** `slipway render` and `render --check` as a user and CI meet them: exit codes, listings, nothing written on failure. */
import assert from 'node:assert/strict';
import { appendFile, cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';
import { copyExampleRepo, PROJECT_ROOT } from '../support/example-repo.js';

const PAGE = 'catalog/models/fraud-detector.md';

/** The example repository with its committed CODEOWNERS, which `render` also owns (the shared copy leaves `.github/` out). */
async function copyExampleWithCodeowners(): Promise<{ root: string; dispose: () => Promise<void> }> {
  const repo = await copyExampleRepo();
  await cp(path.join(PROJECT_ROOT, '.github/CODEOWNERS'), path.join(repo.root, '.github/CODEOWNERS'));
  return repo;
}

/** Every file under `dir`, by its path relative to it (`dev/jobs/…` included). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full).split(path.sep).join('/'), await readFile(full, 'utf8'));
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

describe('slipway render', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  before(async () => {
    repo = await copyExampleWithCodeowners();
  });
  after(() => repo.dispose());

  it('finds the committed dist/, model card page and CODEOWNERS of the example up to date', async () => {
    const run = await runCli(['render', repo.root, '--check']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /up to date \(\d+ files/);
  });

  it('--check exits 1 listing stale, missing and extra files, and writes nothing', async () => {
    const dist = path.join(repo.root, 'dist');
    await writeFile(path.join(dist, 'prod/service-fraud-detector.yaml'), 'hand edit\n');
    await rm(path.join(dist, 'dev/namespace-ml-dev.yaml'));
    await writeFile(path.join(dist, 'staging/deployment-old-model.yaml'), 'kind: Deployment\n');
    const before = await snapshot(dist);
    const run = await runCli(['render', repo.root, '--check']);
    assert.equal(run.code, 1);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'missing  dist/dev/namespace-ml-dev.yaml',
      'stale    dist/prod/service-fraud-detector.yaml',
      'extra    dist/staging/deployment-old-model.yaml',
    ]);
    assert.match(run.stderr, /out of date; run 'slipway render'/);
    assert.deepEqual(await snapshot(dist), before);
  });

  it('rewrites what differs, removes files of objects that no longer exist, then --check passes', async () => {
    const run = await runCli(['render', repo.root]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'added    dist/dev/namespace-ml-dev.yaml',
      'updated  dist/prod/service-fraud-detector.yaml',
      'removed  dist/staging/deployment-old-model.yaml',
    ]);
    assert.equal((await runCli(['render', repo.root, '--check'])).code, 0);
    const again = await runCli(['render', repo.root]);
    assert.equal(again.stdout, '', 'a second render changes nothing');
  });

  it('renders a removed object away: dropping the training schedule removes the retraining CronJob', async () => {
    const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
    const original = await readFile(card, 'utf8');
    const changed = original.replace(/^ {4}schedule: .*\n/m, '');
    assert.notEqual(changed, original);
    await writeFile(card, changed);
    try {
      const run = await runCli(['render', repo.root, '--env', 'dev']);
      assert.equal(run.code, 0, run.stderr);
      // The trigger's Job stays; it is updated only because it pins the card it reads (catalog-pin.ts).
      assert.equal(run.stdout, 'removed  dist/dev/jobs/cronjob-train-fraud-detector.yaml\nupdated  dist/dev/jobs/job-train-fraud-detector-t1.yaml\n');
      const left = [...(await snapshot(path.join(repo.root, 'dist'))).keys()];
      assert.ok(!left.includes('dev/jobs/cronjob-train-fraud-detector.yaml'));
      assert.ok(left.includes('dev/jobs/job-train-fraud-detector-' + /triggerId: (\S+)/.exec(original)![1] + '.yaml'), 'the one-off Job of the trigger stays');
    } finally {
      await writeFile(card, original);
      await runCli(['render', repo.root]);
    }
  });

  it('--check exits 1 naming a stale model card page and a hand-edited CODEOWNERS; render rewrites them', async () => {
    const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
    const original = await readFile(card, 'utf8');
    const codeowners = path.join(repo.root, '.github/CODEOWNERS');
    const committedOwners = await readFile(codeowners, 'utf8');
    try {
      // A limitation is on the page, and in no manifest but the training objects' pin of the card they read.
      const training = ['dist/dev/jobs/cronjob-train-fraud-detector.yaml', 'dist/dev/jobs/job-train-fraud-detector-t1.yaml'];
      await writeFile(card, original.replace('  limitations:\n', '  limitations:\n    - Not evaluated on business cards.\n'));
      await appendFile(codeowners, '/dist/ @someone-else\n');

      const check = await runCli(['render', repo.root, '--check']);

      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.deepEqual(check.stdout.trim().split('\n'), ['stale    .github/CODEOWNERS', `stale    ${PAGE}`, ...training.map((file) => `stale    ${file}`)]);
      assert.match(check.stderr, /out of date; run 'slipway render'/);

      const run = await runCli(['render', repo.root]);

      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), ['updated  .github/CODEOWNERS', `updated  ${PAGE}`, ...training.map((file) => `updated  ${file}`)]);
      assert.equal(await readFile(codeowners, 'utf8'), committedOwners);
      assert.match(await readFile(path.join(repo.root, PAGE), 'utf8'), /^- Not evaluated on business cards\.$/m);
      assert.equal((await runCli(['render', repo.root, '--check'])).code, 0);
    } finally {
      await writeFile(card, original);
      await runCli(['render', repo.root]);
    }
  });

  it('reports a missing page and CODEOWNERS, and --env leaves them alone', async () => {
    await rm(path.join(repo.root, PAGE));
    await rm(path.join(repo.root, '.github/CODEOWNERS'));
    try {
      const check = await runCli(['render', repo.root, '--check']);
      assert.equal(check.code, 1);
      assert.deepEqual(check.stdout.trim().split('\n'), ['missing  .github/CODEOWNERS', `missing  ${PAGE}`]);

      const dev = await runCli(['render', repo.root, '--env', 'dev']);
      assert.equal(dev.code, 0, dev.stderr);
      assert.equal(dev.stdout, '', '--env renders only dist/dev/');
      assert.equal((await runCli(['render', repo.root, '--env', 'dev', '--check'])).code, 0);
      await assert.rejects(readFile(path.join(repo.root, PAGE)), { code: 'ENOENT' });
    } finally {
      await runCli(['render', repo.root]);
    }
    assert.equal((await runCli(['render', repo.root, '--check'])).code, 0);
  });

  it('writes a page for a new model card and removes it with the card, leaving hand-written Markdown', async () => {
    const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
    const second = path.join(repo.root, 'catalog/models/chargeback-scorer.yaml');
    // The same card under another name, deployed nowhere: it still gets a page and a CODEOWNERS line.
    await writeFile(second, (await readFile(card, 'utf8')).replace('name: fraud-detector', 'name: chargeback-scorer'));
    await writeFile(path.join(repo.root, 'catalog/models/README.md'), '# Models of the fraud team\n');

    const added = await runCli(['render', repo.root]);

    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(added.stdout.trim().split('\n'), ['updated  .github/CODEOWNERS', 'added    catalog/models/chargeback-scorer.md']);
    const page = await readFile(path.join(repo.root, 'catalog/models/chargeback-scorer.md'), 'utf8');
    assert.match(page, /^# chargeback-scorer$/m);
    assert.match(page, /^_Not deployed in any environment\._$/m);

    await rm(second);
    const check = await runCli(['render', repo.root, '--check']);
    assert.equal(check.code, 1);
    assert.deepEqual(check.stdout.trim().split('\n'), ['stale    .github/CODEOWNERS', 'extra    catalog/models/chargeback-scorer.md']);

    const removed = await runCli(['render', repo.root]);

    assert.deepEqual(removed.stdout.trim().split('\n'), ['updated  .github/CODEOWNERS', 'removed  catalog/models/chargeback-scorer.md']);
    const left = await readdir(path.join(repo.root, 'catalog/models'));
    assert.deepEqual(left.sort(), ['README.md', 'device-trust-estimator.md', 'device-trust-estimator.yaml', 'fraud-detector.md', 'fraud-detector.yaml']);
    await rm(path.join(repo.root, 'catalog/models/README.md'));
  });

  it("validate's renderedDist guardrail reports a hand-edited page with the guardrail's message, and leaves CODEOWNERS to its own check", async () => {
    const page = path.join(repo.root, PAGE);
    const rendered = await readFile(page, 'utf8');
    await appendFile(page, 'A note added by hand.\n');
    await rm(path.join(repo.root, '.github/CODEOWNERS'));
    try {
      const run = await runCli(['validate', repo.root]);

      assert.equal(run.code, 1);
      assert.equal(run.stdout.trim(), `${PAGE}:1:1: guardrail 'every-environment': differs from what the catalog renders; run 'slipway render' and commit the result [guardrail]`);
    } finally {
      await writeFile(page, rendered);
      await runCli(['render', repo.root]);
    }
    assert.equal((await runCli(['validate', repo.root])).code, 0);
  });

  it('exits 2 on a usage error and 1 on an unknown environment', async () => {
    assert.equal((await runCli(['render', '--bogus'])).code, 2);
    const run = await runCli(['render', repo.root, '--env', 'qa']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "slipway: environment 'qa' is not in the catalog (it has dev, staging, prod)\n");
  });
});

describe('slipway render on a repository with a mistake', () => {
  const cases: [string, string, (text: string) => string, RegExp][] = [
    ['an artifact without sha256', 'catalog/models/fraud-detector.yaml', (text) => text.replace(/\n {4}sha256: [0-9a-f]{64}/, ''), /environments\/dev\.yaml:\d+:\d+: spec\.deployments\[0\]\.stable: version 2\.0\.0 of 'fraud-detector' has no artifact sha256/],
    ['replicas.min above replicas.max', 'environments/prod.yaml', (text) => text.replace('replicas: { min: 4, max: 40 }', 'replicas: { min: 50, max: 40 }'), /environments\/prod\.yaml:\d+:\d+: spec\.deployments\[0\]\.replicas\.min: replicas\.min \(50\) must not exceed replicas\.max \(40\)/],
    ['a quantity that does not parse', 'environments/prod.yaml', (text) => text.replace('cpu: 500m', 'cpu: lots'), /environments\/prod\.yaml:\d+:\d+: spec\.runtime\.resources\.requests\.cpu/],
    ['an owner CODEOWNERS cannot name', 'catalog/models/fraud-detector.yaml', (text) => text.replace('  owner: fraud-prevention\n', '  owner: fraud prevention\n'), /catalog\/models\/fraud-detector\.yaml:\d+:\d+: metadata\.owner: 'fraud prevention' is not a GitHub team or user name/],
    ['a label Kubernetes rejects', 'catalog/models/fraud-detector.yaml', (text) => text.replace('  owner: fraud-prevention\n', '  owner: fraud-prevention\n  labels: { team: "fraud prevention" }\n'), /catalog\/models\/fraud-detector\.yaml:\d+:\d+: metadata\.labels\.team: label value 'fraud prevention' may hold only/],
  ];

  for (const [what, file, change, expected] of cases) {
    it(`reports ${what} with file and field, no stack trace, and writes nothing`, async () => {
      const repo = await copyExampleRepo();
      try {
        const target = path.join(repo.root, file);
        const original = await readFile(target, 'utf8');
        const changed = change(original);
        assert.notEqual(changed, original, 'the test must change the file');
        await writeFile(target, changed);
        const before = await snapshot(path.join(repo.root, 'dist'));
        const run = await runCli(['render', repo.root]);
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assert.match(run.stderr, expected);
        assert.doesNotMatch(run.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
        assert.deepEqual(await snapshot(path.join(repo.root, 'dist')), before, 'dist/ must be untouched');
      } finally {
        await repo.dispose();
      }
    });
  }

  it('reports a training Job name over 63 characters at the trigger id, and writes nothing', async () => {
    const repo = await copyExampleRepo();
    try {
      // A long but valid model name (48 characters) plus a 16-character trigger id.
      const long = 'fraud-detector-for-card-not-present-transactions';
      for (const file of ['catalog/models/fraud-detector.yaml', 'environments/dev.yaml', 'environments/staging.yaml', 'environments/prod.yaml']) {
        const target = path.join(repo.root, file);
        await writeFile(target, (await readFile(target, 'utf8')).replaceAll('fraud-detector', long).replace('triggerId: t1', 'triggerId: retrain-20241220'));
      }
      const before = await snapshot(path.join(repo.root, 'dist'));
      const run = await runCli(['render', repo.root]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`catalog/models/fraud-detector\\.yaml:\\d+:\\d+: spec\\.training\\.triggerId: the training Job 'train-${long}-retrain-20241220' would be 71 characters; Kubernetes allows 63`));
      assert.match(run.stderr, new RegExp(`metadata\\.name: the training CronJob 'train-${long}' would be 54 characters; Kubernetes allows 52`));
      assert.deepEqual(await snapshot(path.join(repo.root, 'dist')), before);
    } finally {
      await repo.dispose();
    }
  });
});
