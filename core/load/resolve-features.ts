/** Resolves `Entity` and `FeatureView` documents. */
import type { Entity, Feature, FeatureDtype, FeatureView, Scalar } from '../catalog.js';
import type { EntityDocument, FeatureViewDocument } from '../schemas/documents.generated.js';
import { parseDuration } from '../units.js';
import { metaOf, type Located, type ResolveContext } from './context.js';

/** An `Entity` as the catalog holds it. */
export function resolveEntity(located: Located<EntityDocument>): Entity {
  const { spec } = located.raw;
  return {
    ...metaOf('Entity', located),
    joinKey: spec.joinKey,
    valueType: spec.valueType ?? 'string',
    description: spec.description ?? '',
  };
}

/** A `FeatureView` as the catalog holds it, or null when its entities or features are unsound. */
export function resolveFeatureView(
  located: Located<FeatureViewDocument>,
  entities: ReadonlyMap<string, Entity>,
  context: ResolveContext,
): FeatureView | null {
  const { document, raw } = located;
  const { spec } = raw;
  let sound = true;
  const joinKeys: string[] = [];
  spec.entities.forEach((entityName, index) => {
    if (!context.checkReference(entities, 'Entity', entityName, document, ['spec', 'entities', index])) sound = false;
    else joinKeys.push(entities.get(entityName)!.joinKey);
  });
  const seen = new Set<string>();
  spec.features.forEach((feature, index) => {
    const at = ['spec', 'features', index];
    if (seen.has(feature.name)) {
      context.report(document, [...at, 'name'], `feature '${feature.name}' is declared twice in this view`, 'duplicate-feature');
      sound = false;
    }
    seen.add(feature.name);
    if (joinKeys.includes(feature.name)) {
      context.report(document, [...at, 'name'], `feature '${feature.name}' has the name of a join key of the view`, 'duplicate-feature');
      sound = false;
    }
    if (!checkFeature(feature, (segments, message) => context.report(document, [...at, ...segments], message, 'feature-value'))) sound = false;
  });
  if (!sound) return null;
  return {
    ...metaOf('FeatureView', located),
    description: spec.description ?? '',
    entities: spec.entities,
    joinKeys,
    ttlMs: parseDuration(spec.ttl)!,
    online: spec.online ?? false,
    source: spec.source,
    materializationSchedule: spec.materialization?.schedule ?? '*/15 * * * *',
    features: spec.features.map(
      (feature): Feature => ({
        name: feature.name,
        dtype: feature.dtype,
        description: feature.description ?? '',
        default: feature.default as Scalar,
        constraints: feature.constraints ?? {},
      }),
    ),
  };
}

type FeatureDocument = FeatureViewDocument['spec']['features'][number];

// A default or an allowed value must be of the feature's dtype and within its constraints.
function checkFeature(feature: FeatureDocument, problem: (segments: (string | number)[], message: string) => void): boolean {
  let sound = true;
  const fail = (segments: (string | number)[], message: string) => {
    problem(segments, message);
    sound = false;
  };
  const { constraints = {} } = feature;
  const typeProblem = dtypeMismatch(feature.dtype, feature.default as Scalar);
  if (typeProblem !== null) fail(['default'], typeProblem);
  if (constraints.min !== undefined && constraints.max !== undefined && constraints.min > constraints.max) {
    fail(['constraints', 'min'], `min (${constraints.min}) must not exceed max (${constraints.max})`);
  }
  if (typeProblem === null && typeof feature.default === 'number') {
    if (constraints.min !== undefined && feature.default < constraints.min) fail(['default'], `default ${feature.default} is below min ${constraints.min}`);
    if (constraints.max !== undefined && feature.default > constraints.max) fail(['default'], `default ${feature.default} is above max ${constraints.max}`);
  }
  if (constraints.allowed !== undefined) {
    constraints.allowed.forEach((value, index) => {
      const mismatch = dtypeMismatch(feature.dtype, value as Scalar);
      if (mismatch !== null) fail(['constraints', 'allowed', index], mismatch);
    });
    if (typeProblem === null && !constraints.allowed.includes(feature.default as never)) {
      fail(['default'], `default ${JSON.stringify(feature.default)} is not among the allowed values`);
    }
  }
  return sound;
}

/** Why `value` cannot be a value of `dtype`, or null when it can. */
export function dtypeMismatch(dtype: FeatureDtype, value: Scalar): string | null {
  switch (dtype) {
    case 'string':
      return typeof value === 'string' ? null : `${JSON.stringify(value)} is not a string (dtype string)`;
    case 'bool':
      return typeof value === 'boolean' ? null : `${JSON.stringify(value)} is not true or false (dtype bool)`;
    case 'int32':
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 ? null : `${JSON.stringify(value)} is not a 32-bit integer (dtype int32)`;
    case 'int64':
      return Number.isSafeInteger(value) ? null : `${JSON.stringify(value)} is not an integer (dtype int64)`;
    case 'float32':
    case 'float64':
      return typeof value === 'number' && Number.isFinite(value) ? null : `${JSON.stringify(value)} is not a number (dtype ${dtype})`;
  }
}
