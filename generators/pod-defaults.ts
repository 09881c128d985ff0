/**
 * What every Slipway pod shares: a non-root, read-only, capability-free security context that
 * passes the `restricted` Pod Security Standard, and resource quantities in Kubernetes' shape.
 */
import type { Resources } from '../core/catalog.js';

/** The unprivileged user of the distroless `nonroot` convention. */
const NON_ROOT_UID = 65532;

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
