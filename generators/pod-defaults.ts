/**
 * What every Slipway pod shares: a non-root, read-only, capability-free security context that
 * passes the `restricted` Pod Security Standard, and resource quantities in Kubernetes' shape.
 */
import path from 'node:path';
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
  const ca = trustedCAs(environment);
  return {
    restartPolicy: 'Never',
    serviceAccountName: WORKLOAD_SERVICE_ACCOUNT,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...podScheduling(environment),
    securityContext: POD_SECURITY_CONTEXT,
    initContainers: [checkoutInitContainer(project, environment.image, pin)],
    containers: [trustingCAs({ imagePullPolicy: 'IfNotPresent', securityContext: CONTAINER_SECURITY_CONTEXT, volumeMounts: [WORKSPACE_MOUNT, TMP_MOUNT], ...container }, ca)],
    volumes: [WORKSPACE_VOLUME, TMP_VOLUME, ...ca.volumes],
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

/** Where a container finds the environment's extra CA certificates. */
export const TRUSTED_CA_FILE = '/etc/slipway/trusted-ca/ca.crt';

/** The volume, mount and NODE_EXTRA_CA_CERTS of the environment's `pods.trustedCAs`: a container's share of it. */
export interface TrustedCAs {
  readonly volumes: readonly Record<string, unknown>[];
  readonly volumeMounts: readonly Record<string, unknown>[];
  readonly env: readonly Record<string, unknown>[];
}

/**
 * The environment's private CA certificates for a container: the Secret's key mounted as one
 * file, which Node reads at start through NODE_EXTRA_CA_CERTS and trusts for every TLS
 * connection (Redis, the artifact store, Prometheus, GitHub) besides its own CAs. Empty
 * without `pods.trustedCAs`.
 */
export function trustedCAs(environment: Environment): TrustedCAs {
  const secret = environment.pods.trustedCAs;
  if (secret === undefined) return { volumes: [], volumeMounts: [], env: [] };
  const volume = 'trusted-ca';
  return {
    volumes: [{ name: volume, secret: { secretName: secret.name, items: [{ key: secret.key, path: path.posix.basename(TRUSTED_CA_FILE) }] } }],
    volumeMounts: [{ name: volume, mountPath: path.posix.dirname(TRUSTED_CA_FILE), readOnly: true }],
    env: [{ name: 'NODE_EXTRA_CA_CERTS', value: TRUSTED_CA_FILE }],
  };
}

/** `container` with the trusted CAs' env and mount added; the same object when there are none. */
export function trustingCAs(container: Record<string, unknown>, ca: TrustedCAs): Record<string, unknown> {
  if (ca.env.length === 0) return container;
  const listed = (field: string) => (container[field] ?? []) as readonly Record<string, unknown>[];
  return { ...container, env: [...listed('env'), ...ca.env], volumeMounts: [...listed('volumeMounts'), ...ca.volumeMounts] };
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
