/** The environment's Namespace, enforcing the `restricted` Pod Security Standard. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../core/catalog.js';
import { baseLabels, SYNC_WAVES, syncWave } from './labels.js';

/** Props of `EnvironmentNamespace`. */
export interface EnvironmentNamespaceProps {
  /** The environment whose `cluster.namespace` is created. */
  readonly environment: Environment;
}

/** The Namespace every namespaced object of an environment lives in. */
export class EnvironmentNamespace extends ApiObject {
  constructor(scope: Construct, id: string, props: EnvironmentNamespaceProps) {
    const { environment } = props;
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: environment.cluster.namespace,
        labels: {
          ...baseLabels(environment.name, 'namespace', environment.name, environment),
          // Every Slipway pod is non-root and read-only, so the strictest standard costs nothing.
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
        // Delete=false: pruning an environment must never delete its namespace (and its Secrets) with it.
        annotations: { ...syncWave(SYNC_WAVES.namespace), 'argocd.argoproj.io/sync-options': 'Delete=false' },
      },
    });
  }
}
