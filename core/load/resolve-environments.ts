/** Resolves `Project` and `Environment` documents and checks what environments point at. */
import { DEFAULT_LABEL_DELAY_MS } from '../bundle.js';
import type { Deployment, Environment, ModelCard, PeerSelector, Project, Resources } from '../catalog.js';
import type { EnvironmentDocument, ProjectDocument } from '../schemas/documents.generated.js';
import { parseDuration } from '../units.js';
import { metaOf, type Located, type ResolveContext } from './context.js';
import { positionOf, type PathSegments } from './locate.js';
import type { ParsedDocument } from './parse-yaml.js';

/**
 * The share of online-store lookups served from defaults above which predictions are no longer what
 * the model was trained for, when an environment declares none: unknown entities keep a few percent
 * normal; an unreachable or slow Redis, or a materialization that stopped, pass 10 % quickly.
 */
export const DEFAULT_MAX_FALLBACK_RATIO = 0.1;

/** True when an image reference names its content by digest (`name@sha256:…` or `name:tag@sha256:…`). */
export function isDigestImage(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}

/** True when an image reference names a digest, or a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  if (isDigestImage(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon > 0 && colon < lastSegment.length - 1 && lastSegment.slice(colon + 1) !== 'latest';
}

function checkImage(image: string, context: ResolveContext, document: ParsedDocument, at: PathSegments): boolean {
  if (isPinnedImage(image)) return true;
  context.report(document, at, `image '${image}' is not pinned; name a tag other than 'latest' or a digest (@sha256:…)`, 'image-pinned');
  return false;
}

/** The embedded default store: the repository's `models` directory, readable on this machine only. */
export const DEFAULT_ARTIFACT_STORE = { url: 'models' } as const;

/** An S3-compatible `endpoint` means something only beside an `s3://` store; anywhere else it would be silently ignored. */
function checkArtifactStore(store: { url: string; endpoint?: string } | undefined, context: ResolveContext, document: ParsedDocument): boolean {
  if (store?.endpoint === undefined || store.url.startsWith('s3://')) return true;
  context.report(document, ['spec', 'artifacts', 'endpoint'], `an endpoint applies to s3:// stores only, and '${store.url}' is not one`, 'artifact-store');
  return false;
}

/** The `Project` as the catalog holds it, or null when it is unsound. */
export function resolveProject(located: Located<ProjectDocument>, context: ResolveContext): Project | null {
  const { document, raw } = located;
  const { spec } = raw;
  let sound = checkImage(spec.image, context, document, ['spec', 'image']);
  if (spec.forge.type === 'github' && spec.forge.repository === undefined) {
    context.report(document, ['spec', 'forge'], "a github forge needs 'repository' as owner/repo", 'required');
    sound = false;
  }
  sound = checkArtifactStore(spec.artifacts, context, document) && sound;
  if (!sound) return null;
  return {
    ...metaOf('Project', located),
    description: spec.description ?? '',
    repository: { url: spec.repository.url, branch: spec.repository.branch ?? 'main' },
    forge: spec.forge.type === 'github' ? { type: 'github', repository: spec.forge.repository! } : { type: 'local' },
    image: spec.image,
    artifacts: spec.artifacts ?? DEFAULT_ARTIFACT_STORE,
  };
}

/** What an environment may refer to. */
export interface EnvironmentReferences {
  readonly project: Project;
  readonly models: ReadonlyMap<string, ModelCard>;
  readonly environmentNames: ReadonlySet<string>;
  readonly promotionPolicies: ReadonlyMap<string, unknown>;
  readonly rolloutPolicies: ReadonlyMap<string, unknown>;
  readonly driftPolicies: ReadonlyMap<string, unknown>;
}

