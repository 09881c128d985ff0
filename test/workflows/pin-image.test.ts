/** `.github/scripts/pin-image.mjs`: the release names the pushed digest in Project documents, and nothing else. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { copyExampleRepo, PROJECT_ROOT } from '../support/example-repo.js';

const SCRIPT = path.join(PROJECT_ROOT, '.github/scripts/pin-image.mjs');
const PUSHED = `ghcr.io/slipway-dev/slipway:0.2.0@sha256:${'5e'.repeat(32)}`;

let scratch: string;
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'slipway-pin-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

const pin = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

test("names the digest in the example's slipway.yaml, changing that line only, and the catalog loads with it", async () => {
  const repo = await copyExampleRepo();
  try {
    const file = path.join(repo.root, 'slipway.yaml');
    const before = await readFile(file, 'utf8');

    const run = pin(PUSHED, file);

    assert.equal(run.status, 0, run.stderr);
    const after = await readFile(file, 'utf8');
    const changed = after.split('\n').filter((line, index) => line !== before.split('\n')[index]);
    assert.deepEqual(changed, [`  image: ${PUSHED}`]);
    const catalog = await loadCatalogOrThrow(repo.root);
    assert.equal(catalog.environments.get('prod')!.image, PUSHED);
  } finally {
    await repo.dispose();
  }
});

test('keeps the init template’s placeholders', async () => {
  const file = path.join(scratch, 'template.yaml');
  await copyFile(path.join(PROJECT_ROOT, 'cli/templates/init/slipway.yaml'), file);

  assert.equal(pin(PUSHED, file).status, 0);

  const text = await readFile(file, 'utf8');
  assert.match(text, /^ {2}name: \{\{name\}\}$/m);
  assert.match(text, new RegExp(`^  image: ${PUSHED.replace(/[.]/g, '\\.')}$`, 'm'));
});

test('refuses a reference without a digest, and a file with no spec.image, changing nothing', async () => {
  const file = path.join(scratch, 'slipway.yaml');
  await copyFile(path.join(PROJECT_ROOT, 'slipway.yaml'), file);
  const original = await readFile(file, 'utf8');

  const byTag = pin('ghcr.io/slipway-dev/slipway:0.2.0', file);
  assert.equal(byTag.status, 1);
  assert.match(byTag.stderr, /'ghcr\.io\/slipway-dev\/slipway:0\.2\.0' is not an image named by digest/);

  const noImage = path.join(scratch, 'environment.yaml');
  await writeFile(noImage, 'kind: Environment\nspec:\n  deployments: []\n');
  const notProject = pin(PUSHED, noImage);
  assert.equal(notProject.status, 1);
  assert.match(notProject.stderr, /environment\.yaml: not a Project document/);
  assert.equal(await readFile(file, 'utf8'), original);
});
