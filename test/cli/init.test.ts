import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { renderCodeowners } from '../../core/codeowners.js';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { modelCardPageSources } from '../../generators/model-card-page.js';
import { render } from '../../generators/render.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

/** A fresh temporary folder, removed after the test. */
async function workspace(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-init-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function listTree(root: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listTree(root, relative)));
    else files.push(relative);
  }
  return files.sort();
}

test('init scaffolds a repository that loads as a valid catalog of every kind', async (t) => {
  const target = path.join(await workspace(t), 'fraud-team');

  const run = await runCli(['init', target]);

  assert.equal(run.code, 0, run.stderr);
  const loaded = await loadCatalog(target);
  assert.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.diagnostics, null, 2));
  const { catalog } = loaded;
  assert.equal(catalog.project.name, 'fraud-team', 'the project is named after the directory');
  assert.equal(catalog.entities.size, 1);
  assert.equal(catalog.featureViews.size, 1);
  assert.equal(catalog.models.size, 1);
  assert.deepEqual([...catalog.environments.keys()].sort(), ['dev', 'prod', 'staging']);
  assert.equal(catalog.environments.get('prod')!.promotesFrom, 'staging');
  assert.equal(catalog.environments.get('staging')!.promotesFrom, 'dev');
  assert.ok(catalog.promotionPolicies.size >= 1);
  assert.equal(catalog.rolloutPolicies.size, 1);
  assert.equal(catalog.driftPolicies.size, 1);
  assert.deepEqual([...catalog.guardrailPolicies.keys()].sort(), ['every-environment', 'production-guardrails']);
});

test('init writes the workflows, .npmrc, .gitignore and package.json, with dot-files renamed and names filled in', async (t) => {
  const target = path.join(await workspace(t), 'scaffold');

  const run = await runCli(['init', target, '--name', 'risk-models', '--owner', 'risk-team']);

  assert.equal(run.code, 0, run.stderr);
  const files = await listTree(target);
  for (const expected of [
    '.github/CODEOWNERS',
    '.github/scripts/training-triggers.mjs',
    '.github/workflows/controller.yml',
    '.github/workflows/pull-request.yml',
    '.github/workflows/train.yml',
    '.gitignore',
    '.npmrc',
    'README.md',
    'package.json',
    'slipway.yaml',
  ]) {
    assert.ok(files.includes(expected), `${expected} is scaffolded`);
  }
  assert.ok(!files.some((file) => file.split('/').some((segment) => segment.startsWith('dot-'))), 'no template dot- name is left');
  assert.match(await readFile(path.join(target, '.npmrc'), 'utf8'), /^onnxruntime-node-install=skip$/m);
  assert.equal(JSON.parse(await readFile(path.join(target, 'package.json'), 'utf8')).name, 'risk-models');
  for (const file of files) {
    const text = await readFile(path.join(target, file), 'utf8');
    assert.ok(!/(^|[^$]){{\s*(name|owner)\s*}}/.test(text), `${file} has no placeholder left`);
  }
  const catalog = await loadCatalog(target);
  assert.ok(catalog.ok);
  assert.ok([...catalog.catalog.models.values()].every((model) => model.owner === 'risk-team'));
});

test('the scaffolded workflows are this repository\'s own', async (t) => {
  const target = path.join(await workspace(t), 'scaffold');

  assert.equal((await runCli(['init', target])).code, 0);

  for (const file of ['workflows/pull-request.yml', 'workflows/controller.yml', 'workflows/train.yml', 'scripts/training-triggers.mjs']) {
    assert.equal(await readFile(path.join(target, '.github', file), 'utf8'), await readFile(path.join(PROJECT_ROOT, '.github', file), 'utf8'), file);
  }
});

test('the scaffold renders, and passes validate, render --check and codeowners --check as it is', async (t) => {
  const target = path.join(await workspace(t), 'scaffold');
  assert.equal((await runCli(['init', target])).code, 0);
  const loaded = await loadCatalog(target);
  assert.ok(loaded.ok);

  const rendering = render(loaded.catalog);
  const validate = await runCli(['validate'], { cwd: target });
  const renderCheck = await runCli(['render', '--check'], { cwd: target });
  const codeownersCheck = await runCli(['codeowners', '--check'], { cwd: target });

  for (const environment of ['dev', 'staging', 'prod']) {
    assert.ok([...rendering.files.keys()].some((file) => file.startsWith(`${environment}/namespace-`)), `${environment} renders a namespace`);
  }
  assert.equal(validate.code, 0, validate.stdout + validate.stderr);
  assert.equal(renderCheck.code, 0, renderCheck.stdout + renderCheck.stderr);
  assert.equal(codeownersCheck.code, 0, codeownersCheck.stderr);
  assert.equal(await readFile(path.join(target, '.github/CODEOWNERS'), 'utf8'), renderCodeowners(loaded.catalog, modelCardPageSources(loaded.catalog)));
});

test('init scaffolds into an existing empty directory', async (t) => {
  const target = await workspace(t);

  const run = await runCli(['init', target, '--name', 'empty-dir']);

  assert.equal(run.code, 0, run.stderr);
  assert.ok((await loadCatalog(target)).ok);
});

test('init refuses a non-empty directory with one clear line and changes nothing in it', async (t) => {
  const target = await workspace(t);
  await writeFile(path.join(target, 'notes.txt'), 'mine\n');

  const run = await runCli(['init', target, '--name', 'taken']);

  assert.equal(run.code, 1);
  assert.equal(run.stderr, `slipway: ${target} is not empty (1 entry); slipway init only scaffolds into a new or empty directory\n`);
  assert.deepEqual(await readdir(target), ['notes.txt']);
});

test('init refuses a target that is a file', async (t) => {
  const file = path.join(await workspace(t), 'a-file');
  await writeFile(file, '');

  const run = await runCli(['init', file, '--name', 'file']);

  assert.equal(run.code, 1);
  assert.match(run.stderr, /exists and is not a directory/);
});

test('init rejects a directory name that is no DNS label unless --name gives one', async (t) => {
  const parent = await workspace(t);
  const target = path.join(parent, 'My_Models');

  const refused = await runCli(['init', target]);
  const named = await runCli(['init', target, '--name', 'my-models']);

  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /project name 'My_Models' must be lowercase .*; pass --name/);
  assert.equal(named.code, 0, named.stderr);
});

test('init rejects an owner that cannot be a GitHub team, and a missing or second directory', async (t) => {
  const parent = await workspace(t);
  await mkdir(path.join(parent, 'x'));

  const owner = await runCli(['init', path.join(parent, 'x'), '--owner', 'Risk Team']);
  const none = await runCli(['init']);
  const two = await runCli(['init', 'a', 'b']);

  assert.equal(owner.code, 2);
  assert.match(owner.stderr, /--owner 'Risk Team' must be a GitHub team/);
  assert.equal(none.code, 2);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /exactly one directory/);
  assert.deepEqual(await readdir(path.join(parent, 'x')), [], 'nothing was written');
});
