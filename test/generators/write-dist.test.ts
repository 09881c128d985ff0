/** dist/ on disk: written idempotently, stale objects removed, other environments left alone. */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render, type Rendering } from '../../generators/render.js';
import { compareDist, ensureDist, isInSync } from '../../generators/write-dist.js';
import { copyExampleRepo } from '../support/example-repo.js';

describe('ensureDist', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let rendering: Rendering;
  let dist: string;
  before(async () => {
    repo = await copyExampleRepo();
    dist = path.join(repo.root, 'dist-test');
    rendering = render(await loadCatalogOrThrow(repo.root));
  });
  after(() => repo.dispose());

  it('writes every file, then finds nothing to do the second time', async () => {
    const first = await ensureDist(dist, rendering);
    assert.equal(first.missing.length, rendering.files.size);
    const written = await readFile(path.join(dist, 'prod/deployment-fraud-detector.yaml'), 'utf8');
    assert.equal(written, rendering.files.get('prod/deployment-fraud-detector.yaml'));
    const mtime = (await stat(path.join(dist, 'prod/deployment-fraud-detector.yaml'))).mtimeMs;
    const second = await ensureDist(dist, rendering);
    assert.ok(isInSync(second));
    assert.equal((await stat(path.join(dist, 'prod/deployment-fraud-detector.yaml'))).mtimeMs, mtime, 'an unchanged file is not rewritten');
  });

  it('removes files of objects that no longer exist, and folders of deleted environments', async () => {
    await writeFile(path.join(dist, 'prod/deployment-retired-model.yaml'), 'kind: Deployment\n');
    await mkdir(path.join(dist, 'qa'), { recursive: true });
    await writeFile(path.join(dist, 'qa/namespace-ml-qa.yaml'), 'kind: Namespace\n');
    const difference = await ensureDist(dist, rendering);
    assert.deepEqual(difference.extra, ['prod/deployment-retired-model.yaml', 'qa/namespace-ml-qa.yaml']);
    assert.ok(!(await readdir(dist)).includes('qa'));
    assert.ok(!(await readdir(path.join(dist, 'prod'))).includes('deployment-retired-model.yaml'));
  });

  it('repairs a hand-edited file and reports it stale', async () => {
    await writeFile(path.join(dist, 'staging/service-fraud-detector.yaml'), 'edited by hand\n');
    assert.deepEqual((await compareDist(dist, rendering)).stale, ['staging/service-fraud-detector.yaml']);
    await ensureDist(dist, rendering);
    assert.equal(await readFile(path.join(dist, 'staging/service-fraud-detector.yaml'), 'utf8'), rendering.files.get('staging/service-fraud-detector.yaml'));
  });

  it('touches only its own folder when rendering one environment', async () => {
    await writeFile(path.join(dist, 'dev/configmap-extra.yaml'), 'kind: ConfigMap\n');
    const onlyProd = render(await loadCatalogOrThrow(repo.root), { environment: 'prod' });
    await writeFile(path.join(dist, 'prod/configmap-extra.yaml'), 'kind: ConfigMap\n');
    const difference = await ensureDist(dist, onlyProd);
    assert.deepEqual(difference.extra, ['prod/configmap-extra.yaml']);
    assert.ok((await readdir(path.join(dist, 'dev'))).includes('configmap-extra.yaml'));
  });
});
