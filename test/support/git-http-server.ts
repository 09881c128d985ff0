/**
 * A loopback Git server over smart HTTP, so tests (and the pods they run) can `git clone`, `fetch`
 * and `push` exactly as against GitHub. Each request runs Git's own `git http-backend` as a CGI
 * program; this file only routes, authenticates the way GitHub does and relays bytes.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import path from 'node:path';
import { freePort } from './free-port.js';
import { requireBinary } from './processes.js';

/** What the Git server serves and to whom. */
export interface GitHttpServerOptions {
  /** URL path (`acme/fraud-platform.git`) → repository directory (bare, or a work tree with `.git`). */
  readonly repositories: Readonly<Record<string, string>>;
  /** When set, every request needs it, as Basic password (any user name) or Bearer token. Default: no auth. */
  readonly token?: string;
  /** Whether `git push` is accepted; a refused push gets 403 as on GitHub. Default: false. */
  readonly allowPush?: boolean;
}

/** One request the server answered. */
export interface GitHttpRequest {
  readonly method: string;
  /** Path and query string, e.g. `/acme/fraud-platform.git/info/refs?service=git-upload-pack`. */
  readonly path: string;
  /** The status the server answered (0 while the answer is still being prepared). */
  status: number;
}

/** A running Git server. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: GitHttpRequest[];
  /** The clone URL of one of `options.repositories`. */
  urlOf(name: string): string;
  /** Kills running CGI processes, drops connections and closes the port. */
  stop(): Promise<void>;
}

// What `git http-backend` serves after the repository's path; anything else in a known repository is 404.
const SERVICE_SUFFIX = /^\/(HEAD|info\/refs|git-upload-pack|git-receive-pack|objects\/.+)$/;

