/**
 * The identity of an environment's runtime, training and materialization pods. It grants nothing
 * in the cluster (no token is mounted); its annotations are what IRSA or workload identity turn
 * into cloud credentials, so that the artifact store is reached without keys in a Secret.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../core/catalog.js';
import { baseLabels, SYNC_WAVES, syncWave } from './labels.js';
import { WORKLOAD_SERVICE_ACCOUNT } from './pod-defaults.js';

/** Props of `WorkloadServiceAccount`. */
export interface WorkloadServiceAccountProps {
  /** The environment: namespace and `pods.serviceAccountAnnotations`. */
  readonly environment: Environment;
}

/** `slipway-workload` in the environment's namespace. */
export class WorkloadServiceAccount extends ApiObject {
  constructor(scope: Construct, id: string, props: WorkloadServiceAccountProps) {
    const { environment } = props;
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: WORKLOAD_SERVICE_ACCOUNT,
        namespace: environment.cluster.namespace,
        labels: baseLabels(environment.name, 'workload', WORKLOAD_SERVICE_ACCOUNT, environment),
        annotations: { ...environment.pods.serviceAccountAnnotations, ...syncWave(SYNC_WAVES.identity) },
      },
      automountServiceAccountToken: false,
    });
  }
}
