/**
 * The typed, immutable `Catalog`: a whole Slipway repository after loading, validation and
 * resolution. Every other part of Slipway consumes only this. Units are parsed (durations in
 * milliseconds, percentages as fractions), references are checked, and every document remembers
 * where it came from.
 */
import type { SourcePosition } from './diagnostics.js';
import type { Kind, SOURCE_FORMATS } from './schemas/index.js';

/** A scalar feature or slice value. */
export type Scalar = string | number | boolean;

/** Identity shared by every document. */
export interface DocumentMeta {
  readonly kind: Kind;
  readonly name: string;
  readonly owner: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Where the document starts, for messages that point people at it. */
  readonly declaredAt: SourcePosition;
}

/** `slipway.yaml`: the repository's identity. */
export interface Project extends DocumentMeta {
  readonly kind: 'Project';
  readonly description: string;
  readonly repository: { readonly url: string; readonly branch: string };
  readonly forge: { readonly type: 'github'; readonly repository: string } | { readonly type: 'local' };
  /** The Slipway image, for every workload of environments that name none. */
  readonly image: string;
  /** Where artifacts are published; the `models` directory when the Project declares none. */
  readonly artifacts: ArtifactStoreSettings;
}

/** How an environment's pods are scheduled and which identity they carry. */
export interface PodSettings {
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  readonly imagePullSecrets: readonly string[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Readonly<Record<string, string | number>>[];
  readonly priorityClassName?: string;
  /** The Secret key with extra CA certificates every container trusts; Node's own CAs only when absent. */
  readonly trustedCAs?: { readonly name: string; readonly key: string };
}

/** An artifact store as a Project or Environment declares it. */
export interface ArtifactStoreSettings {
  /** `s3://…`, `https://…`, `file:///…`, or a directory relative to the repository root. */
  readonly url: string;
  /** An S3-compatible endpoint; AWS when absent. */
  readonly endpoint?: string;
  /** The Secret whose keys are given to pods as environment variables (store credentials). */
  readonly credentialsSecret?: string;
}

/** An entity and the join key its features are stored under. */
export interface Entity extends DocumentMeta {
  readonly kind: 'Entity';
  readonly joinKey: string;
  readonly valueType: 'string' | 'int32' | 'int64';
  readonly description: string;
}

/** Feature value types. */
export type FeatureDtype = 'string' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool';

/** One feature of a feature view. */
export interface Feature {
  readonly name: string;
  readonly dtype: FeatureDtype;
  readonly description: string;
  /** Served when the value is missing online; already of the feature's dtype. */
  readonly default: Scalar;
  readonly constraints: {
    readonly min?: number;
    readonly max?: number;
    readonly allowed?: readonly Scalar[];
  };
}

/** A group of features from one offline source. */
export interface FeatureView extends DocumentMeta {
  readonly kind: 'FeatureView';
  readonly description: string;
  /** Entity names, in declaration order. */
  readonly entities: readonly string[];
  /** Join keys of those entities, in the same order. */
  readonly joinKeys: readonly string[];
  readonly ttlMs: number;
  readonly online: boolean;
  readonly source: { readonly path: string; readonly format: (typeof SOURCE_FORMATS)[number]; readonly timestampField: string };
  readonly materializationSchedule: string;
  readonly features: readonly Feature[];
}

/** A model input, resolved to its feature view and feature. */
export interface ModelInput {
  /** `<view>:<feature>`, as written in the card. */
  readonly ref: string;
  readonly view: string;
  readonly feature: string;
  readonly dtype: FeatureDtype;
  readonly default: Scalar;
  /** Join keys of the view, which a request must supply to fetch this input online. */
  readonly joinKeys: readonly string[];
  readonly online: boolean;
}

/** The serialized model of one version. */
export interface Artifact {
  readonly uri: string;
  readonly format: 'onnx';
  /** Absent on a draft; required before the version is deployed. */
  readonly sha256?: string;
}

/** A condition selecting the rows of a slice. */
export interface SliceFilter {
  readonly input: string;
  readonly equals?: Scalar;
  readonly in?: readonly Scalar[];
  readonly min?: number;
  readonly max?: number;
}

/** Metrics of one subpopulation. */
export interface Slice {
  readonly name: string;
  readonly description: string;
  readonly where: readonly SliceFilter[];
  readonly metrics: Readonly<Record<string, number>>;
}

/** The data one version was trained on. */
export interface TrainingData {
  readonly dataset: string;
  readonly description: string;
  readonly rows: number;
  /** `YYYY-MM-DD`, inclusive. */
  readonly from: string;
  /** `YYYY-MM-DD`, inclusive. */
  readonly to: string;
}

/** A distribution summary: bins for numbers, frequencies for categories. */
export type Distribution =
  | { readonly type: 'numeric'; readonly edges: readonly number[]; readonly fractions: readonly number[] }
  | { readonly type: 'categorical'; readonly frequencies: Readonly<Record<string, number>> };

/** The training-time distributions drift is measured against. */
export interface ReferenceProfile {
  readonly rows: number;
  /** Keyed by input reference `<view>:<feature>`. */
  readonly inputs: Readonly<Record<string, Distribution>>;
  readonly score?: Distribution;
}

/** One trained version of a model, current or historical, with inherited fields filled in. */
export interface ModelVersion {
  readonly version: string;
  readonly artifact: Artifact;
  readonly inputs: readonly ModelInput[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly slices: readonly Slice[];
  readonly trainingData?: TrainingData;
  readonly referenceProfile?: ReferenceProfile;
  readonly createdAt?: string;
  readonly notes: string;
}

/** How to retrain the model. */
export interface TrainingSpec {
  /** Undefined: the project's runtime image. */
  readonly image?: string;
  /** Undefined: `slipway train <model>`. */
  readonly command?: readonly string[];
  readonly schedule?: string;
  readonly windowMs: number;
  readonly holdoutMs?: number;
  readonly label: string;
  readonly triggerId: string;
  readonly parameters: Readonly<Record<string, Scalar>>;
}

/** A model card, with every version resolved. */
export interface ModelCard extends DocumentMeta {
  readonly kind: 'ModelCard';
  readonly task: 'binary-classification' | 'regression';
  readonly modelType: string;
  readonly purpose: string;
  readonly intendedUse: string;
  readonly outOfScopeUses: readonly string[];
  readonly output: { readonly threshold: number; readonly classes: readonly [string, string] };
  readonly training: TrainingSpec;
  readonly limitations: readonly string[];
  readonly ethics: { readonly considerations: readonly string[]; readonly fairnessMetrics: Readonly<Record<string, number>> };
  readonly maintenance: { readonly team?: string; readonly contact?: string; readonly updateFrequency?: string };
  /** The current version. */
  readonly current: ModelVersion;
  /** Every version by version string: the current one and its history. */
  readonly versions: ReadonlyMap<string, ModelVersion>;
  /** Previous versions, newest first, as written. */
  readonly history: readonly ModelVersion[];
}

/** Kubernetes compute resources, as quantity strings. */
export interface Resources {
  readonly requests: { readonly cpu?: string; readonly memory?: string };
  readonly limits: { readonly cpu?: string; readonly memory?: string };
}

/** One model served in an environment. */
export interface Deployment {
  readonly model: string;
  readonly stable: string;
  readonly canary?: { readonly version: string; readonly weight: number };
  readonly shadow?: { readonly version: string };
  readonly rollout?: string;
  readonly drift?: string;
  readonly replicas: { readonly min: number; readonly max: number };
  readonly targetCpuUtilization: number;
  readonly resources: Resources;
  /** Where the deployment is declared, for messages about it. */
  readonly declaredAt: SourcePosition;
}

/**
 * Pods a NetworkPolicy admits: in the namespace named (or the namespaces labelled), the pods
 * labelled; the environment's own namespace when neither namespace field is given.
 */
export interface PeerSelector {
  readonly namespace?: string;
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** A deployment target. */
export interface Environment extends DocumentMeta {
  readonly kind: 'Environment';
  readonly description: string;
  readonly promotesFrom?: string;
  readonly promotion?: { readonly policy: string; readonly soakMs?: number };
  readonly cluster: { readonly server: string; readonly namespace: string };
  readonly argocd: {
    readonly namespace: string;
    readonly project: string;
    readonly autoSync: boolean;
    readonly selfHeal: boolean;
    readonly prune: boolean;
  };
  readonly onlineStore?: {
    readonly redis: { readonly url?: string; readonly nodes: readonly string[] };
    /** Where the pods find the Redis password; absent for a Redis without AUTH. */
    readonly passwordSecret?: { readonly name: string; readonly key: string };
    readonly timeoutMs: number;
    /** Above this share of lookups served from defaults, the fallback alert fires. */
    readonly maxFallbackRatio: number;
  };
  readonly prometheus?: { readonly url: string };
  /** Labels for the Prometheus's selectors, and the Prometheus pods admitted to the runtime. */
  readonly monitoring: { readonly labels: Readonly<Record<string, string>>; readonly scrapedFrom: PeerSelector };
  /** The callers admitted to the runtime's port, besides Prometheus. */
  readonly network: { readonly ingressFrom: readonly PeerSelector[] };
  /** The environment's artifact store, or the project's when it declares none. */
  readonly artifacts: ArtifactStoreSettings;
  /** Scheduling and identity shared by every pod rendered for the environment. */
  readonly pods: PodSettings;
  /** The Slipway image every workload here runs: the environment's, else the project's. */
  readonly image: string;
  readonly runtime: {
    readonly resources: Resources;
    readonly auditSampleRate: number;
    /** How long each prediction's record waits in the online store for its label. */
    readonly labelDelayMs: number;
  };
  readonly deployments: readonly Deployment[];
}

/** Comparison read as "observed <op> value passes". */
export type Comparison = '>' | '>=' | '<' | '<=';

/** The gate into an environment. */
export interface PromotionPolicy extends DocumentMeta {
  readonly kind: 'PromotionPolicy';
  readonly description: string;
  readonly metrics: readonly { readonly metric: string; readonly op: Comparison; readonly value: number }[];
  readonly noRegression?: { readonly metrics: readonly string[]; readonly margin: number };
  readonly slices: readonly { readonly slice: string; readonly metric: string; readonly min: number }[];
  readonly requiredChecks: readonly string[];
  readonly manualApproval: boolean;
  readonly soakMs: number;
  readonly requireNoFiringAlerts: boolean;
}

/** A canary analysis check; the threshold is already in the metric's unit. */
export type RolloutCheck =
  | { readonly metric: 'error-rate'; readonly maxFraction: number }
  | { readonly metric: 'latency-p99'; readonly maxMs: number }
  | { readonly metric: 'f1-drop'; readonly maxFraction: number }
  | { readonly metric: 'score-psi'; readonly max: number };

/** How a canary advances. */
export interface RolloutPolicy extends DocumentMeta {
  readonly kind: 'RolloutPolicy';
  readonly description: string;
  readonly steps: readonly { readonly weight: number; readonly minDurationMs: number }[];
  readonly analysis: {
    readonly windowMs: number;
    readonly intervalMs: number;
    readonly minRequests: number;
    readonly checks: readonly RolloutCheck[];
  };
  readonly abort: { readonly autoMerge: boolean };
}

/** Levels for one input type. */
export interface DriftLevels {
  readonly statistic: 'psi' | 'ks' | 'chi-squared';
  readonly warn: number;
  readonly act: number;
}

/** When drift warns and acts. */
export interface DriftPolicy extends DocumentMeta {
  readonly kind: 'DriftPolicy';
  readonly description: string;
  readonly numeric: DriftLevels;
  readonly categorical: DriftLevels;
  readonly score?: { readonly warn: number; readonly act: number };
  readonly windowMs: number;
  readonly minSamples: number;
  readonly consecutiveWindows: number;
  readonly minFeatures: number;
  readonly actions: readonly ('rollback' | 'retrain')[];
  readonly rollbackWithinMs?: number;
  readonly autoMerge: { readonly rollback: boolean };
  readonly degradation: { readonly maxScorePsiIncrease?: number; readonly maxErrorRate?: number };
}

/** Model-card sections a guardrail can require. */
export type ModelCardSection = 'limitations' | 'ethics' | 'maintenance' | 'slices' | 'trainingData' | 'referenceProfile';

/** Rules `slipway validate` enforces as blocking errors. */
export interface GuardrailPolicy extends DocumentMeta {
  readonly kind: 'GuardrailPolicy';
  readonly description: string;
  /** Names of the environments the rules apply to; empty means all. */
  readonly environments: readonly string[];
  readonly completeModelCard?: { readonly sections: readonly ModelCardSection[] };
  readonly promotionPath: boolean;
  readonly pinnedImages: boolean;
  readonly resourceLimits: boolean;
  readonly canaryWeightsFromSteps: boolean;
  readonly renderedDist: boolean;
}

/** A whole repository, loaded and checked. */
export interface Catalog {
  /** Absolute path of the repository root. */
  readonly root: string;
  /** The Git blob id of every document file, by repository-relative path (see `catalogDigest`). */
  readonly documentBlobs: ReadonlyMap<string, string>;
  readonly project: Project;
  readonly entities: ReadonlyMap<string, Entity>;
  readonly featureViews: ReadonlyMap<string, FeatureView>;
  readonly models: ReadonlyMap<string, ModelCard>;
  readonly environments: ReadonlyMap<string, Environment>;
  readonly promotionPolicies: ReadonlyMap<string, PromotionPolicy>;
  readonly rolloutPolicies: ReadonlyMap<string, RolloutPolicy>;
  readonly driftPolicies: ReadonlyMap<string, DriftPolicy>;
  readonly guardrailPolicies: ReadonlyMap<string, GuardrailPolicy>;
}

/** Every version a deployment runs: the stable, then the canary and the shadow when it has them. */
export function deployedVersions(deployment: Deployment): string[] {
  return [deployment.stable, deployment.canary?.version, deployment.shadow?.version].filter((version) => version !== undefined);
}

/** The versions whose answers reach callers: the stable and the canary (a shadow's are only recorded). */
export function answeringVersions(deployment: Deployment): string[] {
  return deployment.canary === undefined ? [deployment.stable] : [deployment.stable, deployment.canary.version];
}

/** The environments in promotion order: each after the one it promotes from, ties by name. */
export function environmentsInPromotionOrder(catalog: Catalog): Environment[] {
  const ordered: Environment[] = [];
  const placed = new Set<string>();
  const remaining = [...catalog.environments.values()].sort((a, b) => a.name.localeCompare(b.name));
  while (remaining.length > 0) {
    const index = remaining.findIndex((env) => env.promotesFrom === undefined || placed.has(env.promotesFrom));
    // Cycles are rejected by validation; guard anyway so a bad catalog cannot loop forever.
    const next = remaining.splice(index === -1 ? 0 : index, 1)[0];
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

/**
 * The environment a model trains in: the first one in promotion order that deploys it. Training
 * renders into exactly one environment, or a trigger change would start one run per environment.
 */
export function trainingEnvironmentOf(catalog: Catalog, model: string): string | null {
  for (const env of environmentsInPromotionOrder(catalog)) {
    if (env.deployments.some((deployment) => deployment.model === model)) return env.name;
  }
  return null;
}

/** The environment that promotes from `environment`, if any (the next stage). */
export function nextEnvironment(catalog: Catalog, environment: string): Environment | null {
  for (const env of environmentsInPromotionOrder(catalog)) {
    if (env.promotesFrom === environment) return env;
  }
  return null;
}

/** Looks up a document that validation guarantees exists; throws a plain error if it does not. */
export function required<T>(documents: ReadonlyMap<string, T>, name: string, what: string): T {
  const found = documents.get(name);
  if (found === undefined) throw new Error(`${what} '${name}' is not in the catalog`);
  return found;
}
