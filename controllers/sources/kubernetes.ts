/**
 * Read-only cluster status through `@kubernetes/client-node`: the Argo CD `Application` of each
 * environment (sync, health, revision), and leader election on a `coordination.k8s.io` Lease, the
 * only object the controller ever writes in a cluster (its own lock, not a workload).
 */
import { CoordinationV1Api, CustomObjectsApi, KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Environment } from '../../core/catalog.js';
import type { ApplicationStatus, ClusterSource } from './cluster-source.js';

/** A kubeconfig for in-cluster use (a service account) or from `$KUBECONFIG`/`~/.kube/config`. */
export function loadKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST !== undefined) config.loadFromCluster();
  else config.loadFromDefault();
  return config;
}

interface ApplicationObject {
  readonly status?: { readonly sync?: { readonly status?: string; readonly revision?: string }; readonly health?: { readonly status?: string } };
}

/** Reads environments' Argo CD Applications. */
export class ArgoCdClusterSource implements ClusterSource {
  private readonly api: CustomObjectsApi;

  constructor(
    config: KubeConfig,
    /** The Application name of an environment, as the generators name it (injected: no generators import). */
    private readonly applicationName: (environment: string) => string,
  ) {
    this.api = config.makeApiClient(CustomObjectsApi);
  }

  async applicationStatus(env: Environment): Promise<ApplicationStatus | { error: string }> {
    const name = this.applicationName(env.name);
    try {
      const object = (await this.api.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: env.argocd.namespace, plural: 'applications', name })) as ApplicationObject;
      return {
        name,
        sync: object.status?.sync?.status ?? 'Unknown',
        health: object.status?.health?.status ?? 'Unknown',
        revision: object.status?.sync?.revision ?? null,
      };
    } catch (error) {
      return { error: `reading Application ${env.argocd.namespace}/${name}: ${describe(error)}` };
    }
  }
}

/** Leader election settings. */
export interface LeaseSettings {
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (the pod name). */
  readonly identity: string;
  readonly durationSeconds: number;
}

/** Leader election on a Lease: only the holder reconciles; a holder that stops renewing loses it. */
export class LeaseElector {
  private readonly api: CoordinationV1Api;

  constructor(
    config: KubeConfig,
    private readonly settings: LeaseSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
  }

  /** Acquires or renews the lease; `true` when this replica leads. Never throws: an error means "not now". */
  async tryAcquireOrRenew(): Promise<{ leader: boolean; holder: string | null; error?: string }> {
    const { namespace, name, identity, durationSeconds } = this.settings;
    const now = this.now();
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) return { leader: false, holder: null, error: describe(error) };
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } },
        });
        return { leader: true, holder: identity };
      } catch (createError) {
        return { leader: false, holder: null, error: describe(createError) };
      }
    }
    const spec = current.spec ?? {};
    // An empty holder is a released lease (client-go writes "" too): free to take at once.
    const holder = spec.holderIdentity || null;
    const renewed = spec.renewTime === undefined ? 0 : new Date(spec.renewTime).getTime();
    const expired = renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < now.getTime();
    if (holder !== null && holder !== identity && !expired) return { leader: false, holder };
    const takeover = holder !== identity;
    try {
      // The resourceVersion makes this a compare-and-swap: of two replicas racing, one wins.
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...current,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: now,
            ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
          },
        },
      });
      return { leader: true, holder: identity };
    } catch (error) {
      return { leader: false, holder, error: describe(error) };
    }
  }

  /**
   * Gives the lease up when this replica holds it, as client-go's `ReleaseOnCancel` does, so that
   * a successor leads at once instead of after the lease expires. Never throws: at worst the lease
   * expires on its own.
   */
  async release(): Promise<boolean> {
    const { namespace, name, identity } = this.settings;
    try {
      const current = await this.api.readNamespacedLease({ name, namespace });
      if (current.spec?.holderIdentity !== identity) return false;
      const now = this.now();
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } } });
      return true;
    } catch {
      return false;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

function describe(error: unknown): string {
  const code = statusOf(error);
  const message = (error as Error).message?.split('\n')[0] ?? String(error);
  return code === undefined ? message : `HTTP ${code}: ${message}`;
}
