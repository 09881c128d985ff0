/**
 * The document kinds and their JSON Schemas: the single source of truth for validation
 * (`core/load`), TypeScript types (`documents.generated.ts`) and editor completion (`schemas/`).
 */
import type { JsonSchema } from './common.js';
import { entitySchema } from './entity.js';
import { environmentSchema } from './environment.js';
import { featureViewSchema } from './feature-view.js';
import { modelCardSchema } from './model-card.js';
import { driftPolicySchema, promotionPolicySchema, rolloutPolicySchema } from './policies.js';
import { projectSchema } from './project.js';
import { guardrailPolicySchema } from './guardrail-policy.js';

export { API_VERSION, SCHEMA_BASE_URL, fileNameOf, type JsonSchema } from './common.js';
export { ENTITY_VALUE_TYPES } from './entity.js';
export { FEATURE_DTYPES, SOURCE_FORMATS } from './feature-view.js';
export { MODEL_TASKS } from './model-card.js';
export { COMPARISONS, DRIFT_STATISTICS, ROLLOUT_METRICS } from './policies.js';
export { MODEL_CARD_SECTIONS } from './guardrail-policy.js';

/** Every document kind, in the order `slipway validate` and the README present them. */
export const KINDS = [
  'Project',
  'Entity',
  'FeatureView',
  'ModelCard',
  'Environment',
  'PromotionPolicy',
  'RolloutPolicy',
  'DriftPolicy',
  'GuardrailPolicy',
] as const;

/** One of the document kinds. */
export type Kind = (typeof KINDS)[number];

/** The schema of each kind. */
export const SCHEMAS: Readonly<Record<Kind, JsonSchema>> = {
  Project: projectSchema,
  Entity: entitySchema,
  FeatureView: featureViewSchema,
  ModelCard: modelCardSchema,
  Environment: environmentSchema,
  PromotionPolicy: promotionPolicySchema,
  RolloutPolicy: rolloutPolicySchema,
  DriftPolicy: driftPolicySchema,
  GuardrailPolicy: guardrailPolicySchema,
};

/** True when `value` names a document kind. */
export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}
