/** One image for every workload: the project's, or the environment's where it names its own. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render, type Rendering } from '../../generators/render.js';
import { copyExampleRepo } from '../support/example-repo.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const RELEASE_CANDIDATE = `ghcr.io/slipway-dev/slipway:0.2.0-rc.1@sha256:${'a1'.repeat(32)}`;

/** Every container image of `environment`'s pods, init containers included, by object. */
function imagesOf(rendering: Rendering, environment: string): Map<string, string[]> {
  const images = new Map<string, string[]>();
  for (const [file, value] of rendering.objects) {
    const object = value as Any;
    if (!file.startsWith(`${environment}/`) || !['Deployment', 'Job', 'CronJob'].includes(object.kind)) continue;
    const spec = object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec;
    images.set(`${object.kind}/${object.metadata.name}`, [...(spec.initContainers ?? []), ...spec.containers].map((container: Any) => container.image));
  }
  return images;
}

describe('the Slipway image', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let rendering: Rendering;

  before(async () => {
    repo = await copyExampleRepo();
    const file = path.join(repo.root, 'environments/dev.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('  deployments:\n', `  image: ${RELEASE_CANDIDATE}\n  deployments:\n`));
    rendering = render(await loadCatalogOrThrow(repo.root));
  });
  after(() => repo.dispose());

  it("runs every workload of an environment that names its own: runtime, controller, training, materialization, checkout", () => {
    const dev = imagesOf(rendering, 'dev');
    assert.deepEqual(
      [...dev.keys()].map((name) => name.split('/')[0]).sort(),
      ['CronJob', 'CronJob', 'CronJob', 'CronJob', 'Deployment', 'Deployment', 'Job'],
    );
    for (const [name, images] of dev) assert.deepEqual(new Set(images), new Set([RELEASE_CANDIDATE]), name);
  });

  it("leaves the other environments on the project's image", () => {
    for (const environment of ['staging', 'prod']) {
      for (const [name, images] of imagesOf(rendering, environment)) {
        assert.deepEqual(new Set(images), new Set(['ghcr.io/slipway-dev/slipway:0.1.0']), `${environment} ${name}`);
      }
    }
  });
});
