/**
 * What the kubelet runs against a live container: probes (httpGet, tcpSocket, exec) and lifecycle
 * handlers (exec, httpGet, sleep). httpGet and tcpSocket go to the pod IP, which is 127.0.0.1
 * here because pods share the host's network namespace (so two pods with the same containerPort
 * cannot run at once). exec runs inside the container's namespaces, root and user, with its env.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { RunningContainer } from './container.js';
import { envAssignments, setprivArgs } from './container.js';
import { UnsupportedSpecError } from './errors.js';
import type { Container, HTTPGetAction, LifecycleHandler, Probe } from './spec.js';

/** The pod IP: pods share the host network namespace. */
export const POD_IP = '127.0.0.1';

/** The outcome of one probe or handler run. */
export interface HandlerResult {
  readonly ok: boolean;
  /** Why it failed (or the response), for error messages. */
  readonly message: string;
}

/** The probe defaults of the API server. */
export function probeTiming(probe: Probe): { initialDelayMs: number; periodMs: number; timeoutMs: number; successThreshold: number; failureThreshold: number } {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** Runs a probe once, as the kubelet's prober does. */
export async function probeOnce(probe: Probe, container: Container, running: RunningContainer): Promise<HandlerResult> {
  const { timeoutMs } = probeTiming(probe);
  if (probe.httpGet !== undefined) return httpGet(probe.httpGet, container, timeoutMs);
  if (probe.tcpSocket !== undefined) return tcpSocket(probe.tcpSocket.host ?? POD_IP, resolvePort(probe.tcpSocket.port, container), timeoutMs);
  if (probe.exec !== undefined) {
    const result = await execIn(running, probe.exec.command ?? [], timeoutMs);
    return { ok: result.code === 0, message: result.timedOut ? `command timed out after ${timeoutMs} ms` : `exit ${result.code}: ${result.output.trim()}` };
  }
  throw new UnsupportedSpecError(`container ${container.name}: only httpGet, tcpSocket and exec probes are supported`);
}

/** Runs a postStart or preStop handler, giving it at most `timeoutMs`. */
export async function runHandler(handler: LifecycleHandler, container: Container, running: RunningContainer, timeoutMs: number): Promise<HandlerResult> {
  if (handler.exec !== undefined) {
    const result = await execIn(running, handler.exec.command ?? [], timeoutMs);
    return { ok: result.code === 0, message: result.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${result.code}: ${result.output.trim()}` };
  }
  if (handler.httpGet !== undefined) return httpGet(handler.httpGet, container, timeoutMs);
  if (handler.sleep !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(handler.sleep?.seconds ?? 0, timeoutMs / 1000) * 1000));
    return { ok: true, message: `slept ${handler.sleep.seconds} s` };
  }
  // The kubelet rejects tcpSocket handlers at run time too ("tcpSocket is not supported").
  throw new UnsupportedSpecError(`container ${container.name}: lifecycle handlers must be exec, httpGet or sleep`);
}

/** A named port resolves against the container's `ports`, as the prober does. */
export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = (container.ports ?? []).find((candidate) => candidate.name === port);
  if (found === undefined) throw new UnsupportedSpecError(`container ${container.name}: couldn't find port ${port} in its ports`);
  return found.containerPort;
}

/** Success is a status from 200 to 399; redirects are not followed. */
async function httpGet(action: HTTPGetAction, container: Container, timeoutMs: number): Promise<HandlerResult> {
  const port = resolvePort(action.port, container);
  const secure = (action.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.33', accept: '*/*' };
  for (const header of action.httpHeaders ?? []) headers[header.name.toLowerCase()] = header.value;
  const host = action.host ?? POD_IP;
  return new Promise((resolve) => {
    const request = (secure ? httpsRequest : httpRequest)(
      { host, port, path: action.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (response) => {
        const status = response.statusCode ?? 0;
        let body = '';
        response.on('data', (chunk: Buffer) => (body = (body + chunk.toString('utf8')).slice(0, 1024)));
        response.on('end', () => resolve({ ok: status >= 200 && status < 400, message: `HTTP ${status}: ${body.trim()}` }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ ok: false, message: `GET ${secure ? 'https' : 'http'}://${host}:${port}${action.path ?? '/'}: ${error.message}` }));
    request.end();
  });
}

async function tcpSocket(host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: `connected to ${host}:${port}` });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ ok: false, message: `dial ${host}:${port}: timed out` });
    });
    socket.once('error', (error) => resolve({ ok: false, message: `dial ${host}:${port}: ${error.message}` }));
  });
}

/** `command` inside the container: its namespaces, root, working directory, user and env. */
export async function execIn(running: RunningContainer, argv: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const { plan } = running;
  const child = spawn(
    'nsenter',
    [`--target=${running.pid}`, '--mount', '--uts', '--ipc', '--pid', '--root', '--wd', '--', ...setprivArgs(plan.identity), '/usr/bin/env', '-i', '--', ...envAssignments(plan.env), ...argv],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      output += error.message;
      resolve(null);
    });
    child.once('close', (status) => resolve(status));
  });
  clearTimeout(timer);
  return { code, output, timedOut };
}
