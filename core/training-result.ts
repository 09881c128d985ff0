/**
 * The training result: what one training run produced, written by `slipway train` (on a laptop or
 * in the rendered CronJob) and read by the controller to propose a new model-card version.
 * A versioned contract (`schemas/training-result.json`): change `TRAINING_RESULT_FORMAT` when it breaks.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { ReferenceProfile, Scalar, TrainingData } from './catalog.js';
import { TRAINING_RESULT_FORMAT, trainingResultSchema } from './schemas/training-result.js';

export { TRAINING_RESULT_FORMAT };

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

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

/** Checks parsed JSON against the training result's JSON Schema; throws naming the file and the first bad field. */
export function parseTrainingResult(value: unknown, origin: string): TrainingResult {
  const validate = validator();
  if (validate(value)) return value as TrainingResult;
  const [error] = validate.errors ?? [];
  throw new Error(`${origin}: ${error === undefined ? '(root): is not a training result' : describe(error)}`);
}

let compiled: ValidateFunction | null = null;

// Compiled once per process, on first use: the controller reads results on every reconcile.
function validator(): ValidateFunction {
  if (compiled !== null) return compiled;
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(ajv, ['date', 'date-time']);
  compiled = ajv.compile(trainingResultSchema);
  return compiled;
}

/** `field.path: problem`, with the field a required or unknown property names. */
function describe(error: ErrorObject): string {
  const at = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) return `${[...at, params.missingProperty].join('.')}: is required`;
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) return `${[...at, params.additionalProperty].join('.')}: is not a known field`;
  return `${at.length === 0 ? '(root)' : at.join('.')}: ${error.message ?? 'is invalid'}`;
}
