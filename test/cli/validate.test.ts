/** `slipway validate` as a user and a CI job meet it: exit codes, formats, no stack traces. */
import assert from 'node:assert/strict';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyExampleRepo } from '../support/example-repo.js';
import { runCli } from '../support/cli.js';

describe('slipway validate', () => {
  let broken: { root: string; dispose: () => Promise<void> };
  before(async () => {
    broken = await copyExampleRepo();
    await writeFile(path.join(broken.root, 'catalog/features/typo.yaml'), 'apiVersion: slipway.dev/v1alpha1\nkind: Entity\nmetadata: { name: e, owner: t }\nspec:\n  joinKey: id\n  valueTyp: string\n');
    await writeFile(path.join(broken.root, 'policies/empty.yaml'), '');
  });
  after(() => broken.dispose());

  it('exits 0 on the example repository', async () => {
    const run = await runCli(['validate']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /19 documents, valid/);
  });

  it('exits 1 and prints file:line:column: path: message for each problem', async () => {
    const run = await runCli(['validate', broken.root]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trim().split('\n');
    assert.deepEqual(lines, [
      "catalog/features/typo.yaml:6:3: spec.valueTyp: unknown field 'valueTyp' (did you mean 'valueType'?) [unknown-field]",
      'policies/empty.yaml:1:1: file holds no document; delete it or add one [empty-file]',
    ]);
  });

  it('prints GitHub annotations with --format github', async () => {
    const run = await runCli(['validate', broken.root, '--format', 'github']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^::error file=catalog\/features\/typo\.yaml,line=6,col=3,title=slipway unknown-field::spec\.valueTyp: unknown field/m);
  });

  it('prints one JSON object with --format json', async () => {
    const run = await runCli(['validate', broken.root, '--format', 'json']);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as { valid: boolean; problems: { file: string; line: number; path: string }[] };
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems.map((problem) => `${problem.file}:${problem.line}`), ['catalog/features/typo.yaml:6', 'policies/empty.yaml:1']);
  });

  it('exits 2 on a usage error, without a stack trace', async () => {
    const run = await runCli(['validate', '--format', 'xml']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--format must be one of text, json, github \(got 'xml'\)/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('exits 1 with a located message for a path that is not a repository', async () => {
    const run = await runCli(['validate', '/nonexistent/repo']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /not a directory/);
  });

  it('reports a hand-edited dist/ file as a guardrail problem', async () => {
    const repo = await copyExampleRepo();
    try {
      const [file] = (await readdir(path.join(repo.root, 'dist', 'prod'))).filter((name) => name.endsWith('.yaml'));
      await appendFile(path.join(repo.root, 'dist', 'prod', file), '# edited by hand\n');
      const run = await runCli(['validate', repo.root]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout.trim(), `dist/prod/${file}:1:1: guardrail 'every-environment': differs from what the catalog renders; run 'slipway render' and commit the result [guardrail]`);
    } finally {
      await repo.dispose();
    }
  });

  it('exits 2 for an unknown command', async () => {
    const run = await runCli(['valdate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command 'valdate'/);
  });
});
