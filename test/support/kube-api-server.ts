/**
 * A loopback Kubernetes API server for the two resources the controller reads or writes: Argo CD
 * `Application`s (argoproj.io/v1alpha1) and `coordination.k8s.io/v1` Leases, with resourceVersion
 * conflicts (409) as the real API server answers them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

/** A stored object. */
type KubeObject = { metadata: { name: string; namespace: string; resourceVersion?: string }; [key: string]: unknown };

/** A running fake API server. */
export interface FakeKubeApi {
  readonly url: string;
  /** A kubeconfig pointing at it. */
  readonly kubeConfig: KubeConfig;
  /** Sets an environment's Application status. */
  setApplication(namespace: string, name: string, status: { sync: string; health: string; revision: string }): void;
  lease(namespace: string, name: string): KubeObject | undefined;
  readonly requests: { method: string; path: string }[];
  stop(): Promise<void>;
}

const APPLICATIONS = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/applications\/([^/]+)$/;
const LEASES = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/;

/** Starts the server on a free loopback port. */
export async function startKubeApi(): Promise<FakeKubeApi> {
  const applications = new Map<string, KubeObject>();
  const leases = new Map<string, KubeObject>();
  const requests: { method: string; path: string }[] = [];
  let version = 1;
  const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code });

  const handle = (method: string, pathname: string, body: KubeObject | undefined): [number, unknown] => {
    let match = APPLICATIONS.exec(pathname);
    if (match !== null && method === 'GET') {
      const found = applications.get(`${match[1]}/${match[2]}`);
      return found === undefined ? [404, status(404, 'NotFound', `applications.argoproj.io "${match[2]}" not found`)] : [200, found];
    }
    match = LEASES.exec(pathname);
    if (match === null) return [404, status(404, 'NotFound', `the server could not find the requested resource (${method} ${pathname})`)];
    const [, namespace, name] = match;
    if (method === 'GET' && name !== undefined) {
      const found = leases.get(`${namespace}/${name}`);
      return found === undefined ? [404, status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`)] : [200, found];
    }
    if (method === 'POST' && name === undefined && body !== undefined) {
      const key = `${namespace}/${body.metadata.name}`;
      if (leases.has(key)) return [409, status(409, 'AlreadyExists', `leases.coordination.k8s.io "${body.metadata.name}" already exists`)];
      const created = { ...body, metadata: { ...body.metadata, namespace, resourceVersion: String(version++) } };
      leases.set(key, created);
      return [201, created];
    }
    if (method === 'PUT' && name !== undefined && body !== undefined) {
      const current = leases.get(`${namespace}/${name}`);
      if (current === undefined) return [404, status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`)];
      if (body.metadata.resourceVersion !== current.metadata.resourceVersion) {
        return [409, status(409, 'Conflict', 'Operation cannot be fulfilled on leases.coordination.k8s.io: the object has been modified')];
      }
      const replaced = { ...body, metadata: { ...body.metadata, namespace, resourceVersion: String(version++) } };
      leases.set(`${namespace}/${name}`, replaced);
      return [200, replaced];
    }
    return [405, status(405, 'MethodNotAllowed', `${method} not allowed`)];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = request.method ?? 'GET';
      requests.push({ method, path: url.pathname });
      const raw = Buffer.concat(chunks).toString('utf8');
      const [code, payload] = request.headers.authorization === 'Bearer test-token'
        ? handle(method, url.pathname, raw === '' ? undefined : (JSON.parse(raw) as KubeObject))
        : [401, status(401, 'Unauthorized', 'Unauthorized')];
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'loopback', server: url, skipTLSVerify: true }],
    users: [{ name: 'controller', token: 'test-token' }],
    contexts: [{ name: 'loopback', cluster: 'loopback', user: 'controller' }],
    currentContext: 'loopback',
  });
  return {
    url,
    kubeConfig,
    requests,
    setApplication(namespace, name, { sync, health, revision }) {
      applications.set(`${namespace}/${name}`, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name, namespace, resourceVersion: String(version++) },
        status: { sync: { status: sync, revision }, health: { status: health } },
      });
    },
    lease: (namespace, name) => leases.get(`${namespace}/${name}`),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