/** Starts a smart-HTTP Git server for `options.repositories` on a free loopback port. */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const backend = locateHttpBackend();
  const repositories = checkRepositories(options.repositories);
  const requests: GitHttpRequest[] = [];
  const running = new Set<ChildProcess>();

  const server = createServer((request, response) => {
    const recorded: GitHttpRequest = { method: request.method ?? 'GET', path: request.url ?? '/', status: 0 };
    requests.push(recorded);
    const answer = (status: number, headers: OutgoingHttpHeaders = {}, body = '') => {
      recorded.status = status;
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      response.end(body);
      // The body git may still be sending is of no use; drop it rather than keep the socket busy.
      request.resume();
    };
    const user = options.token === undefined ? basicUser(request.headers.authorization) : authenticate(request.headers.authorization, options.token);
    if (user === null) return answer(401, { 'www-authenticate': 'Basic realm="GitHub"' }, 'Authentication failed\n');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const target = route(repositories, decodePath(url.pathname));
    if (target === null) return answer(404, {}, 'Repository not found.\n');
    // Its own process group, so that killing it also ends the upload-pack or pack-objects it started.
    const child = spawn(backend, [], { env: cgiEnvironment(request, url, target, user, options.allowPush ?? false), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    running.add(child);
    child.once('close', () => running.delete(child));
    relay(request, response, child, recorded);
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    urlOf(name) {
      if (!(name in repositories.byName)) throw new Error(`'${name}' is not one of the served repositories (${Object.keys(repositories.byName).join(', ')})`);
      return `${url}/${name}`;
    },
    async stop() {
      for (const child of running) killGroup(child);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Repositories {
  /** Normalised name (no leading slash) → directory. */
  readonly byName: Record<string, string>;
}

interface Target {
  readonly directory: string;
  /** What follows the repository in the URL, e.g. `/info/refs`. */
  readonly suffix: string;
}

function locateHttpBackend(): string {
  requireBinary('git', 'git');
  const backend = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');
  if (!existsSync(backend)) throw new Error(`${backend} is missing; these tests need Git's smart-HTTP CGI: apt-get install -y git`);
  return backend;
}

function checkRepositories(repositories: Readonly<Record<string, string>>): Repositories {
  const byName: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, directory] of Object.entries(repositories)) {
    const normalised = name.replace(/^\/+|\/+$/g, '');
    if (normalised === '') problems.push(`'repositories' keys must be URL paths like 'acme/fraud-platform.git' (got '${name}')`);
    else if (!existsSync(path.join(directory, 'HEAD')) && !existsSync(path.join(directory, '.git'))) {
      problems.push(`'repositories["${name}"]' must be a Git repository directory (got ${directory})`);
    } else byName[normalised] = path.resolve(directory);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return { byName };
}

/** GitHub serves `owner/repo.git` also as `owner/repo`; longer names win so nested paths stay distinct. */
function route(repositories: Repositories, pathname: string): Target | null {
  const names = Object.keys(repositories.byName).sort((a, b) => b.length - a.length);
  for (const name of names) {
    for (const spelling of new Set([name, name.replace(/\.git$/, '')])) {
      const prefix = `/${spelling}`;
      if (!pathname.startsWith(`${prefix}/`)) continue;
      const suffix = pathname.slice(prefix.length);
      return SERVICE_SUFFIX.test(suffix) ? { directory: repositories.byName[name], suffix } : null;
    }
  }
  return null;
}

/** A malformed escape must not throw inside the request handler; it simply names no repository. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/** The user name GitHub would see, or null when the request does not carry `token`. */
function authenticate(header: string | undefined, token: string): string | null {
  if (header === undefined) return null;
  const bearer = /^bearer\s+(\S+)$/i.exec(header);
  if (bearer !== null) return bearer[1] === token ? 'x-access-token' : null;
  const credentials = decodeBasic(header);
  return credentials !== null && credentials.password === token ? credentials.user : null;
}

/** Without a token anyone may come in; a Basic user name is still passed on as REMOTE_USER. */
function basicUser(header: string | undefined): string {
  return (header === undefined ? null : decodeBasic(header))?.user ?? '';
}

function decodeBasic(header: string): { user: string; password: string } | null {
  const basic = /^basic\s+(\S+)$/i.exec(header);
  if (basic === null) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function cgiEnvironment(request: IncomingMessage, url: URL, target: Target, user: string, allowPush: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    // Nothing of the caller's Git setup (GIT_DIR of a test, a global config) may change what is served.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${request.httpVersion}`,
    REQUEST_METHOD: request.method ?? 'GET',
    // Without GIT_PROJECT_ROOT, http-backend takes the repository from PATH_TRANSLATED, cut where the service
    // suffix starts: that lets each URL name any directory instead of one under a shared root.
    PATH_INFO: url.pathname,
    PATH_TRANSLATED: `${target.directory}${target.suffix}`,
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    GIT_HTTP_EXPORT_ALL: '1',
    // Set either way: http-backend would otherwise enable receive-pack for any REMOTE_USER.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: String(allowPush),
  };
  if (user !== '') env.REMOTE_USER = user;
  if (request.headers['content-type'] !== undefined) env.CONTENT_TYPE = request.headers['content-type'];
  // A chunked body (large pushes) has no length; http-backend then reads stdin to its end.
  if (request.headers['content-length'] !== undefined) env.CONTENT_LENGTH = request.headers['content-length'];
  for (const [name, value] of Object.entries(request.headers)) {
    // HTTP_GIT_PROTOCOL selects protocol v2 and HTTP_CONTENT_ENCODING makes http-backend gunzip the body itself.
    if (value === undefined || name === 'authorization' || name === 'content-type' || name === 'content-length') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  return env;
}

/** Streams the request body to the CGI and its answer (a header block, then the body) back. */
function relay(request: IncomingMessage, response: ServerResponse, child: ChildProcess, recorded: GitHttpRequest): void {
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  // A failed spawn still ends in 'close', which then answers 500 with this message.
  child.once('error', (error) => (stderr += error.message));
  // http-backend may answer (403, 404) without reading the body; the broken pipe that follows is expected.
  stdin.on('error', () => undefined);
  request.pipe(stdin);
  // A client that goes away mid-clone must not leave an upload-pack running.
  response.once('close', () => killGroup(child));

  let head: Buffer | null = Buffer.alloc(0);
  stdout.on('data', (chunk: Buffer) => {
    if (head === null) {
      if (!response.write(chunk)) {
        stdout.pause();
        response.once('drain', () => stdout.resume());
      }
      return;
    }
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (parsed === null) return;
    head = null;
    recorded.status = parsed.status;
    response.writeHead(parsed.status, parsed.headers);
    if (parsed.body.length > 0) response.write(parsed.body);
  });
  child.once('close', (code, signal) => {
    if (head === null) {
      response.end();
      return;
    }
    if (response.destroyed) return;
    // No header block at all means http-backend itself failed: say so once, since git only shows the status.
    recorded.status = 500;
    process.stderr.write(`git http-backend exited with ${signal ?? code} for ${recorded.method} ${recorded.path}: ${stderr}\n`);
    response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(stderr);
  });
}

/** Kills http-backend with everything it started, unless it has already finished. */
function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone between the check and the kill.
  }
}

/** Splits CGI output into status, headers and the start of the body, or null while the header block is incomplete. */
function parseCgiHead(buffer: Buffer): { status: number; headers: OutgoingHttpHeaders; body: Buffer } | null {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  const end = crlf !== -1 && (lf === -1 || crlf < lf) ? { at: crlf, length: 4 } : lf !== -1 ? { at: lf, length: 2 } : null;
  if (end === null) return null;
  let status = 200;
  const headers: OutgoingHttpHeaders = {};
  for (const line of buffer.subarray(0, end.at).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers, body: buffer.subarray(end.at + end.length) };
}
