import { documentSchema, duration, flag, integer, list, number, object, oneOfValues, percent, text } from './common.js';

/** Comparison operators for metric thresholds, read as "observed <op> value passes". */
export const COMPARISONS = ['>', '>=', '<', '<='] as const;

/** `PromotionPolicy`: the gate a model version passes to enter an environment. */
export const promotionPolicySchema = documentSchema(
  'PromotionPolicy',
  'The criteria a model version must meet to enter an environment.',
  object('The criteria.', {
    description: text('What the gate protects.'),
    metrics: list(
      'Absolute thresholds on offline metrics, e.g. `auc > 0.90`.',
      object(
        'A threshold on one metric.',
        {
          metric: text('Metric name in the model card, e.g. `auc`.', { minLength: 1 }),
          op: oneOfValues('Comparison the observed value must satisfy.', COMPARISONS),
          value: number('Threshold.'),
        },
        ['metric', 'op', 'value'],
      ),
    ),
    noRegression: object(
      'No metric may drop more than the margin below the version it replaces.',
      {
        metrics: list('Metrics compared.', { type: 'string' }, { minItems: 1 }),
        margin: number('Largest allowed drop (absolute).', { minimum: 0 }),
      },
      ['metrics', 'margin'],
    ),
    slices: list(
      'Minimums per slice.',
      object(
        'A minimum on one slice metric.',
        {
          slice: text('Slice name in the model card.'),
          metric: text('Metric name.'),
          min: number('Lowest allowed value.'),
        },
        ['slice', 'metric', 'min'],
      ),
    ),
    requiredChecks: list('CI checks that must pass on the pull request, e.g. `tests`.', { type: 'string' }),
    manualApproval: flag('A person must approve; the bot only proposes.', true),
    soak: duration('How long the version must have served in the previous environment.'),
    requireNoFiringAlerts: flag('No alert of the model may have fired during the soak.', false),
  }),
);

/** Canary analysis metrics the runtime exports and the controller knows how to query. */
export const ROLLOUT_METRICS = ['error-rate', 'latency-p99', 'f1-drop', 'score-psi'] as const;

/** `RolloutPolicy`: how a canary advances, and when it is aborted. */
export const rolloutPolicySchema = documentSchema(
  'RolloutPolicy',
  'Canary steps, the analysis between them, and when to abort.',
  object(
    'Steps and analysis.',
    {
      description: text('What the policy is for.'),
      steps: list(
        'Canary weights in order; the last step at 100 promotes the canary to stable.',
        object(
          'One step.',
          {
            weight: integer('Percent of traffic to the canary.', { minimum: 1, maximum: 100 }),
            minDuration: duration('How long the step must pass analysis before the next.'),
          },
          ['weight', 'minDuration'],
        ),
        { minItems: 1 },
      ),
      analysis: object(
        'How canary and stable are compared.',
        {
          window: duration('Range of each query, e.g. `10m`.'),
          interval: duration('How often the analysis is evaluated.'),
          minRequests: integer('Fewest canary requests in the window for a verdict.', { minimum: 0, default: 100 }),
          checks: list(
            'Abort conditions, read as "abort when the metric exceeds max".',
            object(
              'One check.',
              {
                metric: oneOfValues('What is measured on the canary (drops are relative to stable).', ROLLOUT_METRICS),
                max: { type: ['string', 'number'], description: 'Largest allowed value: a percentage, a duration or a number, as the metric needs.' },
              },
              ['metric', 'max'],
            ),
            { minItems: 1 },
          ),
        },
        ['window', 'checks'],
      ),
      abort: object('What happens when a check fails.', {
        autoMerge: flag('The bot may merge the abort PR itself once required checks pass.', false),
      }),
    },
    ['steps', 'analysis'],
  ),
);

/** Drift statistics: PSI for any input; KS for numbers; chi-squared (as Cramér's V) for categories. */
export const DRIFT_STATISTICS = ['psi', 'ks', 'chi-squared'] as const;

const driftLevels = (description: string, numeric: boolean) =>
  object(
    description,
    {
      statistic: oneOfValues(
        numeric ? 'Statistic: `psi` (default) or `ks`.' : 'Statistic: `psi` (default) or `chi-squared` (as Cramér’s V).',
        numeric ? ['psi', 'ks'] : ['psi', 'chi-squared'],
        { default: 'psi' },
      ),
      warn: number('Level that raises a warning alert.', { minimum: 0 }),
      act: number('Level that triggers the policy’s action.', { minimum: 0 }),
    },
    ['warn', 'act'],
  );

/** `DriftPolicy`: when input or score drift warns, and when it acts. */
export const driftPolicySchema = documentSchema(
  'DriftPolicy',
  'How drift is measured against the reference profile, and what happens when it crosses a level.',
  object(
    'Statistics, levels and actions.',
    {
      description: text('What the policy is for.'),
      numeric: driftLevels('Numeric inputs.', true),
      categorical: driftLevels('Categorical inputs.', false),
      score: object(
        'The prediction score distribution (PSI).',
        { warn: number('Warning level.', { minimum: 0 }), act: number('Action level.', { minimum: 0 }) },
        ['warn', 'act'],
      ),
      window: duration('Length of one evaluation window, e.g. `1h`.'),
      minSamples: integer('Fewest samples in a window for it to count.', { minimum: 1 }),
      consecutiveWindows: integer('Windows in a row that must cross a level before acting (hysteresis).', {
        minimum: 1,
        default: 1,
      }),
      minFeatures: integer('How many inputs must cross the act level together to act.', { minimum: 1, default: 1 }),
      actions: list('What acting means, in order of preference.', oneOfValues('An action.', ['rollback', 'retrain']), {
        minItems: 1,
        uniqueItems: true,
      }),
      rollbackWithin: duration('A version deployed this recently that degraded is rolled back instead of retrained.'),
      autoMerge: object('Which drift PRs the bot may merge itself.', {
        rollback: flag('Rollbacks, once required checks pass.', false),
      }),
      degradation: object('When a new version counts as degraded against the one before it.', {
        maxScorePsiIncrease: number('Largest allowed rise of score PSI.', { minimum: 0 }),
        maxErrorRate: percent('Largest allowed error rate.'),
      }),
    },
    ['numeric', 'categorical', 'window', 'minSamples', 'actions'],
  ),
);