/** An `Environment` as the catalog holds it, or null when a reference or a deployment is unsound. */
export function resolveEnvironment(
  located: Located<EnvironmentDocument>,
  references: EnvironmentReferences,
  context: ResolveContext,
): Environment | null {
  const { document, raw } = located;
  const { spec } = raw;
  let sound = true;
  const check = (ok: boolean) => {
    if (!ok) sound = false;
  };
  if (spec.promotesFrom !== undefined) {
    if (spec.promotesFrom === raw.metadata.name) {
      context.report(document, ['spec', 'promotesFrom'], 'an environment cannot promote from itself', 'promotion-cycle');
      sound = false;
    } else {
      check(checkEnvironmentName(spec.promotesFrom, references.environmentNames, context, document));
    }
  }
  if (spec.promotion !== undefined) {
    check(context.checkReference(references.promotionPolicies, 'PromotionPolicy', spec.promotion.policy, document, ['spec', 'promotion', 'policy']));
  }
  const redis = spec.onlineStore?.redis;
  if (redis !== undefined && (redis.url === undefined) === (redis.nodes === undefined)) {
    context.report(document, ['spec', 'onlineStore', 'redis'], "give exactly one of 'url' (one Redis) or 'nodes' (a Redis Cluster)", 'online-store');
    sound = false;
  }
  check(checkArtifactStore(spec.artifacts, context, document));
  if (spec.image !== undefined) check(checkImage(spec.image, context, document, ['spec', 'image']));

  const runtimeResources = resourcesOf(spec.runtime?.resources);
  const seenModels = new Set<string>();
  const deployments: Deployment[] = [];
  spec.deployments.forEach((entry, index) => {
    const at = ['spec', 'deployments', index];
    if (seenModels.has(entry.model)) {
      context.report(document, [...at, 'model'], `model '${entry.model}' is deployed twice in this environment`, 'duplicate-deployment');
      sound = false;
      return;
    }
    seenModels.add(entry.model);
    const deployment = resolveDeployment(entry, at, runtimeResources, references, context, document);
    if (deployment === null) sound = false;
    else deployments.push(deployment);
  });
  if (!sound) return null;
  return {
    ...metaOf('Environment', located),
    description: spec.description ?? '',
    promotesFrom: spec.promotesFrom,
    promotion: spec.promotion === undefined ? undefined : { policy: spec.promotion.policy, soakMs: spec.promotion.soak === undefined ? undefined : parseDuration(spec.promotion.soak)! },
    cluster: spec.cluster,
    argocd: {
      namespace: spec.argocd.namespace ?? 'argocd',
      project: spec.argocd.project,
      autoSync: spec.argocd.autoSync ?? true,
      selfHeal: spec.argocd.selfHeal ?? true,
      prune: spec.argocd.prune ?? true,
    },
    onlineStore:
      spec.onlineStore === undefined
        ? undefined
        : {
            redis: { url: spec.onlineStore.redis.url, nodes: spec.onlineStore.redis.nodes ?? [] },
            passwordSecret: spec.onlineStore.redis.passwordSecret,
            timeoutMs: spec.onlineStore.timeout === undefined ? 5 : parseDuration(spec.onlineStore.timeout)!,
            maxFallbackRatio: spec.onlineStore.maxFallbackRatio ?? DEFAULT_MAX_FALLBACK_RATIO,
          },
    prometheus: spec.prometheus === undefined ? undefined : { url: spec.prometheus.url },
    monitoring: { labels: spec.prometheus?.labels ?? {}, scrapedFrom: spec.prometheus?.scrapedFrom ?? DEFAULT_SCRAPER },
    network: { ingressFrom: spec.network?.ingressFrom ?? [{ podLabels: {} }] },
    artifacts: spec.artifacts ?? references.project.artifacts,
    pods: {
      serviceAccountAnnotations: spec.pods?.serviceAccountAnnotations ?? {},
      imagePullSecrets: spec.pods?.imagePullSecrets ?? [],
      nodeSelector: spec.pods?.nodeSelector ?? {},
      tolerations: spec.pods?.tolerations ?? [],
      priorityClassName: spec.pods?.priorityClassName,
      trustedCAs: spec.pods?.trustedCAs,
    },
    image: spec.image ?? references.project.image,
    runtime: {
      resources: runtimeResources,
      auditSampleRate: spec.runtime?.auditSampleRate ?? 0.01,
      labelDelayMs: spec.runtime?.labelDelay === undefined ? DEFAULT_LABEL_DELAY_MS : parseDuration(spec.runtime.labelDelay)!,
    },
    deployments,
  };
}

function checkEnvironmentName(name: string, names: ReadonlySet<string>, context: ResolveContext, document: ParsedDocument): boolean {
  const asMap = new Map([...names].map((known) => [known, true]));
  return context.checkReference(asMap, 'Environment', name, document, ['spec', 'promotesFrom']);
}

type DeploymentDocument = EnvironmentDocument['spec']['deployments'][number];

