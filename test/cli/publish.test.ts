/** `slipway publish`: an artifact trained elsewhere, profiled on a sample and published where the controller finds it. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../core/artifact-store/file-store.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { parseTrainingResult } from '../../core/training-result.js';
import { readStoreResults } from '../../controllers/sources/training-results.js';
import { writeTransactionsCsv } from '../../features/generate.js';
import { runCli } from '../support/cli.js';
import { copyExampleRepo } from '../support/example-repo.js';

describe('slipway publish', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let artifact = '';
  let sample = '';
  let metrics = '';

  before(async () => {
    repo = await copyExampleRepo();
    // Stands for a model exported by another framework: any ONNX file that scores the card's inputs.
    artifact = path.join(repo.root, 'external.onnx');
    await writeFile(artifact, await readFile(path.join(repo.root, 'models/fraud-detector/2.0.0/model.onnx')));
    sample = path.join(repo.root, 'sample.csv');
    await writeTransactionsCsv(sample, { rows: 3_000, seed: 11 });
    metrics = path.join(repo.root, 'metrics.json');
    await writeFile(metrics, JSON.stringify({ auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 }));
  });
  after(() => repo.dispose());

  const publish = (...extra: string[]) => runCli(['publish', artifact, '--model', 'fraud-detector', '--version', '3.0.0', '--metrics', metrics, '--data', sample, repo.root, ...extra]);

  it('publishes the artifact and a result whose profile comes from the sample scored by the artifact', async () => {
    const run = await publish();

    assert.equal(run.code, 0, run.stderr);
    const resultFile = path.join(repo.root, 'models/fraud-detector/3.0.0/training-result.json');
    assert.equal(run.stdout.trim(), `file://${resultFile}`);
    const result = parseTrainingResult(JSON.parse(await readFile(resultFile, 'utf8')), resultFile);
    const bytes = await readFile(artifact);
    assert.equal(result.artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(result.artifact.uri, 'fraud-detector/3.0.0/model.onnx');
    assert.deepEqual(await readFile(path.join(repo.root, 'models', result.artifact.uri)), bytes);
    assert.deepEqual(result.metrics, { auc: 0.97, f1: 0.93, precision: 0.94, recall: 0.92 });
    assert.equal(result.referenceProfile.rows, 3_000);
    const catalog = await loadCatalogOrThrow(repo.root);
    assert.deepEqual(Object.keys(result.referenceProfile.inputs).sort(), catalog.models.get('fraud-detector')!.current.inputs.map((input) => input.ref).sort());
    const score = result.referenceProfile.score;
    assert.ok(score?.type === 'numeric' && score.fractions.some((fraction) => fraction > 0), 'the score distribution comes from the artifact');
  });

  it('is found by the controller as a new version of the card', async () => {
    const catalog = await loadCatalogOrThrow(repo.root);
    const read = await readStoreResults(new FileStore(path.join(repo.root, 'models')), catalog);
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.results.map((evidence) => evidence.result.candidateVersion), ['3.0.0']);
  });

  it('refuses to publish over a published version, in one line, and leaves it as it was', async () => {
    const before = await readFile(path.join(repo.root, 'models/fraud-detector/3.0.0/training-result.json'));
    await writeFile(metrics, JSON.stringify({ auc: 0.99 }));

    const run = await publish();

    assert.equal(run.code, 1);
    assert.match(run.stderr, /^slipway: .*fraud-detector\/3\.0\.0\/training-result\.json.*\n$/);
    assert.deepEqual(await readFile(path.join(repo.root, 'models/fraud-detector/3.0.0/training-result.json')), before);
  });

  it('says what is wrong with bad metrics, a file that is not ONNX, and a version the card has', async () => {
    await writeFile(metrics, '{"auc": "high"}');
    const badMetrics = await publish('--out', path.join(repo.root, 'elsewhere'));
    assert.equal(badMetrics.code, 1);
    assert.match(badMetrics.stderr, /^slipway: --metrics .*metrics\.json: auc must be a finite number \(got "high"\)\n$/);

    await writeFile(metrics, '{"auc": 0.9}');
    await writeFile(artifact, 'not a model');
    const notOnnx = await publish('--out', path.join(repo.root, 'elsewhere'));
    assert.equal(notOnnx.code, 1);
    assert.match(notOnnx.stderr, /^slipway: .*external\.onnx: ONNX Runtime cannot load it/);

    const existing = await runCli(['publish', artifact, '--model', 'fraud-detector', '--version', '2.0.0', '--metrics', metrics, '--data', sample, repo.root]);
    assert.equal(existing.code, 1);
    assert.match(existing.stderr, /fraud-detector 2\.0\.0 is already in the card/);
  });
});
