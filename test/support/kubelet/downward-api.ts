/**
 * The pod fields a container can read through `fieldRef` (env and downwardAPI volumes), with the
 * values a pod gets on this machine: pods share the host's network namespace, so the pod IP and
 * the host IP are both 127.0.0.1.
 */
import { UnsupportedSpecError } from './errors.js';

/** What the API server and the node know about the pod. */
export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly nodeName: string;
  readonly serviceAccountName: string;
  readonly podIP: string;
  readonly hostIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The value of `fieldRef.fieldPath`, as the kubelet's downward API resolves it. */
export function fieldValue(pod: PodIdentity, fieldPath: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.uid;
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    case 'status.podIP':
    case 'status.podIPs':
      return pod.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod.hostIP;
    case 'metadata.labels':
      return formatMap(pod.labels);
    case 'metadata.annotations':
      return formatMap(pod.annotations);
  }
  const subscript = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (subscript !== null) return (subscript[1] === 'labels' ? pod.labels : pod.annotations)[subscript[2]] ?? '';
  throw new UnsupportedSpecError(`fieldRef.fieldPath '${fieldPath}' is not supported by the kubelet harness`);
}

/** `key="value"` lines, sorted, as the downward API writes a whole map. */
function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${JSON.stringify(map[key])}`)
    .join('\n');
}
