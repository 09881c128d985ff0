/**
 * Names of rendered objects, derived from catalog names in one place so that a generator, the
 * pre-render checks and the tests cannot disagree about them.
 */

/** Where the runtime finds its bundle: the ConfigMap is mounted as a directory (never subPath, which would freeze updates). */
export const BUNDLE_MOUNT_DIR = '/etc/slipway/bundle';

/** Where the runtime keeps fetched artifacts: an emptyDir, so a container restart does not fetch again. */
export const ARTIFACT_CACHE_DIR = '/var/cache/slipway/artifacts';

/** The runtime's HTTP port: KServe V2 API, health and `/metrics`. */
export const RUNTIME_PORT = 8080;

/** Kubernetes' limit for names that end up in labels or DNS (Services, Jobs, Namespaces). */
export const DNS_LABEL_LIMIT = 63;

/** The CronJob controller appends 11 characters to a CronJob's name for its Jobs. */
export const CRONJOB_NAME_LIMIT = 52;

/** The runtime Deployment, Service, autoscaler, budget, policy and monitors of a model. */
export function runtimeName(model: string): string {
  return model;
}

/** The ConfigMap holding a model's runtime bundle. */
export function bundleConfigMapName(model: string): string {
  return `${model}-bundle`;
}

/** The one-off training Job: a new trigger id is a new Job, which runs exactly once. */
export function trainingJobName(model: string, triggerId: string): string {
  return `train-${model}-${triggerId}`;
}

/** The scheduled retraining CronJob of a model. */
export function trainingCronJobName(model: string): string {
  return `train-${model}`;
}

/** The CronJob copying a feature view's latest values into the online store. */
export function materializationCronJobName(view: string): string {
  return `materialize-${view}`;
}

/** The controller's Deployment, ServiceAccount, Role, RoleBinding and leader-election Lease. */
export const CONTROLLER_NAME = 'slipway-controller';

/** The controller's Role in the Argo CD namespace, one per environment it watches from. */
export function controllerArgoRoleName(environment: string): string {
  return `slipway-controller-${environment}`;
}

/** The Argo CD Application syncing one environment's `dist/<env>/`. */
export function environmentApplicationName(environment: string): string {
  return `slipway-${environment}`;
}

/**
 * The Argo CD Application syncing one environment's Jobs and CronJobs from `dist/<env>/jobs/`:
 * apart from the environment's own, so that a run neither holds nor degrades the health the
 * controller gates promotions on.
 */
export function environmentJobsApplicationName(environment: string): string {
  return `${environmentApplicationName(environment)}${JOBS_APPLICATION_SUFFIX}`;
}

/** What tells a jobs Application's name from its environment's; no environment may end in it where the rest names another. */
export const JOBS_APPLICATION_SUFFIX = '-jobs';

/** The folder of an environment's Jobs and CronJobs, under `dist/`; the environment's Application does not recurse into it. */
export function jobsFolder(environment: string): string {
  return `${environment}/jobs`;
}

/** The app of apps, syncing `dist/argocd/`. */
export const ROOT_APPLICATION_NAME = 'slipway';

/** The folder under `dist/` holding the Argo CD objects; no environment may take this name. */
export const ARGOCD_FOLDER = 'argocd';
