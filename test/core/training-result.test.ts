/** The training result contract is its JSON Schema: a result that breaks it is refused naming the file and the field. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTrainingResult, TRAINING_RESULT_FORMAT } from '../../core/training-result.js';

const VALID = {
  format: TRAINING_RESULT_FORMAT,
  model: 'fraud-detector',
  candidateVersion: '2.1.0',
  baseVersion: '2.0.0',
  triggerId: 't1',
  artifact: { uri: 'fraud-detector/2.1.0/model.onnx', format: 'onnx', sha256: 'a'.repeat(64) },
  inputs: ['transaction-features:amount'],
  metrics: { auc: 0.99, f1: 0.86 },
  slices: [{ name: 'international', rows: 120, metrics: { auc: 0.98 } }],
  referenceProfile: { rows: 100, inputs: { 'transaction-features:amount': { type: 'numeric', edges: [0, 10, 100], fractions: [0.5, 0.5] } }, score: { type: 'numeric', edges: [0, 0.5, 1], fractions: [0.9, 0.1] } },
  trainingData: { dataset: 'transactions', rows: 1000, from: '2024-07-01', to: '2024-11-27' },
  holdout: { rows: 200, from: '2024-11-28', to: '2024-12-27' },
  parameters: { trees: 100 },
  commit: 'c0ffee',
  startedAt: '2024-12-28T03:00:00.000Z',
  finishedAt: '2024-12-28T03:01:00.000Z',
  durationMs: 60_000,
};

const refusal = (change: (result: Record<string, unknown>) => void): string => {
  const result = structuredClone(VALID) as Record<string, unknown>;
  change(result);
  try {
    parseTrainingResult(result, 'results/fraud-detector-2.1.0.json');
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('parseTrainingResult', () => {
  it('accepts a result as the trainer writes it', () => {
    assert.equal(parseTrainingResult(structuredClone(VALID), 'r.json').candidateVersion, '2.1.0');
  });

  it('names the file and the field of each kind of mistake', () => {
    const file = 'results/fraud-detector-2.1.0.json';
    assert.equal(refusal((r) => delete (r.artifact as Record<string, unknown>).sha256), `${file}: artifact.sha256: is required`);
    assert.equal(refusal((r) => ((r.artifact as Record<string, unknown>).sha256 = 'abc')), `${file}: artifact.sha256: must match pattern "^[a-f0-9]{64}$"`);
    assert.equal(refusal((r) => ((r.metrics as Record<string, unknown>).auc = 'high')), `${file}: metrics.auc: must be number`);
    assert.match(refusal((r) => (r.candidateVersion = 'v2')), /^results\/fraud-detector-2\.1\.0\.json: candidateVersion: must match pattern /);
    assert.equal(refusal((r) => (r.format = 'slipway.dev/training-result/v0')), `${file}: format: must be equal to constant`);
    assert.equal(refusal((r) => (r.finishedAt = 'yesterday')), `${file}: finishedAt: must match format "date-time"`);
    assert.equal(refusal((r) => (r.extra = 1)), `${file}: extra: is not a known field`);
    assert.equal(refusal((r) => ((r.referenceProfile as Record<string, unknown>).inputs = { x: { type: 'gaussian' } })), `${file}: referenceProfile.inputs.x.type: must be equal to one of the allowed values`);
  });
});
