import {
  FEATURE_REFERENCE_PATTERN,
  SCALAR,
  type JsonSchema,
  documentSchema,
  duration,
  integer,
  list,
  map,
  number,
  object,
  oneOfValues,
  text,
  version,
} from './common.js';

/** What a model predicts; decides which metrics and outputs make sense. */
export const MODEL_TASKS = ['binary-classification', 'regression'] as const;

const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const SHA256_PATTERN = '^[a-f0-9]{64}$';

const date = (description: string): JsonSchema => text(description, { pattern: DATE_PATTERN });

export const featureReference = text('A feature as `<feature-view>:<feature>`.', { pattern: FEATURE_REFERENCE_PATTERN });

export const metrics = map('Evaluation metrics on the holdout, by name: `auc`, `f1`, `precision`, `recall` for binary classification; `rmse`, `mae`, `r2` for regression; `baseline_<metric>` for the baseline trained beside the model; …', {
  type: 'number',
});

export const artifact = object(
  'The serialized model. Only an artifact whose sha256 matches is ever served.',
  {
    uri: text('Where the artifact is stored: a key in the artifact store (`<model>/<version>/model.onnx`, as training publishes it), or a full `s3://`/`https://`/`file://` URL.', {
      minLength: 1,
    }),
    format: oneOfValues('Serialization format.', ['onnx']),
    sha256: text('Hex SHA-256 of the artifact bytes; required before the version can be deployed.', {
      pattern: SHA256_PATTERN,
    }),
  },
  ['uri', 'format'],
);

const sliceFilter = object(
  'A condition on one input; a row belongs to the slice when every condition holds.',
  {
    input: featureReference,
    equals: { ...SCALAR, description: 'The input equals this value.' },
    in: list('The input is one of these values.', SCALAR, { minItems: 1 }),
    min: number('The input is at least this value.'),
    max: number('The input is below this value.'),
  },
  ['input'],
);

const slice = object(
  'A subpopulation whose metrics are reported and gated separately.',
  {
    name: text('Slice name, e.g. `international`.', { pattern: '^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$' }),
    description: text('Who is in the slice.'),
    where: list('Conditions selecting the slice’s rows.', sliceFilter, { minItems: 1 }),
    metrics,
  },
  ['name', 'metrics'],
);

export const trainingData = object(
  'The data the version was trained on.',
  {
    dataset: text('Dataset name.', { minLength: 1 }),
    description: text('What the data is.'),
    rows: integer('Number of training rows.', { minimum: 0 }),
    from: date('First event date in the data (inclusive), `YYYY-MM-DD`.'),
    to: date('Last event date in the data (inclusive), `YYYY-MM-DD`.'),
  },
  ['dataset', 'rows', 'from', 'to'],
);

const distribution = object(
  'A distribution seen in training: bin edges with fractions for numbers, frequencies for categories.',
  {
    type: oneOfValues('How the distribution is summarized.', ['numeric', 'categorical']),
    edges: list('Bin edges, ascending; n+1 edges for n bins (numeric).', { type: 'number' }, { minItems: 2 }),
    fractions: list('Fraction of rows per bin; sums to 1 (numeric).', { type: 'number', minimum: 0, maximum: 1 }),
    frequencies: map('Fraction of rows per category; sums to 1 (categorical).', {
      type: 'number',
      minimum: 0,
      maximum: 1,
    }),
  },
  ['type'],
);

export const referenceProfile = object(
  'Per-input and score distributions of the training data: the baseline drift is measured against.',
  {
    rows: integer('Rows the profile was computed from.', { minimum: 1 }),
    inputs: map('Distribution per input, keyed by `<feature-view>:<feature>`.', distribution),
    score: distribution,
  },
  ['rows', 'inputs'],
);

/** Fields that describe one trained version; shared by the current version and its history. */
const versionFields = {
  artifact,
  inputs: list('The model’s inputs in the order the artifact expects them.', featureReference, {
    minItems: 1,
    uniqueItems: true,
  }),
  metrics,
  slices: list('Metrics per slice.', slice),
  trainingData,
  referenceProfile,
  createdAt: date('When the version was trained, `YYYY-MM-DD`.'),
};

const historyEntry = object(
  'A previous version, kept so that it can be rolled back to. Inputs, training data and profile default to the current version’s.',
  {
    version: version('The version.'),
    ...versionFields,
    notes: text('Why the version was replaced.'),
  },
  ['version', 'artifact', 'metrics'],
);

/** `ModelCard`: everything a reviewer needs to decide whether a model version may serve. */
export const modelCardSchema = documentSchema(
  'ModelCard',
  'A model card: purpose, data, metrics, limitations and ethics of a model, its current version and its history.',
  object(
    'The model and its current version.',
    {
      version: version('The current version, e.g. `2.0.0`.'),
      task: oneOfValues('What the model predicts.', MODEL_TASKS),
      modelType: text('Algorithm family, e.g. `gradient-boosted trees`.', { minLength: 1 }),
      purpose: text('The problem the model solves.', { minLength: 1 }),
      intendedUse: text('Who uses the predictions, and how.', { minLength: 1 }),
      outOfScopeUses: list('Uses the model is not fit for.', { type: 'string' }),
      ...versionFields,
      output: object('How the score becomes a decision (binary classification; a regressor serves its value as the score).', {
        threshold: number('Score at or above which the positive class is predicted.', {
          minimum: 0,
          maximum: 1,
          default: 0.5,
        }),
        classes: list('Names of the negative and the positive class.', { type: 'string' }, { minItems: 2, maxItems: 2 }),
      }),
      training: object(
        'How to retrain the model; rendered into a training CronJob.',
        {
          image: text('Container image that runs the training; defaults to the Slipway image of the environment it trains in.'),
          command: list('Command to run; defaults to `slipway train <model>`.', { type: 'string' }, { minItems: 1 }),
          schedule: text('Cron schedule for periodic retraining; omit for on-demand only.'),
          window: duration('How much history to train on, counted back from the newest event, e.g. `180d`.'),
          holdout: duration('The newest part of the window held out for evaluation, e.g. `30d`.'),
          label: text('Column holding the target.', { minLength: 1 }),
          triggerId: text(
            'Changing it starts exactly one training run after merge (the Job name carries it).',
            { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 20 },
          ),
          parameters: map('Hyper-parameters passed to the trainer.', SCALAR),
        },
        ['window', 'label', 'triggerId'],
      ),
      limitations: list('Known limitations, edge cases and failure modes.', { type: 'string', minLength: 1 }),
      ethics: object('Ethical considerations.', {
        considerations: list('Fairness and bias concerns, and what was done about them.', { type: 'string' }),
        fairnessMetrics: metrics,
      }),
      maintenance: object('Who keeps the model healthy, and how often it is updated.', {
        team: text('Responsible team.'),
        contact: text('Where to reach them.'),
        updateFrequency: text('How often the model is retrained or reviewed.'),
      }),
      history: list('Previous versions, newest first.', historyEntry),
    },
    ['version', 'task', 'modelType', 'purpose', 'intendedUse', 'artifact', 'inputs', 'metrics', 'training'],
  ),
);
