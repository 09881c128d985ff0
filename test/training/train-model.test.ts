/** A whole training run: artifact, sha256, and a result document the controller can parse, published to the store. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArtifactStoreError } from '../../core/artifact-store/artifact-store.js';
import { openArtifactStore } from '../../core/artifact-store/open-store.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { parseTrainingResult } from '../../core/training-result.js';
import { writeTransactionsCsv } from '../../features/generate.js';
import { trainModel } from '../../training/train-model.js';
import { copyExampleRepo } from '../support/example-repo.js';

describe('trainModel', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  before(async () => {
    repo = await copyExampleRepo();
    await writeTransactionsCsv(path.join(repo.root, 'data/transactions.csv'), { rows: 12_000, seed: 9 });
  });
  after(() => repo.dispose());

  it('publishes the artifact and a parseable training result with metrics, slices and a profile in the card shape', async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    const store = openArtifactStore(catalog.project.artifacts, repo.root);
    const outcome = await trainModel({ catalog, model: 'fraud-detector', parameters: { trees: 20, depth: 4 }, store });
    // The example's store is its models/ directory: <model>/<version>/{model.onnx,training-result.json}.
    const resultFile = path.join(repo.root, 'models/fraud-detector/2.1.0/training-result.json');
    assert.equal(fileURLToPath(outcome.resultUrl), resultFile);
    const result = parseTrainingResult(JSON.parse(await readFile(resultFile, 'utf8')), resultFile);
    assert.equal(result.candidateVersion, '2.1.0');
    assert.equal(result.baseVersion, '2.0.0');
    assert.equal(result.artifact.uri, 'fraud-detector/2.1.0/model.onnx');
    const bytes = await readFile(path.join(repo.root, 'models', result.artifact.uri));
    assert.equal(result.artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(result.inputs, catalog.models.get('fraud-detector')?.current.inputs.map((input) => input.ref));
    assert.ok(result.metrics.auc > 0.9 && result.metrics.auc <= 1);
    assert.equal(result.parameters.trees, 20);
    assert.deepEqual(result.slices.map((slice) => slice.name), ['international']);
    assert.ok(result.slices[0].rows > 0);
    const amount = result.referenceProfile.inputs['transaction-features:amount'];
    assert.equal(amount.type, 'numeric');
    assert.ok(amount.type === 'numeric' && amount.edges.length === amount.fractions.length + 1);
    const merchant = result.referenceProfile.inputs['transaction-features:merchant_category'];
    assert.ok(merchant.type === 'categorical' && Math.abs(Object.values(merchant.frequencies).reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(result.referenceProfile.score?.type, 'numeric');
    // A time-based holdout: every held-out day comes after every training day.
    assert.ok(result.holdout.from > result.trainingData.to);
    assert.equal(result.trainingData.rows + result.holdout.rows, 12_000);
  });

  it('refuses to publish other bytes over a version already in the store, and leaves the stored one as it was', async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    const store = openArtifactStore(catalog.project.artifacts, repo.root);
    const file = path.join(repo.root, 'models/fraud-detector/2.2.0/model.onnx');
    await trainModel({ catalog, model: 'fraud-detector', version: '2.2.0', parameters: { trees: 5, depth: 3 }, store });
    const before = await readFile(file);
    await assert.rejects(
      trainModel({ catalog, model: 'fraud-detector', version: '2.2.0', parameters: { trees: 6, depth: 3 }, store }),
      (error: unknown) => error instanceof ArtifactStoreError && error.failure === 'conflict' && error.message.includes('fraud-detector/2.2.0/model.onnx'),
    );
    assert.deepEqual(await readFile(file), before);
  });
});
