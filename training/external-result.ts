/**
 * The training result of an artifact trained somewhere else (PyTorch, XGBoost, a notebook, a
 * Kubeflow pipeline): its sha256, the metrics its pipeline measured, and the reference profile
 * computed here from a data sample scored by the artifact itself, so that drift is measured
 * against what the model really saw. `slipway publish` writes it beside the artifact.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Catalog } from '../core/catalog.js';
import { required } from '../core/catalog.js';
import { TRAINING_RESULT_FORMAT, type TrainingResult } from '../core/training-result.js';
import { referenceProfile } from './profile.js';
import { artifactKeyOf } from './publish.js';
import { TRAINING_TASKS } from './tasks/index.js';
import { buildTrainingSet } from './training-set.js';

/** Scores row-major encoded rows with the artifact (the CLI injects ONNX Runtime). */
export type ScoreRows = (batch: Float32Array, rows: number) => Promise<Float32Array>;

/** What `describeExternalArtifact` needs. */
export interface ExternalArtifact {
  readonly catalog: Catalog;
  readonly model: string;
  readonly version: string;
  readonly bytes: Uint8Array;
  /** Metrics the training pipeline measured on its holdout (`auc`, `f1`, …). */
  readonly metrics: Readonly<Record<string, number>>;
  /** A sample of the training data, in the card's feature columns (CSV or JSON Lines). */
  readonly sampleFile: string;
  readonly score: ScoreRows;
  readonly commit: string;
}

/** Rows scored per ONNX Runtime call while profiling the sample. */
const SCORE_BATCH = 1_024;

/** The training result of an externally trained artifact, for the card's current inputs. */
export async function describeExternalArtifact(options: ExternalArtifact): Promise<TrainingResult> {
  const started = new Date();
  const card = required(options.catalog.models, options.model, 'model');
  const inputs = card.current.inputs;
  const sample = await buildTrainingSet(options.catalog, inputs, card.training.label, {
    dataFile: options.sampleFile,
    onBadRow: 'fail',
    labelDtype: TRAINING_TASKS[card.task].labelDtype,
  });
  if (sample.rows === 0) throw new Error(`the data sample ${options.sampleFile} has no rows`);
  const scores = await scoreAll(sample.x.columns, sample.rows, options.score);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of sample.eventMs) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const finished = new Date();
  return {
    format: TRAINING_RESULT_FORMAT,
    model: options.model,
    candidateVersion: options.version,
    baseVersion: card.current.version,
    triggerId: card.training.triggerId,
    artifact: { uri: artifactKeyOf(options.model, options.version), format: 'onnx', sha256: createHash('sha256').update(options.bytes).digest('hex') },
    inputs: inputs.map((input) => input.ref),
    metrics: { ...options.metrics },
    // Slice metrics belong to the pipeline's holdout, which Slipway has not seen.
    slices: [],
    referenceProfile: referenceProfile(inputs, sample.raw, scores),
    trainingData: {
      dataset: path.basename(options.sampleFile, path.extname(options.sampleFile)),
      description: `published with a sample of ${sample.rows} rows (${path.basename(options.sampleFile)}); trained outside Slipway`,
      rows: sample.rows,
      from: day(first),
      to: day(last),
    },
    holdout: { rows: 0, from: day(first), to: day(last) },
    parameters: {},
    commit: options.commit,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
  };
}

async function scoreAll(columns: readonly Float32Array[], rows: number, score: ScoreRows): Promise<Float32Array> {
  const width = columns.length;
  const scores = new Float32Array(rows);
  for (let start = 0; start < rows; start += SCORE_BATCH) {
    const count = Math.min(SCORE_BATCH, rows - start);
    const batch = new Float32Array(count * width);
    for (let row = 0; row < count; row++) for (let column = 0; column < width; column++) batch[row * width + column] = columns[column][start + row];
    scores.set(await score(batch, count), start);
  }
  return scores;
}
