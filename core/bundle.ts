/**
 * The runtime bundle: what one model's runtime pods serve in one environment. The generator
 * renders it into a ConfigMap and `slipway serve --env` builds it straight from the catalog; the
 * runtime reads nothing else. It is a versioned contract: change `BUNDLE_FORMAT` when it breaks.
 */
import type { Catalog, FeatureDtype, ModelInput, ReferenceProfile, Scalar } from './catalog.js';
import { required } from './catalog.js';

/** The contract's identifier, written into every bundle. */
export const BUNDLE_FORMAT = 'slipway.dev/bundle/v1';

/** How long prediction records wait for their label when a bundle does not say (bundles rendered before `labelDelayMs`). */
export const DEFAULT_LABEL_DELAY_MS = 7 * 86_400_000;

/** The file name of the bundle inside its ConfigMap and on disk. */
export const BUNDLE_FILE_NAME = 'bundle.json';

/** What a served version does with traffic. */
export type VersionRole = 'stable' | 'canary' | 'shadow';

/** An input as the runtime needs it: where to fetch it and what to use when it is missing. */
export interface BundleInput {
  readonly ref: string;
  readonly view: string;
  readonly feature: string;
  readonly dtype: FeatureDtype;
  readonly default: Scalar;
  readonly joinKeys: readonly string[];
  /** The value type of each join key, in the order of `joinKeys` (absent: all strings). */
  readonly joinKeyTypes?: readonly ('string' | 'int32' | 'int64')[];
  /** The feature's `constraints.allowed` values, in order: how a string is encoded for the model. */
  readonly categories?: readonly string[];
}

/** One version the runtime loads. */
export interface BundleVersion {
  readonly version: string;
  readonly role: VersionRole;
  /** Percent of answered traffic; stable gets what the canary does not; a shadow answers none. */
  readonly weight: number;
  /** URI as in the model card: a key in the bundle's artifact store, or a full `s3://`/`https://`/`file://` URL. */
  readonly artifact: { readonly uri: string; readonly sha256: string };
  /** In the order the artifact expects them. */
  readonly inputs: readonly BundleInput[];
  readonly referenceProfile?: ReferenceProfile;
}

/** Everything one model's runtime needs in one environment. */
export interface RuntimeBundle {
  readonly format: typeof BUNDLE_FORMAT;
  /** The project name, which is also the online store's namespace (Feast's project). */
  readonly project: string;
  readonly environment: string;
  readonly model: string;
  readonly task: 'binary-classification' | 'regression';
  readonly output: { readonly threshold: number; readonly classes: readonly [string, string] };
  readonly onlineStore?: {
    readonly redis: { readonly url?: string; readonly nodes: readonly string[] };
    readonly timeoutMs: number;
  };
  /** Where the versions' artifacts are fetched from (the environment's store; no credentials, ever). */
  readonly artifactStore: { readonly url: string; readonly endpoint?: string };
  /** Fraction of predictions written to the audit log. */
  readonly auditSampleRate: number;
  /** How long each prediction's record stays in the online store for its label (absent in older bundles: 7 days). */
  readonly labelDelayMs?: number;
  /** Drift window settings from the deployment's DriftPolicy, when it has one. */
  readonly drift?: { readonly windowMs: number; readonly minSamples: number };
  /** Stable first, then canary, then shadow. */
  readonly versions: readonly BundleVersion[];
}

