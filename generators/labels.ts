/**
 * Labels and annotations every rendered object shares: who made it, which environment and model
 * it belongs to, and the Argo CD sync wave that orders it.
 */
import type { DocumentMeta } from '../core/catalog.js';

/** Argo CD applies lower waves first: the namespace, then identities and config, then workloads. */
export const SYNC_WAVES = {
  namespace: -3,
  identity: -2,
  /** ConfigMaps and NetworkPolicies land before the pods that mount or need them. */
  config: -1,
  workload: 0,
  /**
   * Alerting lands with the configuration, before the pods: Argo CD waits for a wave to be healthy
   * before the next, so alerts synced after a crash-looping workload would never arrive.
   */
  monitoring: -1,
  /** Autoscaling and budgets follow the workload they refer to. */
  policy: 1,
  /** In the root app, an environment's jobs Application is created after the environment's own. */
  jobsApplication: 1,
} as const;

/** The annotation Argo CD orders a sync by. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** Annotations putting an object into a sync wave. */
export function syncWave(wave: number): Record<string, string> {
  return { [SYNC_WAVE_ANNOTATION]: String(wave) };
}

/** For CRD-backed objects: a cluster without the CRD yet must not fail the dry run of the whole sync. */
export const SKIP_DRY_RUN_ON_MISSING_RESOURCE = { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' } as const;

/** Label keys Slipway sets itself. */
export const LABEL_KEYS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  environment: 'slipway.dev/environment',
  model: 'slipway.dev/model',
  featureView: 'slipway.dev/feature-view',
  triggerId: 'slipway.dev/trigger-id',
} as const;

/** Labels of every object in an environment, plus the labels of the documents it comes from. */
export function baseLabels(environment: string, component: string, instance: string, ...documents: DocumentMeta[]): Record<string, string> {
  const labels: Record<string, string> = {};
  // Document labels first so that Slipway's own keys always win.
  for (const document of documents) Object.assign(labels, document.labels);
  return Object.assign(labels, {
    [LABEL_KEYS.partOf]: 'slipway',
    [LABEL_KEYS.managedBy]: 'slipway',
    [LABEL_KEYS.component]: component,
    [LABEL_KEYS.instance]: instance,
    [LABEL_KEYS.environment]: environment,
  });
}

/** The labels selecting one model's runtime pods; stable for the life of the Deployment. */
export function runtimeSelector(model: string): Record<string, string> {
  return { [LABEL_KEYS.name]: 'slipway-runtime', [LABEL_KEYS.model]: model };
}

/** Labels of a model's runtime objects and pods. */
export function runtimeLabels(environment: string, model: string, ...documents: DocumentMeta[]): Record<string, string> {
  return { ...baseLabels(environment, 'runtime', model, ...documents), ...runtimeSelector(model) };
}
