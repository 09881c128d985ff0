/**
 * The NetworkPolicy of a model's runtime: in, only its HTTP port, and only from the Prometheus that
 * scrapes it and the callers the environment declares; out, only DNS (kube-dns and NodeLocal
 * DNSCache), the online store's Redis ports and, when an artifact is fetched over the network, HTTPS.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { deployedVersions, type Deployment, type Environment, type ModelCard, type PeerSelector } from '../core/catalog.js';
import { runtimeLabels, runtimeSelector, SYNC_WAVES, syncWave } from './labels.js';
import { runtimeName, RUNTIME_PORT } from './names.js';

/** Props of `RuntimeNetworkPolicy`. */
export interface RuntimeNetworkPolicyProps {
  /** The environment: namespace and online store. */
  readonly environment: Environment;
  /** The deployment entry: which versions are served. */
  readonly deployment: Deployment;
  /** The model card: the served versions' artifact URIs. */
  readonly card: ModelCard;
}

const REDIS_DEFAULT_PORT = 6379;

/**
 * NodeLocal DNSCache's link-local address (the one its manifests and the managed offerings use):
 * with it, pods resolve through a cache on their node, which no kube-dns pod selector matches.
 */
export const NODE_LOCAL_DNS_ADDRESS = '169.254.20.10';

const DNS_PORTS = [
  { port: 53, protocol: 'UDP' },
  { port: 53, protocol: 'TCP' },
] as const;

/** Admits only the traffic the runtime needs; everything else in and out is denied. */
export class RuntimeNetworkPolicy extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimeNetworkPolicyProps) {
    const { environment, deployment, card } = props;
    const egress: Record<string, unknown>[] = [
      {
        // Any namespace's kube-dns: clusters differ in where DNS runs, not in its pod label.
        // NodeLocal DNSCache answers on the node itself (host network), so only its address matches it.
        to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }, { ipBlock: { cidr: `${NODE_LOCAL_DNS_ADDRESS}/32` } }],
        ports: DNS_PORTS.map((port) => ({ ...port })),
      },
    ];
    const redisPorts = onlineStorePorts(environment);
    if (redisPorts.length > 0) egress.push({ ports: redisPorts.map((port) => ({ port, protocol: 'TCP' })) });
    const storePorts = artifactStorePorts(environment, deployment, card);
    if (storePorts.length > 0) egress.push({ ports: storePorts.map((port) => ({ port, protocol: 'TCP' })) });
    super(scope, id, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        labels: runtimeLabels(environment.name, deployment.model, card),
        // Before the pods: they must never run a moment without their policy.
        annotations: syncWave(SYNC_WAVES.config),
      },
      spec: {
        podSelector: { matchLabels: runtimeSelector(deployment.model) },
        policyTypes: ['Ingress', 'Egress'],
        // Metrics and predictions share the port, so the sources are the boundary: the scraper and the declared callers.
        ingress: [{ from: ingressPeers(environment), ports: [{ port: RUNTIME_PORT, protocol: 'TCP' }] }],
        egress,
      },
    });
  }
}

/** The Prometheus that scrapes, then the declared callers, as NetworkPolicy peers. */
export function ingressPeers(environment: Environment): Record<string, unknown>[] {
  return [environment.monitoring.scrapedFrom, ...environment.network.ingressFrom].map(networkPolicyPeer);
}

/** A peer: a namespace selector only when a namespace is named or labelled (none means the policy's own namespace). */
function networkPolicyPeer(selector: PeerSelector): Record<string, unknown> {
  const peer: Record<string, unknown> = {};
  if (selector.namespace !== undefined || selector.namespaceLabels !== undefined) {
    const byName = selector.namespace === undefined ? {} : { 'kubernetes.io/metadata.name': selector.namespace };
    peer.namespaceSelector = { matchLabels: { ...selector.namespaceLabels, ...byName } };
  }
  if (selector.podLabels !== undefined) peer.podSelector = { matchLabels: { ...selector.podLabels } };
  return peer;
}

/** The TCP ports of the environment's Redis (one URL or cluster nodes), sorted and unique. */
export function onlineStorePorts(environment: Environment): number[] {
  const redis = environment.onlineStore?.redis;
  if (redis === undefined) return [];
  const ports = new Set<number>();
  if (redis.url !== undefined) ports.add(portOfUrl(redis.url));
  for (const node of redis.nodes) ports.add(portOfHostPort(node));
  return [...ports].sort((a, b) => a - b);
}

function portOfUrl(url: string): number {
  try {
    const port = new URL(url).port;
    return port === '' ? REDIS_DEFAULT_PORT : Number(port);
  } catch {
    return REDIS_DEFAULT_PORT;
  }
}

function portOfHostPort(node: string): number {
  const match = /:(\d+)$/.exec(node);
  return match === null ? REDIS_DEFAULT_PORT : Number(match[1]);
}

/**
 * The TCP ports artifacts are fetched on: the environment's store (its S3 endpoint, or AWS's HTTPS)
 * and any version whose card points at a full URL elsewhere. A directory store needs none.
 */
export function artifactStorePorts(environment: Environment, deployment: Deployment, card: ModelCard): number[] {
  const ports = new Set<number>();
  const store = environment.artifacts;
  const storePort = networkPortOf(store.endpoint ?? store.url);
  if (storePort !== null) ports.add(storePort);
  for (const version of deployedVersions(deployment)) {
    const uri = card.versions.get(version)?.artifact.uri;
    const port = uri === undefined ? null : networkPortOf(uri);
    if (port !== null) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** The port a URL is reached on, or null for a local directory or `file://` URL. */
function networkPortOf(url: string): number | null {
  if (url.startsWith('s3://')) return 443;
  if (!/^https?:\/\//.test(url)) return null;
  const parsed = new URL(url);
  return parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'http:' ? 80 : 443;
}
