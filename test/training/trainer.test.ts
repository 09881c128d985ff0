/** The trainer on generated data: quality, determinism, and ONNX Runtime parity. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import type { Catalog } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { writeTransactionsCsv } from '../../features/generate.js';
import { predictGbdt, trainGbdt } from '../../training/gbdt.js';
import { predictLogistic, trainLogistic } from '../../training/logistic.js';
import { rocAuc } from '../../training/metrics.js';
import { exportOnnx } from '../../training/onnx-export.js';
import { buildTrainingSet, selectRows, type TrainingSet } from '../../training/training-set.js';
import { copyExampleRepo } from '../support/example-repo.js';

describe('the GBDT trainer', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let dir = '';
  let catalog: Catalog;
  let train: TrainingSet;
  let holdout: TrainingSet;

  before(async () => {
    repo = await copyExampleRepo();
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-train-'));
    const file = path.join(dir, 'transactions.csv');
    await writeTransactionsCsv(file, { rows: 30_000, seed: 11 });
    catalog = await loadCatalogOrThrow(repo.root);
    const card = catalog.models.get('fraud-detector');
    assert.ok(card);
    const set = await buildTrainingSet(catalog, card.current.inputs, 'is_fraud', { dataFile: file });
    const cut = set.eventMs[Math.floor(set.rows * 0.8)];
    const trainRows: number[] = [];
    const holdoutRows: number[] = [];
    for (let i = 0; i < set.rows; i++) (set.eventMs[i] < cut ? trainRows : holdoutRows).push(i);
    train = selectRows(set, trainRows);
    holdout = selectRows(set, holdoutRows);
  });
  after(async () => {
    await repo.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('reaches AUC > 0.95 on the time-based holdout, with the logistic baseline trained on the same split', () => {
    const model = trainGbdt(train.x, train.y, { trees: 60, depth: 5, learningRate: 0.15 });
    const auc = rocAuc(predictGbdt(model, holdout.x), holdout.y);
    const baseline = rocAuc(predictLogistic(trainLogistic(train.x, train.y, train.inputs.map((input) => input.dtype === 'string')), holdout.x), holdout.y);
    assert.ok(auc > 0.95, `GBDT AUC ${auc}`);
    assert.ok(baseline > 0.9, `baseline AUC ${baseline}`);
  });

  it('is deterministic for a seed and differs for another', () => {
    const a = trainGbdt(train.x, train.y, { trees: 10, depth: 4, seed: 3 });
    const b = trainGbdt(train.x, train.y, { trees: 10, depth: 4, seed: 3 });
    const c = trainGbdt(train.x, train.y, { trees: 10, depth: 4, seed: 4 });
    assert.deepEqual(Buffer.from(exportOnnx(a, ['x'])), Buffer.from(exportOnnx(b, ['x'])));
    assert.notDeepEqual(a.trees, c.trees);
  });

  it('exports an ONNX model whose probabilities equal the trainer\'s within 1e-5 on 1,000 rows', async () => {
    const model = trainGbdt(train.x, train.y, { trees: 100, depth: 6, learningRate: 0.1 });
    const session = await ort.InferenceSession.create(exportOnnx(model, holdout.inputs.map((input) => input.ref)));
    const n = 1000;
    const width = holdout.inputs.length;
    const data = new Float32Array(n * width);
    for (let i = 0; i < n; i++) for (let f = 0; f < width; f++) data[i * width + f] = holdout.x.columns[f][i];
    const output = await session.run({ input: new ort.Tensor('float32', data, [n, width]) });
    const probabilities = output.probabilities.data as Float32Array;
    const labels = output.label.data as BigInt64Array;
    const ours = predictGbdt(model, holdout.x);
    let fraudSeen = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(probabilities[2 * i + 1] - ours[i]) < 1e-5, `row ${i}: ORT ${probabilities[2 * i + 1]} vs trainer ${ours[i]}`);
      assert.ok(Math.abs(probabilities[2 * i] - (1 - ours[i])) < 1e-5);
      assert.equal(labels[i], ours[i] > 0.5 ? 1n : 0n);
      if (ours[i] > 0.5) fraudSeen += 1;
    }
    assert.ok(fraudSeen > 0, 'the 1,000 rows should include predicted fraud, so both classes are compared');
    await session.release();
  });
});
