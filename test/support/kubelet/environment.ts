/**
 * A container's environment in two steps, as in a cluster. The kubelet computes the variables it
 * owns (the API server's service variables, `envFrom`, `env`) and uses only those to expand
 * `$(VAR)`; the container runtime then lays them over the image's ENV and its own HOSTNAME.
 */
import { fieldValue, type PodIdentity } from './downward-api.js';
import { ContainerConfigError, UnsupportedSpecError } from './errors.js';
import { expand } from './expansion.js';
import type { ImageConfig } from './image.js';
import type { Container, ObjectData } from './spec.js';

/** Where `envFrom` and `valueFrom` look things up. */
export interface EnvironmentSources {
  readonly pod: PodIdentity;
  readonly configMaps: ObjectData;
  readonly secrets: ObjectData;
  /** The `kubernetes` Service's variables; empty when no API server is given. */
  readonly serviceEnv: ReadonlyMap<string, string>;
}

/** The environment of a container, ready for `$(VAR)` expansion and for the process. */
export interface ContainerEnvironment {
  /** What the kubelet hands the runtime; also the only names `$(VAR)` in command and args can see. */
  readonly kubelet: ReadonlyMap<string, string>;
  /** The process's environment, in order: image ENV, HOSTNAME, then the kubelet's variables. */
  readonly process: readonly (readonly [string, string])[];
}

/**
 * The variables the API server defines for the `kubernetes` Service in `default`. The kubelet sets
 * them in every container, even with `enableServiceLinks: false`; the harness can only when it
 * has an API server to point them at.
 */
export function kubernetesServiceEnv(host: string, port: number): Map<string, string> {
  const address = `tcp://${host}:${port}`;
  return new Map([
    ['KUBERNETES_SERVICE_HOST', host],
    ['KUBERNETES_SERVICE_PORT', String(port)],
    ['KUBERNETES_SERVICE_PORT_HTTPS', String(port)],
    ['KUBERNETES_PORT', address],
    [`KUBERNETES_PORT_${port}_TCP`, address],
    [`KUBERNETES_PORT_${port}_TCP_PROTO`, 'tcp'],
    [`KUBERNETES_PORT_${port}_TCP_PORT`, String(port)],
    [`KUBERNETES_PORT_${port}_TCP_ADDR`, host],
  ]);
}

/** The kubelet's `makeEnvironmentVariables` followed by the runtime's merge with the image. */
export function containerEnvironment(container: Container, image: ImageConfig, hostname: string, sources: EnvironmentSources): ContainerEnvironment {
  const kubelet = kubeletVariables(container, sources);
  const process = new Map<string, string>(image.env);
  process.set('HOSTNAME', hostname);
  for (const [name, value] of kubelet) process.set(name, value);
  return { kubelet, process: [...process.entries()] };
}

function kubeletVariables(container: Container, sources: EnvironmentSources): Map<string, string> {
  const { pod, configMaps, secrets, serviceEnv } = sources;
  const fail = (message: string) => new ContainerConfigError(container.name, message);
  const own = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const reference = from.configMapRef ?? from.secretRef;
    if (reference === undefined) throw new UnsupportedSpecError(`container ${container.name}: an envFrom entry with neither configMapRef nor secretRef`);
    const kind = from.configMapRef !== undefined ? 'configmap' : 'secret';
    const data = (kind === 'configmap' ? configMaps : secrets).get(reference.name ?? '');
    if (data === undefined) {
      if (reference.optional === true) continue;
      throw fail(`${kind} "${reference.name ?? ''}" not found`);
    }
    for (const [key, value] of Object.entries(data)) {
      const name = `${from.prefix ?? ''}${key}`;
      // The kubelet skips keys that are not valid variable names (and records an event).
      if (isEnvVarName(name)) own.set(name, value);
    }
  }
  for (const variable of container.env ?? []) {
    const source = variable.valueFrom;
    if (source === undefined) {
      // Only the kubelet's own variables and the service variables resolve: never the image's ENV.
      own.set(variable.name, variable.value === undefined || variable.value === '' ? '' : expand(variable.value, own, serviceEnv));
      continue;
    }
    if (source.fieldRef !== undefined) {
      own.set(variable.name, fieldValue(pod, source.fieldRef.fieldPath));
      continue;
    }
    const keyRef = source.configMapKeyRef ?? source.secretKeyRef;
    if (keyRef === undefined) throw new UnsupportedSpecError(`container ${container.name}: env ${variable.name}: only fieldRef, configMapKeyRef and secretKeyRef are supported`);
    const isConfigMap = source.configMapKeyRef !== undefined;
    const objectName = keyRef.name ?? '';
    const data = (isConfigMap ? configMaps : secrets).get(objectName);
    if (data === undefined) {
      if (keyRef.optional === true) continue;
      throw fail(`${isConfigMap ? 'configmap' : 'secret'} "${objectName}" not found`);
    }
    const value = data[keyRef.key];
    if (value === undefined) {
      if (keyRef.optional === true) continue;
      throw fail(`couldn't find key ${keyRef.key} in ${isConfigMap ? 'ConfigMap' : 'Secret'} ${pod.namespace}/${objectName}`);
    }
    own.set(variable.name, value);
  }
  const result = new Map(own);
  for (const [name, value] of serviceEnv) if (!result.has(name)) result.set(name, value);
  return result;
}

/** Relaxed environment variable names (Kubernetes ≥ 1.32): printable ASCII without '='. */
function isEnvVarName(name: string): boolean {
  return name !== '' && /^[\x20-\x3c\x3e-\x7e]+$/.test(name);
}
