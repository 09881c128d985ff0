import { documentSchema, flag, list, name, object, oneOfValues, text } from './common.js';

/** Model-card sections a guardrail can require. */
export const MODEL_CARD_SECTIONS = ['limitations', 'ethics', 'maintenance', 'slices', 'trainingData', 'referenceProfile'] as const;

/** `GuardrailPolicy`: rules that `slipway validate` enforces as blocking errors. */
export const guardrailPolicySchema = documentSchema(
  'GuardrailPolicy',
  'Organisation-wide rules that make a repository invalid when broken; every message names the policy.',
  object('The rules and where they apply.', {
    description: text('Why the rules exist.'),
    environments: list('Environments the rules apply to; all when omitted.', name('An Environment name.'), { uniqueItems: true }),
    completeModelCard: object(
      'A deployed model’s card must have these sections, non-empty.',
      { sections: list('Required sections.', oneOfValues('A section.', MODEL_CARD_SECTIONS), { minItems: 1, uniqueItems: true }) },
      ['sections'],
    ),
    promotionPath: flag('A version may reach an environment only after the environment it promotes from served it (read from Git history).', false),
    pinnedImages: flag(
      'Every image the covered environments run (their Slipway image, the training images of the models they train) must be named by digest (`…@sha256:…`), so what a merged pull request names is byte for byte what pods run. Without it a tag other than `latest` is enough.',
      false,
    ),
    resourceLimits: flag('Runtime containers must set CPU and memory limits.', false),
    canaryWeightsFromSteps: flag('A canary weight must be one of its RolloutPolicy’s step weights.', false),
    renderedDist: flag('`dist/` must be exactly what the catalog renders (checked by `slipway validate` and `render --check`).', false),
  }),
);
