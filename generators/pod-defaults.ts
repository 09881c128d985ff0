/**
 * What every Slipway pod shares: a non-root, read-only, capability-free security context that
 * passes the `restricted` Pod Security Standard, and resource quantities in Kubernetes' shape.
 */
import type { Environment, Project, Resources } from '../core/catalog.js';
import type { CatalogPin } from '../core/load/catalog-digest.js';
import { REDIS_PASSWORD_ENV } from '../core/redis-credentials.js';

/**
 * The Dockerfile's `USER 1000:1000`, the node image's unprivileged `node` user: the pod runs as the
 * image's own user, so that its HOME and every file the image holds agree with it.
 */
export const NON_ROOT_UID = 1000;

/** Pod-level security: never root, the runtime's default seccomp profile. */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_UID,
  runAsGroup: NON_ROOT_UID,
  fsGroup: NON_ROOT_UID,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** Container-level security: a read-only root file system and no way to gain privileges. */
export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
} as const;

/** A writable `/tmp` for a read-only root file system. */
export const TMP_VOLUME = { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } } as const;

/** Where `TMP_VOLUME` is mounted. */
export const TMP_MOUNT = { name: 'tmp', mountPath: '/tmp' } as const;

/**
 * The environment variables that give a pod the artifact store's credentials: the keys of the
 * environment's Secret, when it names one. Without one the SDK's chain finds the ServiceAccount's
 * identity (IRSA, workload identity) or the node's.
 */
export function artifactStoreEnvFrom(environment: Environment): Record<string, unknown>[] {
  const secret = environment.artifacts.credentialsSecret;
  return secret === undefined ? [] : [{ secretRef: { name: secret } }];
}

/** Where a job's pod clones the repository: an emptyDir shared by the checkout and the job. */
export const CHECKOUT_DIR = '/workspace/repo';

/** The volume holding the checkout and the job's scratch files (staged sources). */
export const WORKSPACE_VOLUME = { name: 'workspace', emptyDir: { sizeLimit: '10Gi' } } as const;

/** Where `WORKSPACE_VOLUME` is mounted. */
export const WORKSPACE_MOUNT = { name: 'workspace', mountPath: '/workspace' } as const;

/** The optional Secret with a read-only Git token (`SLIPWAY_GIT_TOKEN`) for private repositories. */
export const GIT_SECRET = 'slipway-git';

/**
 * The init container that clones the project's branch for a job: nothing of the catalog is in
 * the image. It checks out the newest commit where the documents the job reads are those this
 * object was rendered from (`pin`), so a job reads what was merged and synced, not what main
 * says by the time the pod starts.
 */
export function checkoutInitContainer(project: Project, image: string, pin: CatalogPin): Record<string, unknown> {
  return {
    name: 'checkout',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['checkout', '--repository', project.repository.url, '--branch', project.repository.branch, '--catalog-digest', pin.digest, '--catalog-files', pin.files.join(','), '--dir', CHECKOUT_DIR],
    envFrom: [{ secretRef: { name: GIT_SECRET, optional: true } }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
    securityContext: CONTAINER_SECURITY_CONTEXT,
    volumeMounts: [WORKSPACE_MOUNT, TMP_MOUNT],
  };
}

/** The Redis password from the Secret the environment names, as the variable the runtime and the materializer read. */
export function redisPasswordEnv(environment: Environment): Record<string, unknown>[] {
  const secret = environment.onlineStore?.passwordSecret;
  return secret === undefined ? [] : [{ name: REDIS_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: secret.name, key: secret.key } } }];
}

/**
 * The pod of a Job that works on the repository (training, materialization): the checkout in an
 * init container, then `container` with the shared volumes and security settings.
 */
export function checkoutJobPod(project: Project, environment: Environment, pin: CatalogPin, container: Record<string, unknown>): Record<string, unknown> {
  return {
    restartPolicy: 'Never',
    serviceAccountName: WORKLOAD_SERVICE_ACCOUNT,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...podScheduling(environment),
    securityContext: POD_SECURITY_CONTEXT,
    initContainers: [checkoutInitContainer(project, environment.image, pin)],
    containers: [{ imagePullPolicy: 'IfNotPresent', securityContext: CONTAINER_SECURITY_CONTEXT, volumeMounts: [WORKSPACE_MOUNT, TMP_MOUNT], ...container }],
    volumes: [WORKSPACE_VOLUME, TMP_VOLUME],
  };
}

/** The ServiceAccount of the runtime and job pods: no API access, only the cloud identity its annotations give. */
export const WORKLOAD_SERVICE_ACCOUNT = 'slipway-workload';

/**
 * The pod-spec fields an environment sets for every pod: pull secrets, node selection,
 * tolerations and priority. Empty settings render nothing, so a plain environment's pods stay as
 * short as Kubernetes' defaults.
 */
export function podScheduling(environment: Environment): Record<string, unknown> {
  const { imagePullSecrets, nodeSelector, tolerations, priorityClassName } = environment.pods;
  return {
    ...(imagePullSecrets.length === 0 ? {} : { imagePullSecrets: imagePullSecrets.map((name) => ({ name })) }),
    ...(Object.keys(nodeSelector).length === 0 ? {} : { nodeSelector }),
    ...(tolerations.length === 0 ? {} : { tolerations }),
    ...(priorityClassName === undefined ? {} : { priorityClassName }),
  };
}

/** Catalog resources as a container's `resources`; absent quantities are left out. */
export function containerResources(resources: Resources): Record<string, Record<string, string>> {
  const pick = (side: { readonly cpu?: string; readonly memory?: string }) => {
    const out: Record<string, string> = {};
    if (side.cpu !== undefined) out.cpu = side.cpu;
    if (side.memory !== undefined) out.memory = side.memory;
    return out;
  };
  return { requests: pick(resources.requests), limits: pick(resources.limits) };
}

/** An HTTP GET probe on the named container port. */
export function httpProbe(path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> {
  return { httpGet: { path, port: 'http', scheme: 'HTTP' }, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}
