/**
 * The runtime Deployment of one model in one environment: one pod serves every version in the
 * bundle (stable, canary, shadow), so a canary step is a ConfigMap change, not a rollout.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment, Environment, ModelCard } from '../core/catalog.js';
import { BUNDLE_FILE_NAME } from '../core/bundle.js';
import { runtimeLabels, runtimeSelector, SYNC_WAVES, syncWave } from './labels.js';
import { ARTIFACT_CACHE_DIR, BUNDLE_MOUNT_DIR, bundleConfigMapName, runtimeName, RUNTIME_PORT } from './names.js';
import { artifactStoreEnvFrom, CONTAINER_SECURITY_CONTEXT, containerResources, httpProbe, podScheduling, POD_SECURITY_CONTEXT, redisPasswordEnv, TMP_MOUNT, TMP_VOLUME, trustedCAs, WORKLOAD_SERVICE_ACCOUNT } from './pod-defaults.js';

/** Props of `RuntimeDeployment`. */
export interface RuntimeDeploymentProps {
  /** The environment: namespace, runtime image. */
  readonly environment: Environment;
  /** The deployment entry: model, resources. Replicas belong to the autoscaler. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the objects. */
  readonly card: ModelCard;
}

/** The KServe V2 health endpoints the runtime answers. */
export const HEALTH_PATHS = { live: '/v2/health/live', ready: '/v2/health/ready' } as const;

/** The runtime's `/metrics` path, scraped by the ServiceMonitor. */
export const METRICS_PATH = '/metrics';

/**
 * How a runtime pod leaves without dropping a request (rolling updates, scale-in, node drains).
 * Kubernetes removes a terminating pod from its endpoints at the same time as the kubelet stops it,
 * and kube-proxy, ingress controllers and cloud balancers apply that removal seconds later; a pod
 * that stopped accepting connections at SIGTERM would refuse what they still send it.
 */
export const RUNTIME_TERMINATION = {
  /** The preStop pause: the pod serves as usual while endpoint removal propagates. */
  preStopSeconds: 5,
  /** After SIGTERM: unready, still answering, with `Connection: close` (`serve --drain-delay`). */
  drainDelaySeconds: 5,
  /** Then the listener closes and requests in flight get this long (`serve --drain-timeout`). */
  drainTimeoutSeconds: 10,
  /** Closing Redis and the ONNX Runtime sessions, with room to spare. */
  closeSeconds: 5,
} as const;

/** The grace period covers every phase above, so the kubelet never SIGKILLs a draining runtime. */
export const RUNTIME_GRACE_PERIOD_SECONDS =
  RUNTIME_TERMINATION.preStopSeconds + RUNTIME_TERMINATION.drainDelaySeconds + RUNTIME_TERMINATION.drainTimeoutSeconds + RUNTIME_TERMINATION.closeSeconds;

/**
 * The runtime's arguments: it reads the mounted bundle, hot-reloads it when the ConfigMap changes,
 * keeps the artifacts it fetches from the store on its cache volume, and drains on SIGTERM.
 */
export function runtimeArgs(): string[] {
  return [
    'serve', '--bundle', `${BUNDLE_MOUNT_DIR}/${BUNDLE_FILE_NAME}`, '--port', String(RUNTIME_PORT), '--cache', ARTIFACT_CACHE_DIR,
    '--drain-delay', `${RUNTIME_TERMINATION.drainDelaySeconds}s`, '--drain-timeout', `${RUNTIME_TERMINATION.drainTimeoutSeconds}s`,
  ];
}

/** Room for the artifacts of one bundle (stable, canary and shadow) while a switch holds both sets. */
const ARTIFACT_CACHE_SIZE = '2Gi';

/** The model's runtime pods. */
export class RuntimeDeployment extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimeDeploymentProps) {
    const { environment, deployment, card } = props;
    const labels = runtimeLabels(environment.name, deployment.model, card);
    const selector = runtimeSelector(deployment.model);
    const ca = trustedCAs(environment);
    super(scope, id, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        labels,
        annotations: syncWave(SYNC_WAVES.workload),
      },
      spec: {
        // No `replicas`: the HorizontalPodAutoscaler owns the count, and a fixed number here would
        // reset it on every sync.
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          // No checksum of the bundle here on purpose: the runtime hot-reloads the mounted file, so
          // a canary step must not restart pods.
          // No prometheus.io/* annotations: the ServiceMonitor scrapes the pods, and a second,
          // annotation-driven scrape would double every counter the canary gates sum.
          metadata: { labels },
          spec: {
            serviceAccountName: WORKLOAD_SERVICE_ACCOUNT,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            ...podScheduling(environment),
            securityContext: POD_SECURITY_CONTEXT,
            terminationGracePeriodSeconds: RUNTIME_GRACE_PERIOD_SECONDS,
            topologySpreadConstraints: [
              spread('topology.kubernetes.io/zone', selector),
              spread('kubernetes.io/hostname', selector),
            ],
            containers: [
              {
                name: 'runtime',
                image: environment.image,
                imagePullPolicy: 'IfNotPresent',
                args: runtimeArgs(),
                ...envOf(environment),
                ports: [{ name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' }],
                // The sleep action (Kubernetes 1.30+) needs no shell or binary in the image.
                lifecycle: { preStop: { sleep: { seconds: RUNTIME_TERMINATION.preStopSeconds } } },
                // Loading and verifying artifacts may take a while; the startup probe covers it so
                // that liveness can stay strict afterwards.
                startupProbe: httpProbe(HEALTH_PATHS.live, 2, 60),
                livenessProbe: httpProbe(HEALTH_PATHS.live, 10, 3),
                readinessProbe: httpProbe(HEALTH_PATHS.ready, 5, 3),
                resources: containerResources(deployment.resources),
                securityContext: CONTAINER_SECURITY_CONTEXT,
                volumeMounts: [
                  { name: 'bundle', mountPath: BUNDLE_MOUNT_DIR, readOnly: true },
                  { name: 'artifacts', mountPath: ARTIFACT_CACHE_DIR },
                  TMP_MOUNT,
                  ...ca.volumeMounts,
                ],
              },
            ],
            volumes: [
              { name: 'bundle', configMap: { name: bundleConfigMapName(deployment.model) } },
              { name: 'artifacts', emptyDir: { sizeLimit: ARTIFACT_CACHE_SIZE } },
              TMP_VOLUME,
              ...ca.volumes,
            ],
          },
        },
      },
    });
  }
}

/** The store's credentials, the Redis password and the trusted CAs; nothing when the environment names none. */
function envOf(environment: Environment): { env?: Record<string, unknown>[]; envFrom?: Record<string, unknown>[] } {
  const env = [...redisPasswordEnv(environment), ...trustedCAs(environment).env];
  const envFrom = artifactStoreEnvFrom(environment);
  return { ...(env.length === 0 ? {} : { env }), ...(envFrom.length === 0 ? {} : { envFrom }) };
}

// ScheduleAnyway: a single-zone cluster must still schedule the pods, only less evenly.
function spread(topologyKey: string, selector: Record<string, string>): Record<string, unknown> {
  return { maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } };
}
