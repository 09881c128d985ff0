/**
 * The demo's private servers: redis-server, prometheus and the runtimes, each in its own process
 * group on a loopback port, logging to a file. Every process started here is stopped on the way
 * out (success, error, Ctrl-C or SIGTERM) unless `--keep` hands them over to the person.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { UserError } from '../command.js';

/** The built `slipway` entry point, for child processes. */
export const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/** Fails fast, naming the port, when something already listens on it. */
export async function requireFreePort(port: number, what: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!free) throw new UserError(`port ${port} (${what}) is already in use; stop whatever listens there (an earlier 'slipway demo --keep'?) or pick other ports with --port N (the runtimes use N, N+1, N+2; --port 0 picks free ones)`);
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One started process. */
export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
}

/** Every process the demo started, and how to stop them all. */
export class Processes {
  private readonly running: Managed[] = [];
  private released = false;

  /** `logDir` is asked for at each start: the demo's directory exists only after the first steps. */
  constructor(private readonly logDir: () => string) {}

  /** Starts `command` detached (its own process group, so a terminal's Ctrl-C reaches only the demo). */
  async start(name: string, command: string, args: readonly string[], options: { cwd?: string } = {}): Promise<Managed> {
    const dir = this.logDir();
    await mkdir(dir, { recursive: true });
    const logFile = path.join(dir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, { cwd: options.cwd, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new UserError(`cannot start ${name} (${command}): ${error.message}`)));
    });
    const managed = { name, child, logFile };
    this.running.push(managed);
    return managed;
  }

  /** The processes still running, for `--keep`'s instructions and the tests. */
  list(): readonly Managed[] {
    return this.running.filter((one) => one.child.exitCode === null && one.child.signalCode === null);
  }

  /** Stops everything: SIGTERM, then SIGKILL after a grace period; runtimes drain first. */
  async stopAll(graceMs = 5_000): Promise<void> {
    if (this.released) return;
    const alive = this.list();
    await Promise.all([...alive].reverse().map((one) => stop(one.child, graceMs)));
  }

  /** Last resort on process exit: synchronous SIGKILL of every group still alive. */
  killAllNow(): void {
    if (this.released) return;
    for (const one of this.list()) signal(one.child, 'SIGKILL');
  }

  /** Leaves every process running after the demo exits (`--keep`). */
  release(): void {
    this.released = true;
    for (const one of this.running) one.child.unref();
  }
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, name);
  } catch {
    child.kill(name);
  }
}

async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signal(child, 'SIGTERM');
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Waits until `port` accepts connections, or fails with the end of the process's log. */
export async function waitForPort(managed: Managed, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (managed.child.exitCode !== null) throw new UserError(await exitedEarly(managed));
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new UserError(`${managed.name} did not listen on port ${port} within ${timeoutMs / 1000} s; see ${managed.logFile}`);
}

/** Waits until `url` answers 200, or fails naming the log. */
export async function waitForHttp(managed: Managed, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (managed.child.exitCode !== null) throw new UserError(await exitedEarly(managed));
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((response) => response.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new UserError(`${managed.name} was not ready at ${url} within ${timeoutMs / 1000} s; see ${managed.logFile}`);
}

// The log goes away with the demo's directory, so its end is part of the message.
async function exitedEarly(managed: Managed): Promise<string> {
  const text = await readFile(managed.logFile, 'utf8').catch(() => '');
  const tail = text.trim().split('\n').slice(-6).join('\n');
  return `${managed.name} exited with code ${managed.child.exitCode}${tail === '' ? '' : `:\n${tail}`}`;
}

/** Whether something accepts TCP connections on the loopback `port` right now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a private redis-server without persistence. */
export async function startRedis(processes: Processes, runDir: string): Promise<{ port: number; url: string }> {
  const port = await freePort();
  const dir = path.join(runDir, 'redis');
  await mkdir(dir, { recursive: true });
  const managed = await processes.start('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  await waitForPort(managed, port, 15_000);
  return { port, url: `redis://127.0.0.1:${port}` };
}

/** A runtime Prometheus scrapes, with the labels a ServiceMonitor scrape would add in a cluster. */
export interface ScrapeTarget {
  readonly environment: string;
  readonly namespace: string;
  readonly port: number;
}

/** Starts a private prometheus scraping the runtimes every second. */
export async function startPrometheus(processes: Processes, runDir: string, targets: readonly ScrapeTarget[]): Promise<{ port: number; url: string }> {
  const port = await freePort();
  const dir = path.join(runDir, 'prometheus');
  await mkdir(dir, { recursive: true });
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: slipway-runtime',
    '    static_configs:',
    ...targets.flatMap((target) => [
      `      - targets: ["127.0.0.1:${target.port}"]`,
      `        labels: { namespace: ${JSON.stringify(target.namespace)}, slipway_environment: ${JSON.stringify(target.environment)} }`,
    ]),
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  const managed = await processes.start('prometheus', 'prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(managed, port, 30_000);
  await waitForHttp(managed, `${url}/-/ready`, 60_000);
  return { port, url };
}

/**
 * Starts `slipway serve --bundle` for one environment; it hot-reloads the bundle file and fetches
 * artifacts from the bundle's store, the repository's `models/` directory (hence the working directory).
 */
export async function startRuntime(processes: Processes, environment: string, options: { bundleFile: string; port: number; redisUrl: string; repository: string }): Promise<{ url: string; managed: Managed }> {
  const managed = await processes.start(`runtime-${environment}`, process.execPath, [
    CLI_MAIN,
    'serve',
    '--bundle',
    options.bundleFile,
    '--port',
    String(options.port),
    '--host',
    '127.0.0.1',
    '--redis',
    options.redisUrl,
    '--audit-rate',
    '0',
  ], { cwd: options.repository });
  const url = `http://127.0.0.1:${options.port}`;
  await waitForHttp(managed, `${url}/v2/health/ready`, 60_000);
  return { url, managed };
}
