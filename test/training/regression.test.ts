/**
 * `task: regression` end to end on generated data: the example's regression card trains a
 * squared-error GBDT that explains part of its label and beats predicting the mean; ONNX Runtime
 * (and the runtime's own session) serve exactly the trainer's predictions; and the retraining
 * judgement passes or refuses the result as its PromotionPolicy's thresholds say.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import { openArtifactStore } from '../../core/artifact-store/open-store.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { writeTransactionsCsv } from '../../features/generate.js';
import { proposeNewVersion } from '../../controllers/proposals/retrain-result.js';
import { buildBundle } from '../../core/bundle.js';
import { createInputEncoder } from '../../core/model-input-encoding.js';
import { openSession } from '../../runtime/ort-session.js';
import { startRuntime } from '../../runtime/runtime.js';
import { predictGbdt, rawScore, trainGbdt } from '../../training/gbdt.js';
import { SQUARED_ERROR } from '../../training/objectives.js';
import { exportOnnx } from '../../training/onnx-export.js';
import { trainModel, type TrainOutcome } from '../../training/train-model.js';
import { buildTrainingSet, selectRows, type TrainingSet } from '../../training/training-set.js';
import { runCli } from '../support/cli.js';
import { copyExampleRepo } from '../support/example-repo.js';

const MODEL = 'device-trust-estimator';

// An environment that deploys the regression card under its own PromotionPolicy (the example deploys it nowhere).
const TRUST_DEV = `apiVersion: slipway.dev/v1alpha1
kind: Environment
metadata: { name: trust-dev, owner: ml-platform }
spec:
  promotion: { policy: device-trust-to-dev }
  cluster: { server: https://kubernetes.default.svc, namespace: ml-trust-dev }
  argocd: { project: ml-platform }
  deployments:
    - model: ${MODEL}
      stable: 1.0.0
      replicas: { min: 1, max: 1 }
`;

describe('a regression card', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let data = '';
  let outcome: TrainOutcome;
  let holdout: TrainingSet;

  before(async () => {
    repo = await copyExampleRepo();
    data = path.join(repo.root, 'data/transactions.csv');
    await writeTransactionsCsv(data, { rows: 20_000, seed: 9 });
    const catalog = await loadCatalogOrThrow(repo.root);
    outcome = await trainModel({ catalog, model: MODEL, store: openArtifactStore(catalog.project.artifacts, repo.root) });
    // The holdout trainModel used: the newest 30 days of the window.
    const card = catalog.models.get(MODEL)!;
    const set = await buildTrainingSet(catalog, card.current.inputs, card.training.label, { dataFile: data, labelDtype: 'float64' });
    let newest = 0;
    for (const t of set.eventMs) newest = Math.max(newest, t);
    const rows = [...set.eventMs.keys()].filter((i) => set.eventMs[i] > newest - card.training.holdoutMs!);
    holdout = selectRows(set, rows);
  });
  after(() => repo.dispose());

  it('reports rmse, mae and r2 with its ridge baseline, and none of the binary metrics', () => {
    assert.deepEqual(Object.keys(outcome.result.metrics).sort(), ['baseline_mae', 'baseline_r2', 'baseline_rmse', 'mae', 'r2', 'rmse']);
    assert.deepEqual(Object.keys(outcome.result.slices[0].metrics).sort(), ['mae', 'r2', 'rmse']);
    assert.equal(outcome.model.objective, 'squared-error');
    assert.equal(outcome.result.holdout.rows, holdout.rows);
  });

  it('explains part of the label: r2 > 0.03, below the mean predictor\'s rmse and better than the ridge baseline', () => {
    const { rmse, r2, mae, baseline_rmse, baseline_r2 } = outcome.result.metrics;
    let mean = 0;
    for (const y of holdout.y) mean += y / holdout.rows;
    let squared = 0;
    for (const y of holdout.y) squared += (y - mean) ** 2;
    const meanPredictorRmse = Math.sqrt(squared / holdout.rows);
    assert.ok(r2 > 0.03, `r2 ${r2}`);
    assert.ok(rmse < meanPredictorRmse, `rmse ${rmse} vs the mean predictor's ${meanPredictorRmse}`);
    assert.ok(rmse < baseline_rmse && r2 > baseline_r2, `GBDT rmse ${rmse} r2 ${r2}, ridge rmse ${baseline_rmse} r2 ${baseline_r2}`);
    assert.ok(mae > 0 && mae < rmse);
  });

  it('serves through ONNX Runtime, and through the runtime\'s session, the values the trainer predicts', async () => {
    const bytes = await readFile(path.join(repo.root, 'models', outcome.result.artifact.uri));
    const n = Math.min(1_000, holdout.rows);
    const width = holdout.inputs.length;
    const batch = new Float32Array(n * width);
    for (let i = 0; i < n; i++) for (let f = 0; f < width; f++) batch[i * width + f] = holdout.x.columns[f][i];
    const ours = predictGbdt(outcome.model, holdout.x);
    const session = await ort.InferenceSession.create(bytes);
    const output = (await session.run({ input: new ort.Tensor('float32', batch, [n, width]) })).value;
    assert.deepEqual(session.outputNames, ['value']);
    assert.deepEqual(output.dims, [n, 1]);
    const served = await openSession(bytes, width);
    const runtimeScores = await served.score(batch, n);
    const values = output.data as Float32Array;
    for (let i = 0; i < n; i++) {
      const tolerance = 1e-5 * Math.max(1, Math.abs(ours[i]));
      assert.ok(Math.abs(values[i] - ours[i]) < tolerance, `row ${i}: ORT ${values[i]} vs trainer ${ours[i]}`);
      // The runtime's session optimises the graph, which may sum the trees in another float32 order.
      assert.ok(Math.abs(runtimeScores[i] - ours[i]) < tolerance, `row ${i}: the runtime serves ${runtimeScores[i]}, the trainer ${ours[i]}`);
    }
    assert.ok(new Set(Array.from(values.subarray(0, n), (v) => Math.round(v))).size > 5, 'the predictions vary with the inputs');
    await session.release();
    await served.release();
  });

  it('is deterministic for a seed', () => {
    const a = trainGbdt(holdout.x, holdout.y, { trees: 8, depth: 3, seed: 5 }, SQUARED_ERROR);
    const b = trainGbdt(holdout.x, holdout.y, { trees: 8, depth: 3, seed: 5 }, SQUARED_ERROR);
    assert.deepEqual(Buffer.from(exportOnnx(a, ['x'])), Buffer.from(exportOnnx(b, ['x'])));
    // Squared error starts from the labels' mean, as a float32.
    assert.equal(a.base, Math.fround(holdout.y.reduce((sum, y) => sum + y, 0) / holdout.rows));
  });

  describe('judged by its PromotionPolicy', () => {
    const deployed = async (policyEdit: (text: string) => string) => {
      await writeFile(path.join(repo.root, 'environments/trust-dev.yaml'), TRUST_DEV);
      const policies = path.join(repo.root, 'policies/promotion.yaml');
      await writeFile(policies, policyEdit(await readFile(policies, 'utf8')));
      const rendered = await runCli(['render', repo.root]);
      assert.equal(rendered.code, 0, rendered.stderr);
      return loadCatalogOrThrow(repo.root);
    };

    it('proposes the version when rmse, r2, the r2 no-regression and the slice minimum hold', async () => {
      const catalog = await deployed((text) => text);
      const decision = proposeNewVersion(catalog, { result: outcome.result, origin: 'test' });
      assert.equal(decision.kind, 'propose', JSON.stringify(decision));
      assert.ok(decision.kind === 'propose');
      assert.deepEqual(decision.proposal.evidence.map((row) => [row.name, row.pass]), [
        ['rmse', true],
        ['r2', true],
        ['r2 vs 1.0.0', true],
        ['r2 on slice international', true],
      ]);
      assert.equal(decision.proposal.target, 'trust-dev');
    });

    it('rejects it, naming rmse, when the threshold is below what the model reaches', async () => {
      const catalog = await deployed((text) => text.replace('{ metric: rmse, op: "<", value: 13.7 }', '{ metric: rmse, op: "<", value: 5 }'));
      const decision = proposeNewVersion(catalog, { result: outcome.result, origin: 'test' });
      assert.equal(decision.kind, 'reject');
      assert.ok(decision.kind === 'reject');
      assert.deepEqual(decision.reasons, [`rmse: ${outcome.result.metrics.rmse} does not meet < 5`]);
    });

    it('is served by the runtime from its bundle: /score answers the trainer\'s value, counted under class "value"', async () => {
      const catalog = await deployed((text) => text);
      const base = buildBundle(catalog, 'trust-dev', MODEL);
      assert.equal(base.task, 'regression');
      // Serve the version just trained in place of the committed 1.0.0, so the trainer's own trees are the reference.
      const versions = base.versions.map((version) => ({ ...version, artifact: { uri: outcome.result.artifact.uri, sha256: outcome.result.artifact.sha256 } }));
      const runtime = await startRuntime({ bundle: { ...base, versions }, artifactRoot: path.join(repo.root, 'models'), port: 0, host: '127.0.0.1', log: () => {}, audit: () => {} });
      try {
        const features = { amount: 250, transaction_hour: 2, merchant_category: 'Electronics', foreign_transaction: true };
        const response = await fetch(`${runtime.url}/v2/models/${MODEL}/score`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ entities: { user_id: 'u1', transaction_id: 't1' }, features }),
        });
        const body = (await response.json()) as Record<string, unknown>;
        assert.equal(response.status, 200, JSON.stringify(body));
        // No online store: the cardholder's inputs fall back to their declared defaults, as in training.
        const inputs = versions[0].inputs;
        const values = inputs.map((input) => (input.view === 'transaction-features' ? features[input.feature as keyof typeof features] : input.default));
        const row = new Float32Array(inputs.length);
        createInputEncoder(inputs)(values, row, 0);
        const expected = rawScore(outcome.model, row);
        assert.ok(Math.abs((body.score as number) - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `served ${body.score}, trainer ${expected}`);
        const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
        assert.match(metrics, new RegExp(`slipway_predictions_total\\{[^}]*model="${MODEL}"[^}]*class="value"[^}]*\\} 1`));
      } finally {
        await runtime.stop();
      }
    });
  });
});
