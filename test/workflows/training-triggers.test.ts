/** `.github/scripts/training-triggers.mjs` on a real Git repository: which cards the train workflow trains. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { copyExampleRepo, PROJECT_ROOT } from '../support/example-repo.js';

const SCRIPT = path.join(PROJECT_ROOT, '.github/scripts/training-triggers.mjs');
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@slipway.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@slipway.invalid' };
const CARD = 'catalog/models/fraud-detector.yaml';

/** A Git repository holding the example, with a helper that edits a file and commits. */
async function exampleGitRepo() {
  const repo = await copyExampleRepo();
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.root, env: GIT_ENV, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'example');
  const commit = async (file: string, edit: (text: string) => string) => {
    const target = path.join(repo.root, file);
    const before = await readFile(target, 'utf8').catch(() => '');
    const after = edit(before);
    assert.notEqual(after, before, `the edit of ${file} changes it`);
    await writeFile(target, after);
    git('add', '-A');
    git('commit', '-q', '-m', `edit ${file}`);
    return git('rev-parse', 'HEAD');
  };
  return { root: repo.root, dispose: repo.dispose, head: () => git('rev-parse', 'HEAD'), commit };
}

function triggers(root: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: root, encoding: 'utf8' });
  return { code: run.status, models: run.status === 0 ? (JSON.parse(run.stdout) as string[]) : null, stderr: run.stderr };
}

test('a changed triggerId selects its model card; any other edit of the card selects nothing', async (t) => {
  const repo = await exampleGitRepo();
  t.after(repo.dispose);
  const first = repo.head();

  const retrain = await repo.commit(CARD, (text) => text.replace('triggerId: t1', 'triggerId: t2'));
  const reword = await repo.commit(CARD, (text) => text.replace('May flag legitimate', 'Can flag legitimate'));

  assert.deepEqual(triggers(repo.root, first, retrain).models, ['fraud-detector']);
  assert.deepEqual(triggers(repo.root, retrain, reword).models, []);
  assert.deepEqual(triggers(repo.root, first, reword).models, ['fraud-detector']);
});

test('a new model card counts as changed, and so does every card when the previous commit is unknown', async (t) => {
  const repo = await exampleGitRepo();
  t.after(repo.dispose);
  const first = repo.head();
  const card = await readFile(path.join(repo.root, CARD), 'utf8');

  const added = await repo.commit('catalog/models/chargeback-predictor.yaml', () => card.replace('name: fraud-detector', 'name: chargeback-predictor'));

  assert.deepEqual(triggers(repo.root, first, added).models, ['chargeback-predictor']);
  assert.deepEqual(triggers(repo.root, '0000000000000000000000000000000000000000', added).models, ['chargeback-predictor', 'device-trust-estimator', 'fraud-detector']);
});

test('--all lists every model card and --model checks that the card exists', async (t) => {
  const repo = await exampleGitRepo();
  t.after(repo.dispose);

  const all = triggers(repo.root, '--all');
  const one = triggers(repo.root, '--model', 'fraud-detector');
  const missing = triggers(repo.root, '--model', 'no-such-model');
  const wrong = triggers(repo.root, '--bogus');

  assert.deepEqual(all.models, ['device-trust-estimator', 'fraud-detector']);
  assert.deepEqual(one.models, ['fraud-detector']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no model card named 'no-such-model'/);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /usage:/);
});
