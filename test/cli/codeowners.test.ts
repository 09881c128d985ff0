import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { copyExampleRepo, PROJECT_ROOT } from '../support/example-repo.js';
import { runCli } from '../support/cli.js';

test('codeowners writes .github/CODEOWNERS, and --check then passes', async (t) => {
  const repo = await copyExampleRepo();
  t.after(repo.dispose);

  const written = await runCli(['codeowners', repo.root]);
  const checked = await runCli(['codeowners', repo.root, '--check']);

  assert.equal(written.code, 0, written.stderr);
  const text = await readFile(path.join(repo.root, '.github/CODEOWNERS'), 'utf8');
  assert.ok(text.includes('\n/catalog/models/fraud-detector.yaml @acme/fraud-prevention\n'));
  assert.equal(checked.code, 0, checked.stderr);
});

test('codeowners --check exits 1 and says how to fix it when an owner changed', async (t) => {
  const repo = await copyExampleRepo();
  t.after(repo.dispose);
  assert.equal((await runCli(['codeowners', repo.root])).code, 0);
  const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
  await writeFile(card, (await readFile(card, 'utf8')).replace('owner: fraud-prevention', 'owner: risk-models'));

  const checked = await runCli(['codeowners', repo.root, '--check']);

  assert.equal(checked.code, 1);
  assert.match(checked.stderr, /CODEOWNERS is stale; run 'slipway codeowners /);
  assert.doesNotMatch(checked.stderr, /\n\s+at /, 'no stack trace');
});

test('codeowners --check exits 1 when the file is missing, and writes nothing', async (t) => {
  const repo = await copyExampleRepo();
  t.after(repo.dispose);
  await rm(path.join(repo.root, '.github/CODEOWNERS'));

  const checked = await runCli(['codeowners', repo.root, '--check']);

  assert.equal(checked.code, 1);
  assert.match(checked.stderr, /CODEOWNERS is missing/);
  await assert.rejects(readFile(path.join(repo.root, '.github/CODEOWNERS')), { code: 'ENOENT' });
});

test('codeowners on an invalid repository reports the problem and exits 1', async (t) => {
  const repo = await copyExampleRepo();
  t.after(repo.dispose);
  await rm(path.join(repo.root, 'slipway.yaml'));

  const run = await runCli(['codeowners', repo.root]);

  assert.equal(run.code, 1);
  assert.match(run.stderr, /slipway\.yaml/);
});

test('codeowners rejects a second path as a usage error', async () => {
  const run = await runCli(['codeowners', 'a', 'b']);

  assert.equal(run.code, 2);
  assert.match(run.stderr, /at most one path/);
});

test('the committed .github/CODEOWNERS of the example repository is up to date', async () => {
  const run = await runCli(['codeowners', '--check'], { cwd: PROJECT_ROOT });

  assert.equal(run.code, 0, run.stderr);
});

test('codeowners refuses an owner that cannot be a GitHub team, naming the file and line', async (t) => {
  const repo = await copyExampleRepo();
  t.after(repo.dispose);
  const card = path.join(repo.root, 'catalog/models/fraud-detector.yaml');
  await writeFile(card, (await readFile(card, 'utf8')).replace('owner: fraud-prevention', 'owner: Fraud Prevention'));

  const before = await readFile(path.join(repo.root, '.github/CODEOWNERS'), 'utf8');

  const run = await runCli(['codeowners', repo.root]);

  assert.equal(run.code, 1);
  assert.match(run.stderr, /^slipway: catalog\/models\/fraud-detector\.yaml:\d+:\d+: metadata\.owner 'Fraud Prevention' of ModelCard 'fraud-detector' is not a GitHub team/);
  assert.equal(await readFile(path.join(repo.root, '.github/CODEOWNERS'), 'utf8'), before, 'CODEOWNERS is left as it was');
});
