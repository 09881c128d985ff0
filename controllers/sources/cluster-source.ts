/** Read-only cluster status the controller needs: the Argo CD `Application` of an environment. */
import type { Environment } from '../../core/catalog.js';

/** Sync and health of an environment's Argo CD Application. */
export interface ApplicationStatus {
  readonly name: string;
  /** `Synced`, `OutOfSync`, `Unknown`. */
  readonly sync: string;
  /** `Healthy`, `Progressing`, `Degraded`, … */
  readonly health: string;
  /** The Git revision Argo CD synced. */
  readonly revision: string | null;
}

/** Reads cluster status; should never throw (an unreachable API server is data). */
export interface ClusterSource {
  /** The status of `env`'s Application, or the error that prevented reading it. */
  applicationStatus(env: Environment): Promise<ApplicationStatus | { readonly error: string }>;
}

/** Whether `env` is Synced and Healthy at `revision`; the reason when not. */
export async function readyAt(cluster: ClusterSource, env: Environment, revision: string): Promise<{ ready: boolean; reason: string }> {
  const status = await cluster.applicationStatus(env);
  if ('error' in status) return { ready: false, reason: `cluster status of ${env.name} unknown: ${status.error}` };
  if (status.sync !== 'Synced' || status.health !== 'Healthy') {
    return { ready: false, reason: `Argo CD Application ${status.name} is ${status.sync}/${status.health}` };
  }
  if (status.revision !== revision) {
    return { ready: false, reason: `Argo CD Application ${status.name} is at ${status.revision?.slice(0, 12) ?? 'no revision'}, not the merged ${revision.slice(0, 12)}` };
  }
  return { ready: true, reason: `Argo CD Application ${status.name} is Synced and Healthy at ${revision.slice(0, 12)}` };
}
