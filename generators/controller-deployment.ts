/** The controller's Deployment in an environment: `slipway controller --watch --env <env>`. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment, Project } from '../core/catalog.js';
import { baseLabels, LABEL_KEYS, SYNC_WAVES, syncWave } from './labels.js';
import { CONTROLLER_NAME } from './names.js';
import { artifactStoreEnvFrom, CONTAINER_SECURITY_CONTEXT, httpProbe, podScheduling, POD_SECURITY_CONTEXT, TMP_MOUNT, TMP_VOLUME, trustedCAs } from './pod-defaults.js';

/** Props of `ControllerDeployment`. */
export interface ControllerDeploymentProps {
  /** The project: its repository and forge. */
  readonly project: Project;
  /** The environment the controller watches. */
  readonly environment: Environment;
}

/** The Secret (optional) with forge credentials: a GitHub token or App key. */
export const CONTROLLER_SECRET = 'slipway-controller';

/** The controller's volume: its own, since repositories outgrow `/tmp`. */
export const CONTROLLER_STATE_DIR = '/var/lib/slipway';

/** The working clone inside it: a folder, not the mount point, so that a broken clone can be replaced whole. */
export const CONTROLLER_WORKSPACE_DIR = `${CONTROLLER_STATE_DIR}/workspace`;

/** Answered by the controller once it has cloned the repository and listens. */
const HEALTH_PATH = '/healthz';

/** The controller's port: health and the forge's webhooks. Not the runtime's 8080, so both can share a host in tests. */
export const CONTROLLER_PORT = 8081;

/**
 * The controller's arguments: nothing of the catalog is in the image, so it clones the repository
 * from the forge into its volume and fetches it on every reconcile.
 */
export function controllerArgs(project: Project, environment: Environment): string[] {
  return [
    'controller', '--watch', '--env', environment.name, '--clone', '--forge', project.forge.type,
    '--branch', project.repository.branch, '--work-dir', CONTROLLER_WORKSPACE_DIR, '--port', String(CONTROLLER_PORT),
  ];
}

/** Where the controller clones from: the Project's remote, and the GitHub repository its pull requests go to. */
function forgeEnv(project: Project): Record<string, unknown>[] {
  const env: Record<string, unknown>[] = [{ name: 'SLIPWAY_GIT_URL', value: project.repository.url }];
  if (project.forge.type === 'github') env.push({ name: 'GITHUB_REPOSITORY', value: project.forge.repository });
  return env;
}

/** One replica: reconciles are level-triggered and idempotent, and the Lease guards a second one. */
export class ControllerDeployment extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerDeploymentProps) {
    const { project, environment } = props;
    const selector = { [LABEL_KEYS.name]: CONTROLLER_NAME };
    const labels = { ...baseLabels(environment.name, 'controller', CONTROLLER_NAME, environment), ...selector };
    const ca = trustedCAs(environment);
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
            ...podScheduling(environment),
            securityContext: POD_SECURITY_CONTEXT,
            containers: [
              {
                name: 'controller',
                image: environment.image,
                imagePullPolicy: 'IfNotPresent',
                args: controllerArgs(project, environment),
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  // One JSON object per line: what cluster log pipelines parse.
                  { name: 'SLIPWAY_LOG', value: 'json' },
                  ...forgeEnv(project),
                  ...ca.env,
                ],
                // Forge credentials, then the artifact store's (the controller reads training results there).
                envFrom: [{ secretRef: { name: CONTROLLER_SECRET, optional: true } }, ...artifactStoreEnvFrom(environment)],
                ports: [{ name: 'http', containerPort: CONTROLLER_PORT, protocol: 'TCP' }],
                // The clone happens before the port opens: the startup probe gives it five minutes.
                startupProbe: httpProbe(HEALTH_PATH, 5, 60),
                livenessProbe: httpProbe(HEALTH_PATH, 20, 3),
                readinessProbe: httpProbe(HEALTH_PATH, 10, 3),
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                securityContext: CONTAINER_SECURITY_CONTEXT,
                volumeMounts: [{ name: 'state', mountPath: CONTROLLER_STATE_DIR }, TMP_MOUNT, ...ca.volumeMounts],
              },
            ],
            volumes: [{ name: 'state', emptyDir: { sizeLimit: '2Gi' } }, TMP_VOLUME, ...ca.volumes],
          },
        },
      },
    });
  }
}