/** Builds the bundle of `model` in `environment` from a loaded catalog. */
export function buildBundle(catalog: Catalog, environment: string, model: string): RuntimeBundle {
  const env = required(catalog.environments, environment, 'environment');
  const deployment = env.deployments.find((candidate) => candidate.model === model);
  if (deployment === undefined) throw new Error(`model '${model}' is not deployed in environment '${environment}'`);
  const card = required(catalog.models, model, 'model');
  const canaryWeight = deployment.canary?.weight ?? 0;
  const served: [string, VersionRole, number][] = [[deployment.stable, 'stable', 100 - canaryWeight]];
  if (deployment.canary !== undefined) served.push([deployment.canary.version, 'canary', canaryWeight]);
  if (deployment.shadow !== undefined) served.push([deployment.shadow.version, 'shadow', 0]);
  const drift = deployment.drift === undefined ? undefined : required(catalog.driftPolicies, deployment.drift, 'drift policy');
  return {
    format: BUNDLE_FORMAT,
    project: catalog.project.name,
    environment,
    model,
    task: card.task,
    output: card.output,
    // Where Redis is, not how to log in: the password reaches pods from their Secret.
    onlineStore: env.onlineStore === undefined ? undefined : { redis: env.onlineStore.redis, timeoutMs: env.onlineStore.timeoutMs },
    artifactStore: { url: env.artifacts.url, endpoint: env.artifacts.endpoint },
    auditSampleRate: env.runtime.auditSampleRate,
    labelDelayMs: env.runtime.labelDelayMs,
    drift: drift === undefined ? undefined : { windowMs: drift.windowMs, minSamples: drift.minSamples },
    versions: served.map(([version, role, weight]) => {
      const resolved = required(card.versions, version, `version of ${model}`);
      if (resolved.artifact.sha256 === undefined) throw new Error(`version ${version} of '${model}' has no artifact sha256`);
      return {
        version,
        role,
        weight,
        artifact: { uri: resolved.artifact.uri, sha256: resolved.artifact.sha256 },
        inputs: resolved.inputs.map((input) => toBundleInput(catalog, input)),
        referenceProfile: resolved.referenceProfile,
      };
    }),
  };
}

function toBundleInput(catalog: Catalog, input: ModelInput): BundleInput {
  const view = catalog.featureViews.get(input.view);
  const allowed = view?.features.find((feature) => feature.name === input.feature)?.constraints.allowed;
  const joinKeyTypes = view?.entities.map((entity) => catalog.entities.get(entity)?.valueType ?? 'string');
  return {
    ref: input.ref,
    view: input.view,
    feature: input.feature,
    dtype: input.dtype,
    default: input.default,
    joinKeys: input.joinKeys,
    joinKeyTypes,
    categories: allowed?.map(String),
  };
}

/** Serializes a bundle deterministically (sorted keys, two-space indent, trailing newline). */
export function serializeBundle(bundle: RuntimeBundle): string {
  return `${JSON.stringify(sortKeys(bundle), null, 2)}\n`;
}

/** Checks that parsed JSON is a bundle of this format; throws naming the first bad field. */
export function parseBundle(value: unknown, origin: string): RuntimeBundle {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${origin}: ${field}: ${problem}`);
  };
  if (value === null || typeof value !== 'object') return fail('(root)', 'a bundle must be a JSON object');
  const bundle = value as Partial<RuntimeBundle>;
  if (bundle.format !== BUNDLE_FORMAT) fail('format', `expected '${BUNDLE_FORMAT}', got ${JSON.stringify(bundle.format)}`);
  for (const field of ['project', 'environment', 'model'] as const) {
    if (typeof bundle[field] !== 'string' || bundle[field] === '') fail(field, 'must be a non-empty string');
  }
  if (typeof bundle.artifactStore?.url !== 'string' || bundle.artifactStore.url === '') fail('artifactStore.url', 'must name the artifact store');
  if (!Array.isArray(bundle.versions) || bundle.versions.length === 0) fail('versions', 'must list at least one version');
  bundle.versions!.forEach((version, index) => {
    const at = `versions[${index}]`;
    if (typeof version.version !== 'string') fail(`${at}.version`, 'must be a string');
    if (!['stable', 'canary', 'shadow'].includes(version.role)) fail(`${at}.role`, 'must be stable, canary or shadow');
    if (typeof version.weight !== 'number' || version.weight < 0 || version.weight > 100) fail(`${at}.weight`, 'must be a number from 0 to 100');
    if (typeof version.artifact?.uri !== 'string' || !/^[a-f0-9]{64}$/.test(version.artifact?.sha256 ?? '')) {
      fail(`${at}.artifact`, 'needs a uri and a 64-digit hex sha256');
    }
    if (!Array.isArray(version.inputs) || version.inputs.length === 0) fail(`${at}.inputs`, 'must list the inputs');
  });
  if (bundle.labelDelayMs !== undefined && !(Number.isInteger(bundle.labelDelayMs) && bundle.labelDelayMs > 0)) fail('labelDelayMs', 'must be a positive whole number of milliseconds');
  return bundle as RuntimeBundle;
}

/** Returns a copy of `value` with object keys sorted at every depth, for deterministic output. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) sorted[key] = sortKeys(item);
  }
  return sorted as T;
}
