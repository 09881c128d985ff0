/**
 * Argo CD objects: an AppProject per Argo CD project the environments name, one Application per
 * environment pointing at `dist/<env>`, one per environment with Jobs pointing at
 * `dist/<env>/jobs`, and the root app of apps pointing at `dist/argocd`.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment, Project } from '../core/catalog.js';
import { SYNC_WAVES, syncWave } from './labels.js';
import { ARGOCD_FOLDER, environmentApplicationName, environmentJobsApplicationName, jobsFolder, ROOT_APPLICATION_NAME } from './names.js';

/** The kinds an environment's Application may create; anything else in `dist/<env>` fails to sync. */
export const NAMESPACED_KINDS = [
  { group: '', kind: 'ConfigMap' },
  { group: '', kind: 'Service' },
  { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
  { group: 'batch', kind: 'CronJob' },
  { group: 'batch', kind: 'Job' },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
  { group: 'rbac.authorization.k8s.io', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
] as const;

/** Labels on Argo CD objects. */
function argoLabels(): Record<string, string> {
  return { 'app.kubernetes.io/part-of': 'slipway', 'app.kubernetes.io/managed-by': 'slipway', 'app.kubernetes.io/component': 'gitops' };
}

/** Props of `SlipwayAppProject`. */
export interface SlipwayAppProjectProps {
  /** The project: the repository Applications may read. */
  readonly project: Project;
  /** The AppProject's name (an environment's `argocd.project`). */
  readonly name: string;
  /** Argo CD's namespace. */
  readonly namespace: string;
  /** The environments in this AppProject: their clusters and namespaces are its only destinations. */
  readonly environments: readonly Environment[];
}

/** Confines the environments' Applications to this repository, their namespaces and Slipway's kinds. */
export class SlipwayAppProject extends ApiObject {
  constructor(scope: Construct, id: string, props: SlipwayAppProjectProps) {
    super(scope, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: props.name, namespace: props.namespace, labels: argoLabels(), annotations: syncWave(SYNC_WAVES.identity) },
      spec: {
        description: `Slipway environments of ${props.project.name}: ${props.environments.map((env) => env.name).join(', ')}`,
        sourceRepos: [props.project.repository.url],
        destinations: props.environments.map((env) => ({ server: env.cluster.server, namespace: env.cluster.namespace })),
        clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        namespaceResourceWhitelist: NAMESPACED_KINDS.map((kind) => ({ ...kind })),
      },
    });
  }
}

/** Props of `EnvironmentApplication`. */
export interface EnvironmentApplicationProps {
  /** The project: repository URL and branch. */
  readonly project: Project;
  /** The environment synced from `dist/<env>`. */
  readonly environment: Environment;
}

/**
 * Syncs `dist/<env>` into the environment's cluster with the environment's sync options. Its
 * health is what the controller gates promotions on, so it holds no Job or CronJob (those are
 * `EnvironmentJobsApplication`'s): the directory source does not recurse into `jobs/`.
 */
export class EnvironmentApplication extends ApiObject {
  constructor(scope: Construct, id: string, props: EnvironmentApplicationProps) {
    const { project, environment } = props;
    const { argocd } = environment;
    super(scope, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: environmentApplicationName(environment.name),
        namespace: argocd.namespace,
        labels: { ...argoLabels(), 'slipway.dev/environment': environment.name },
        annotations: syncWave(SYNC_WAVES.workload),
      },
      spec: {
        project: argocd.project,
        source: { repoURL: project.repository.url, targetRevision: project.repository.branch, path: `dist/${environment.name}`, directory: { recurse: false } },
        destination: { server: environment.cluster.server, namespace: environment.cluster.namespace },
        syncPolicy: {
          automated: argocd.autoSync ? { prune: argocd.prune, selfHeal: argocd.selfHeal } : undefined,
          syncOptions: syncOptions(argocd.prune),
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
        revisionHistoryLimit: 10,
      },
    });
  }
}

/** The sync options of an environment's Application. */
export function syncOptions(prune: boolean): string[] {
  return [
    // Slipway renders the Namespace itself, with its Pod Security labels.
    'CreateNamespace=false',
    'ApplyOutOfSyncOnly=true',
    // Delete removed objects only after everything else is healthy.
    ...(prune ? ['PruneLast=true'] : []),
  ];
}

/**
 * Syncs `dist/<env>/jobs` (training Jobs and CronJobs, materialization CronJobs) into the
 * environment's namespace. A run that takes hours or fails shows here, where the controller does
 * not look (its RBAC cannot even read this Application), instead of in the environment's health.
 */
export class EnvironmentJobsApplication extends ApiObject {
  constructor(scope: Construct, id: string, props: EnvironmentApplicationProps) {
    const { project, environment } = props;
    const { argocd } = environment;
    super(scope, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: environmentJobsApplicationName(environment.name),
        namespace: argocd.namespace,
        labels: { ...argoLabels(), 'slipway.dev/environment': environment.name },
        // After the environment's Application: Argo CD rates no Application's health by default,
        // so this orders creation only; a Job's pods wait (the Job controller retries) until the
        // environment's ServiceAccount exists.
        annotations: syncWave(SYNC_WAVES.jobsApplication),
      },
      spec: {
        project: argocd.project,
        source: { repoURL: project.repository.url, targetRevision: project.repository.branch, path: `dist/${jobsFolder(environment.name)}`, directory: { recurse: false } },
        destination: { server: environment.cluster.server, namespace: environment.cluster.namespace },
        syncPolicy: {
          automated: argocd.autoSync ? { prune: argocd.prune, selfHeal: argocd.selfHeal } : undefined,
          syncOptions: jobsSyncOptions(),
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
        // A training Job is immutable and must run once: once it exists, Argo CD leaves it alone
        // (a new trigger id is a new Job name), instead of failing to patch or re-creating it.
        ignoreDifferences: [{ group: 'batch', kind: 'Job', jsonPointers: ['/spec'] }],
        revisionHistoryLimit: 10,
      },
    });
  }
}

/**
 * The sync options of an environment's jobs Application. No PruneLast: it puts pruning in a wave
 * of its own, and in a sync of several waves Argo CD waits for each wave's resources to be
 * healthy, so a sync that removes an old Job would wait hours for the new Job to finish (and
 * fail with it). With every object in one wave, a sync is done once the objects are applied.
 */
export function jobsSyncOptions(): string[] {
  return ['CreateNamespace=false', 'RespectIgnoreDifferences=true', 'ApplyOutOfSyncOnly=true'];
}

/** Props of `RootApplication`. */
export interface RootApplicationProps {
  /** The project: repository URL and branch. */
  readonly project: Project;
  /** Argo CD's namespace, where the root app and the environment apps live. */
  readonly namespace: string;
}

/** The app of apps: syncs `dist/argocd`, which holds every environment's Application. */
export class RootApplication extends ApiObject {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    const { project, namespace } = props;
    super(scope, id, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: ROOT_APPLICATION_NAME, namespace, labels: argoLabels(), annotations: syncWave(SYNC_WAVES.workload) },
      spec: {
        // `default`: the root app creates AppProjects, so it cannot live in one it creates.
        project: 'default',
        source: { repoURL: project.repository.url, targetRevision: project.repository.branch, path: `dist/${ARGOCD_FOLDER}`, directory: { recurse: false } },
        destination: { server: 'https://kubernetes.default.svc', namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'] },
        revisionHistoryLimit: 10,
      },
    });
  }
}
