/**
 * A loopback Kubernetes API server for the two resources the controller reads or writes: Argo CD
 * `Application`s (argoproj.io/v1alpha1) and `coordination.k8s.io/v1` Leases, with resourceVersion
 * conflicts (409) as the real API server answers them, and 401 without the bearer token. With
 * `tls`, it serves HTTPS with a self-signed certificate made by openssl at start, for pods that
 * mount a service account token (ca.crt) as in a cluster.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { requireBinary } from './processes.js';

/** A stored object. */
type KubeObject = { metadata: { name: string; namespace: string; resourceVersion?: string }; [key: string]: unknown };

/** A running fake API server. */
export interface FakeKubeApi {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The bearer token every request must carry. */
  readonly token: string;
  /** The CA certificate (PEM) of an HTTPS server; null over HTTP. */
  readonly caCrt: string | null;
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

/** How to serve. */
export interface KubeApiOptions {
  /** HTTPS with a self-signed certificate for 127.0.0.1 and kubernetes.default.svc. Default false (HTTP). */
  readonly tls?: boolean;
}

const TOKEN = 'test-token';

/** Starts the server on a free loopback port. */
export async function startKubeApi(options: KubeApiOptions = {}): Promise<FakeKubeApi> {
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

  const certificate = options.tls === true ? selfSignedCertificate() : null;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = request.method ?? 'GET';
      requests.push({ method, path: url.pathname });
      const raw = Buffer.concat(chunks).toString('utf8');
      const [code, payload] = request.headers.authorization === `Bearer ${TOKEN}`
        ? handle(method, url.pathname, raw === '' ? undefined : (JSON.parse(raw) as KubeObject))
        : [401, status(401, 'Unauthorized', 'Unauthorized')];
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    });
  };
  const server = certificate === null ? createServer(listener) : createHttpsServer({ key: certificate.key, cert: certificate.cert }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `${certificate === null ? 'http' : 'https'}://127.0.0.1:${port}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [certificate === null ? { name: 'loopback', server: url, skipTLSVerify: true } : { name: 'loopback', server: url, caData: Buffer.from(certificate.cert).toString('base64') }],
    users: [{ name: 'controller', token: TOKEN }],
    contexts: [{ name: 'loopback', cluster: 'loopback', user: 'controller' }],
    currentContext: 'loopback',
  });
  return {
    url,
    host: '127.0.0.1',
    port,
    token: TOKEN,
    caCrt: certificate?.cert ?? null,
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

/** A self-signed certificate (its own CA) for the names a pod uses to reach the API server. */
function selfSignedCertificate(): { key: string; cert: string } {
  requireBinary('openssl', 'openssl');
  const directory = mkdtempSync(path.join(tmpdir(), 'slipway-kube-api-tls-'));
  try {
    const key = path.join(directory, 'key.pem');
    const cert = path.join(directory, 'cert.pem');
    const result = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default.svc,DNS:localhost',
      '-keyout', key, '-out', cert,
    ], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl could not make the API server's certificate: ${result.stderr}`);
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