function resolveDeployment(
  entry: DeploymentDocument,
  at: PathSegments,
  defaultResources: Resources,
  references: EnvironmentReferences,
  context: ResolveContext,
  document: ParsedDocument,
): Deployment | null {
  let sound = true;
  const report = (segments: PathSegments, message: string, rule: string) => {
    context.report(document, [...at, ...segments], message, rule);
    sound = false;
  };
  if (entry.rollout !== undefined && !context.checkReference(references.rolloutPolicies, 'RolloutPolicy', entry.rollout, document, [...at, 'rollout'])) sound = false;
  if (entry.drift !== undefined && !context.checkReference(references.driftPolicies, 'DriftPolicy', entry.drift, document, [...at, 'drift'])) sound = false;
  if (entry.replicas.min > entry.replicas.max) {
    report(['replicas', 'min'], `replicas.min (${entry.replicas.min}) must not exceed replicas.max (${entry.replicas.max})`, 'replicas');
  }
  if (!context.checkReference(references.models, 'ModelCard', entry.model, document, [...at, 'model'])) return null;
  const card = references.models.get(entry.model)!;

  const served: [PathSegments, string][] = [[['stable'], entry.stable]];
  if (entry.canary !== undefined) served.push([['canary', 'version'], entry.canary.version]);
  if (entry.shadow !== undefined) served.push([['shadow', 'version'], entry.shadow.version]);
  for (const [segments, version] of served) {
    const resolved = card.versions.get(version);
    if (resolved === undefined) {
      const known = [...card.versions.keys()].join(', ');
      report(segments, `model '${card.name}' has no version ${version} (the card lists ${known})`, 'reference');
      continue;
    }
    if (resolved.artifact.sha256 === undefined) {
      report(segments, `version ${version} of '${card.name}' has no artifact sha256; only a verified artifact may be deployed`, 'artifact-sha256');
    }
    const offline = resolved.inputs.filter((input) => !input.online).map((input) => input.ref);
    if (offline.length > 0) {
      report(segments, `version ${version} of '${card.name}' reads inputs from feature views that are not online: ${offline.join(', ')}`, 'online-inputs');
    }
  }
  if (entry.canary?.version === entry.stable) report(['canary', 'version'], `canary version ${entry.stable} is the stable version; a canary must differ`, 'canary');
  if (entry.shadow?.version === entry.stable) report(['shadow', 'version'], `shadow version ${entry.stable} is the stable version; a shadow must differ`, 'shadow');
  if (!sound) return null;
  return {
    model: entry.model,
    stable: entry.stable,
    canary: entry.canary,
    shadow: entry.shadow,
    rollout: entry.rollout,
    drift: entry.drift,
    replicas: entry.replicas,
    targetCpuUtilization: entry.targetCpuUtilization ?? 70,
    resources: entry.resources === undefined ? defaultResources : resourcesOf(entry.resources),
    declaredAt: positionOf(document, at),
  };
}

type ResourcesDocument = NonNullable<DeploymentDocument['resources']>;

/** The Prometheus Operator labels its Prometheus pods so; `monitoring` is where kube-prometheus-stack is usually installed. */
const DEFAULT_SCRAPER: PeerSelector = { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } };

const DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '250m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

function resourcesOf(resources: ResourcesDocument | undefined): Resources {
  if (resources === undefined) return DEFAULT_RESOURCES;
  const text = (value: string | number | undefined) => (value === undefined ? undefined : String(value));
  return {
    requests: { cpu: text(resources.requests?.cpu), memory: text(resources.requests?.memory) },
    limits: { cpu: text(resources.limits?.cpu), memory: text(resources.limits?.memory) },
  };
}

/** Reports each environment that takes part in a `promotesFrom` cycle, once per cycle. */
export function checkPromotionCycles(environments: readonly Located<EnvironmentDocument>[], context: ResolveContext): void {
  const promotesFrom = new Map(environments.map((located) => [located.raw.metadata.name, located]));
  const reported = new Set<string>();
  for (const start of environments) {
    const path: string[] = [];
    let current: string | undefined = start.raw.metadata.name;
    while (current !== undefined && !path.includes(current)) {
      path.push(current);
      current = promotesFrom.get(current)?.raw.spec.promotesFrom;
    }
    if (current === undefined || current !== start.raw.metadata.name) continue;
    const cycle = [...path, current];
    const key = [...path].sort().join(',');
    if (reported.has(key) || path.length < 2) continue;
    reported.add(key);
    context.report(start.document, ['spec', 'promotesFrom'], `promotesFrom forms a cycle: ${cycle.join(' ← ')}`, 'promotion-cycle');
  }
}
