/**
 * `slipway checkout --catalog-digest`: a job's pod reads the catalog its object was rendered from,
 * found by content in the clone's history, even after the branch moved on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import type { CatalogPin } from '../../core/load/catalog-digest.js';
import { trainingPin } from '../../generators/catalog-pin.js';
import { render } from '../../generators/render.js';
import { runCli } from '../support/cli.js';
import { copyExampleRepo } from '../support/example-repo.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@slipway.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@slipway.invalid' };
const CARD = 'catalog/models/fraud-detector.yaml';
const OTHER_DOCUMENT = 'environments/prod.yaml';

describe('slipway checkout --catalog-digest --catalog-files', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let scratch: string;
  const commits: Record<'rendered' | 'cardEdit' | 'otherEdit', string> = { rendered: '', cardEdit: '', otherEdit: '' };
  const pins: Record<'rendered' | 'edited', CatalogPin> = { rendered: { digest: '', files: [] }, edited: { digest: '', files: [] } };
  let renderedCard = '';
  const pinNow = async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    return trainingPin(catalog, catalog.models.get('fraud-detector')!);
  };

  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.root, env: GIT_ENV, encoding: 'utf8' }).trim();
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  const checkout = (pin: CatalogPin, dir: string) =>
    runCli(['checkout', '--repository', repo.root, '--branch', 'main', '--catalog-digest', pin.digest, '--catalog-files', pin.files.join(','), '--dir', path.join(scratch, dir)]);

  before(async () => {
    repo = await copyExampleRepo();
    scratch = await mkdtemp(path.join(tmpdir(), 'slipway-checkout-'));
    git('init', '-q', '-b', 'main');
    commits.rendered = commit('the catalog Argo CD synced');
    pins.rendered = await pinNow();
    renderedCard = await readFile(path.join(repo.root, CARD), 'utf8');
    // main moves on after the sync: an edit of the card the training reads, then of a document it does not read.
    await writeFile(path.join(repo.root, CARD), renderedCard.replace(/^(\s*description: .*)$/m, '$1 (edited after the sync)'));
    commits.cardEdit = commit('a later card edit');
    pins.edited = await pinNow();
    const other = path.join(repo.root, OTHER_DOCUMENT);
    await writeFile(other, (await readFile(other, 'utf8')).replace(/^(\s*description: .*)$/m, '$1 (a canary step, say)'));
    commits.otherEdit = commit('an edit the training does not read');
  });
  after(async () => {
    await repo.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it('renders the documents a job reads and their digest into its checkout, and nothing it does not read changes it', async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    const job = render(catalog).objects.get('dev/jobs/job-train-fraud-detector-t1.yaml') as Any;
    const args: string[] = job.spec.template.spec.initContainers[0].args;
    const pin = trainingPin(catalog, catalog.models.get('fraud-detector')!);

    assert.equal(args[args.indexOf('--catalog-digest') + 1], pin.digest);
    assert.equal(args[args.indexOf('--catalog-files') + 1], pin.files.join(','));
    assert.ok(pin.files.includes(CARD) && pin.files.includes('slipway.yaml') && pin.files.some((file) => file.startsWith('catalog/features/')), pin.files.join(','));
    assert.ok(!pin.files.includes(OTHER_DOCUMENT));
    assert.deepEqual(pin, pins.edited, 'the later edit of a document the training does not read leaves its pin as it was');
    assert.notEqual(pins.rendered.digest, pins.edited.digest);
  });

  it('checks out the commit the object was rendered from when the catalog changed since', async () => {
    const run = await checkout(pins.rendered, 'behind');

    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), commits.rendered);
    assert.match(run.stderr, /2 commit\(s\) behind the branch head/);
    assert.equal(await readFile(path.join(scratch, 'behind', CARD), 'utf8'), renderedCard);
    const clone = await loadCatalogOrThrow(path.join(scratch, 'behind'));
    assert.deepEqual(trainingPin(clone, clone.models.get('fraud-detector')!), pins.rendered);
  });

  it('stays on the branch head when only documents the job does not read changed since', async () => {
    const run = await checkout(pins.edited, 'head');

    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), commits.otherEdit);
    assert.doesNotMatch(run.stderr, /behind/);
  });

  it('refuses documents no commit holds, naming them and the digest, and leaves no clone behind', async () => {
    const unknown = { digest: `sha256:${'0'.repeat(64)}`, files: pins.edited.files };
    const run = await checkout(unknown, 'unknown');

    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`none of the newest 500 commits of .* main holds the documents this object was rendered from \\(.*${CARD}.* at ${unknown.digest}\\)`));
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(path.join(scratch, 'unknown')), false);
  });

  it('refuses a digest that is not sha256:<64 hex>', async () => {
    const run = await checkout({ digest: 'latest', files: pins.edited.files }, 'bad');

    assert.equal(run.code, 2);
    assert.match(run.stderr, /--catalog-digest 'latest' is not sha256:<64 hex>/);
  });
});
