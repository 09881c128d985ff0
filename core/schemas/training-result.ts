/**
 * The training result's JSON Schema: what a training run hands the controller, from `slipway
 * train`, `slipway publish` or any pipeline that writes the file itself. Its parts are the model
 * card's (artifact, metrics, training data, reference profile), so a result accepted here becomes
 * a card version that validates.
 */
import { integer, list, map, object, SCALAR, SCHEMA_BASE_URL, text, version, type JsonSchema } from './common.js';
import { artifact, featureReference, metrics, referenceProfile, trainingData } from './model-card.js';

/** The contract's identifier, written into every result; changes when the contract breaks. */
export const TRAINING_RESULT_FORMAT = 'slipway.dev/training-result/v1';

const instant = (description: string) => text(description, { format: 'date-time' });

const holdout = object(
  'The rows the metrics were measured on.',
  {
    rows: integer('Holdout rows (0 when the metrics come from a pipeline’s own holdout).', { minimum: 0 }),
    from: text('First event date, `YYYY-MM-DD`.', { format: 'date' }),
    to: text('Last event date, `YYYY-MM-DD`.', { format: 'date' }),
  },
  ['rows', 'from', 'to'],
);

const sliceMetrics = object(
  'Holdout metrics of one slice the card declares.',
  { name: text('The slice’s name in the card.', { minLength: 1 }), rows: integer('Holdout rows in the slice.', { minimum: 0 }), metrics },
  ['name', 'rows', 'metrics'],
);

export const trainingResultSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `${SCHEMA_BASE_URL}/training-result.json`,
  title: 'TrainingResult',
  ...object(
    'One training run’s outcome: the candidate version’s artifact, metrics and reference profile, which the controller proposes as a new model-card version.',
    {
      format: { const: TRAINING_RESULT_FORMAT, description: `Always \`${TRAINING_RESULT_FORMAT}\`.` },
      model: text('The model card’s name.', { minLength: 1 }),
      candidateVersion: version('The version this result becomes if accepted.'),
      baseVersion: version('The card’s current version when training started: what the candidate is compared with.'),
      triggerId: text('The card’s training trigger id that started the run.', { minLength: 1 }),
      artifact: { ...artifact, required: ['uri', 'format', 'sha256'] },
      inputs: list('The artifact’s inputs, in its order.', featureReference, { minItems: 1, uniqueItems: true }),
      metrics,
      slices: list('Holdout metrics per slice declared in the card.', sliceMetrics),
      referenceProfile,
      trainingData,
      holdout,
      parameters: map('The training parameters used.', SCALAR),
      commit: text('The repository commit the run trained from.', { minLength: 1 }),
      startedAt: instant('When the run started (ISO 8601).'),
      finishedAt: instant('When the run finished (ISO 8601).'),
      durationMs: integer('How long the run took.', { minimum: 0 }),
    },
    ['format', 'model', 'candidateVersion', 'baseVersion', 'triggerId', 'artifact', 'inputs', 'metrics', 'slices', 'referenceProfile', 'trainingData', 'holdout', 'parameters', 'commit', 'startedAt', 'finishedAt', 'durationMs'],
  ),
};
