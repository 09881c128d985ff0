/** The controller's Deployment in an environment: `slipway controller --watch --env <env>`. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment, Project } from '../core/catalog.js';
import { baseLabels, LABEL_KEYS, SYNC_WAVES, syncWave } from './labels.js';
import { CONTROLLER_NAME } from './names.js';
import { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT, TMP_MOUNT, TMP_VOLUME } from './pod-defaults.js';

/** Props of `ControllerDeployment`. */
export interface ControllerDeploymentProps {
  /** The project: the controller image. */
  readonly project: Project;
  /** The environment the controller watches. */
  readonly environment: Environment;
}

/** The Secret (optional) with forge credentials: a GitHub token or App key. */
export const CONTROLLER_SECRET = 'slipway-controller';

/** One replica: reconciles are level-triggered and idempotent, and the Lease guards a second one. */
export class ControllerDeployment extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerDeploymentProps) {
    const { project, environment } = props;
    const selector = { [LABEL_KEYS.name]: CONTROLLER_NAME };
    const labels = { ...baseLabels(environment.name, 'controller', CONTROLLER_NAME, environment), ...selector };
    super(scope, id, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: CONTROLLER_NAME, namespace: environment.cluster.namespace, labels, annotations: syncWave(SYNC_WAVES.workload) },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // Recreate: two leaders-in-waiting during a rollout only add Lease churn.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: CONTROLLER_NAME,
            enableServiceLinks: false,
            securityContext: POD_SECURITY_CONTEXT,
            containers: [
              {
                name: 'controller',
                image: project.images.controller,
                imagePullPolicy: 'IfNotPresent',
                args: ['controller', '--watch', '--env', environment.name],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                envFrom: [{ secretRef: { name: CONTROLLER_SECRET, optional: true } }],
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                securityContext: CONTAINER_SECURITY_CONTEXT,
                volumeMounts: [TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
      },
    });
  }
}
