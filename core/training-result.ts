/**
 * The training result: what one training run produced, written by `slipway train` (on a laptop or
 * in the rendered CronJob) and read by the controller to propose a new model-card version.
 * A versioned contract: change `TRAINING_RESULT_FORMAT` when it breaks.
 */
import type { ReferenceProfile, Scalar, TrainingData } from './catalog.js';

/** The contract's identifier, written into every result. */
export const TRAINING_RESULT_FORMAT = 'slipway.dev/training-result/v1';

/** One training run's outcome. */
export interface TrainingResult {
  readonly format: typeof TRAINING_RESULT_FORMAT;
  readonly model: string;
  /** The version this result would become if accepted. */
  readonly candidateVersion: string;
  /** The card's current version when training started: what the candidate is compared with. */
  readonly baseVersion: string;
  /** The card's training trigger id that started the run. */
  readonly triggerId: string;
  readonly artifact: { readonly uri: string; readonly format: 'onnx'; readonly sha256: string };
  /** `<view>:<feature>` in the artifact's input order. */
  readonly inputs: readonly string[];
  /** Holdout metrics of the card's task (`core/model-tasks.ts`: `auc`, `f1`, … or `rmse`, `mae`, `r2`) and `baseline_<metric>` of its baseline. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Holdout metrics per slice declared in the card. */
  readonly slices: readonly { readonly name: string; readonly rows: number; readonly metrics: Readonly<Record<string, number>> }[];
  readonly referenceProfile: ReferenceProfile;
  readonly trainingData: TrainingData;
  readonly holdout: { readonly rows: number; readonly from: string; readonly to: string };
  readonly parameters: Readonly<Record<string, Scalar>>;
  /** Commit of the repository the run trained from. */
  readonly commit: string;
  /** ISO 8601 timestamps. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

/** Checks that parsed JSON is a training result; throws naming the file and the first bad field. */
export function parseTrainingResult(value: unknown, origin: string): TrainingResult {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${origin}: ${field}: ${problem}`);
  };
  if (value === null || typeof value !== 'object') return fail('(root)', 'a training result must be a JSON object');
  const result = value as Partial<TrainingResult>;
  if (result.format !== TRAINING_RESULT_FORMAT) fail('format', `expected '${TRAINING_RESULT_FORMAT}', got ${JSON.stringify(result.format)}`);
  for (const field of ['model', 'candidateVersion', 'baseVersion', 'triggerId', 'commit', 'startedAt', 'finishedAt'] as const) {
    if (typeof result[field] !== 'string' || result[field] === '') fail(field, 'must be a non-empty string');
  }
  if (!/^[a-f0-9]{64}$/.test(result.artifact?.sha256 ?? '')) fail('artifact.sha256', 'must be 64 hex digits');
  if (typeof result.artifact?.uri !== 'string') fail('artifact.uri', 'must be a string');
  if (!Array.isArray(result.inputs) || result.inputs.length === 0) fail('inputs', 'must list the inputs');
  if (result.metrics === null || typeof result.metrics !== 'object') fail('metrics', 'must map metric names to numbers');
  for (const [name, metric] of Object.entries(result.metrics ?? {})) {
    if (typeof metric !== 'number' || !Number.isFinite(metric)) fail(`metrics.${name}`, 'must be a finite number');
  }
  if (result.referenceProfile === undefined) fail('referenceProfile', 'is required');
  return result as TrainingResult;
}
