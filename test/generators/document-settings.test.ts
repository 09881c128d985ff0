/**
 * Document settings the example leaves unset still reach what they name: each document's labels
 * land on the objects rendered from it, and a card's training image and command on its Job.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render, type Rendering } from '../../generators/render.js';
import { copyExampleRepo } from '../support/example-repo.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const TRAINING_IMAGE = `ghcr.io/acme/fraud-trainer:3.1@sha256:${'ab'.repeat(32)}`;

/** Replaces `from` by `to` in a file of the repository, failing when the example changed shape. */
async function edit(root: string, file: string, from: string, to: string): Promise<void> {
  const target = path.join(root, file);
  const text = await readFile(target, 'utf8');
  assert.ok(text.includes(from), `${file} no longer holds ${JSON.stringify(from)}; update this test`);
  await writeFile(target, text.replace(from, to));
}

describe('documents with labels and a custom trainer', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let rendering: Rendering;
  const object = (file: string): Any => {
    const found = rendering.objects.get(file);
    assert.ok(found, `${file} was not rendered`);
    return found;
  };

  before(async () => {
    repo = await copyExampleRepo();
    await edit(repo.root, 'environments/dev.yaml', '  owner: ml-platform\n', '  owner: ml-platform\n  labels: { cost-center: ml-dev }\n');
    await edit(repo.root, 'catalog/models/fraud-detector.yaml', '  owner: fraud-prevention\n', '  owner: fraud-prevention\n  labels: { risk-tier: high }\n');
    await edit(repo.root, 'catalog/features/behavioral-features.yaml', '  owner: fraud-prevention\n', '  owner: fraud-prevention\n  labels: { data-domain: behaviour }\n');
    await edit(repo.root, 'catalog/models/fraud-detector.yaml', '  training:\n', `  training:\n    image: ${TRAINING_IMAGE}\n    command: [python, -m, trainer, --card, fraud-detector]\n`);
    rendering = render(await loadCatalogOrThrow(repo.root));
  });
  after(() => repo.dispose());

  it("puts each document's labels on the objects rendered from it, and nowhere else", () => {
    assert.equal(object('dev/namespace-ml-dev.yaml').metadata.labels['cost-center'], 'ml-dev');
    assert.equal(object('dev/deployment-slipway-controller.yaml').metadata.labels['cost-center'], 'ml-dev');
    assert.equal(object('staging/namespace-ml-staging.yaml').metadata.labels['cost-center'], undefined);
    for (const env of ['dev', 'prod']) assert.equal(object(`${env}/deployment-fraud-detector.yaml`).metadata.labels['risk-tier'], 'high', env);
    assert.equal(object('dev/deployment-fraud-detector.yaml').metadata.labels['data-domain'], undefined);
    assert.equal(object('dev/jobs/cronjob-materialize-behavioral-features.yaml').metadata.labels['data-domain'], 'behaviour');
    assert.equal(object('dev/jobs/cronjob-materialize-user-features.yaml').metadata.labels['data-domain'], undefined);
  });

  it("runs the card's training image and command instead of slipway train", () => {
    const job = [...rendering.objects.entries()].find(([file, value]) => file.startsWith('dev/jobs/') && (value as Any).kind === 'Job')?.[1] as Any;
    assert.ok(job, 'no training Job rendered in dev');
    const trainer = job.spec.template.spec.containers[0];
    assert.equal(trainer.image, TRAINING_IMAGE);
    assert.deepEqual(trainer.command, ['python', '-m', 'trainer', '--card', 'fraud-detector']);
    assert.equal(trainer.args, undefined);
  });
});
