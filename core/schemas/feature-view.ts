import { SCALAR, documentSchema, duration, flag, list, name, number, object, oneOfValues, text } from './common.js';

/** Feature value types; each maps to one `feast.types.Value` field in the online store. */
export const FEATURE_DTYPES = ['string', 'int32', 'int64', 'float32', 'float64', 'bool'] as const;

/** Offline source formats Slipway reads as streams. */
export const SOURCE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;

const feature = object(
  'One feature: a typed column with the value to use when it is missing online.',
  {
    name: text('Column name in the source, and the feature name in the online store.', {
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    }),
    dtype: oneOfValues('Value type.', FEATURE_DTYPES),
    description: text('What the feature means, in words a reviewer understands.'),
    default: { ...SCALAR, description: 'Served when the value or the online store is missing; never fails a prediction.' },
    constraints: object('Values the feature may take; checked when data is materialized.', {
      min: number('Smallest allowed value (numeric features).'),
      max: number('Largest allowed value (numeric features).'),
      allowed: list('The complete set of allowed values (categorical features).', SCALAR, { minItems: 1 }),
    }),
  },
  ['name', 'dtype', 'default'],
);

/** `FeatureView`: a group of features from one source, keyed by entities. */
export const featureViewSchema = documentSchema(
  'FeatureView',
  'A group of features read from one offline source and keyed by one or more entities.',
  object(
    'Source, keys and features of the view.',
    {
      description: text('What the view holds and where it comes from.'),
      entities: list('Names of the Entity documents that key this view.', name('An Entity name.'), {
        minItems: 1,
        uniqueItems: true,
      }),
      ttl: duration('How long a value stays valid online and in point-in-time joins, e.g. `24h`.'),
      online: flag('Whether the view is materialized to the online store and may feed live predictions.', false),
      source: object(
        'Where the offline values live.',
        {
          path: text('A file path relative to the repository root, or an object in a store (`s3://bucket/key`, `https://…`), staged locally before it is read.', { minLength: 1 }),
          format: oneOfValues('File format: `csv` (with a header line), `jsonl` (one JSON object a line) or `parquet` (read one row group at a time).', SOURCE_FORMATS),
          timestampField: text('Column holding each row’s event time: ISO 8601 with a zone or epoch seconds in CSV and JSON Lines; a TIMESTAMP (any unit), INT96 or DATE column, or ISO 8601 text, in Parquet.', {
            minLength: 1,
          }),
        },
        ['path', 'format', 'timestampField'],
      ),
      materialization: object('How often the view is copied to the online store.', {
        schedule: text('Cron schedule of the materialization CronJob.', { default: '*/15 * * * *' }),
      }),
      features: list('The features of the view.', feature, { minItems: 1 }),
    },
    ['entities', 'ttl', 'source', 'features'],
  ),
);
