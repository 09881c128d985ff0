/**
 * `runPod`: a PodSpec run on this machine the way a kubelet runs it. Volumes are set up first
 * (FailedMount), then the sandbox, then the init containers one by one (each must exit 0), then
 * the containers in order (a postStart hook holds up the next one, as in the kubelet). `stop()`
 * is the kubelet's killContainer: preStop, the stop signal, the grace period, SIGKILL; then the
 * sandbox and every file of the pod are removed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { constants, hostname as hostHostname, tmpdir } from 'node:os';
import path from 'node:path';
import { startContainer, terminationMessage, type ContainerMount, type ContainerPlan, type RunningContainer } from './container.js';
import type { PodIdentity } from './downward-api.js';
import { containerEnvironment, kubernetesServiceEnv } from './environment.js';
import { ContainerStartError, InitContainerError, InvalidSpecError, NotReadyError, UnsupportedSpecError } from './errors.js';
import { expand } from './expansion.js';
import { POD_IP, probeOnce, probeTiming, runHandler } from './handlers.js';
import type { Image } from './image.js';
import { onProcessExit } from './lifetime.js';
import { startSandbox, type Sandbox } from './sandbox.js';
import { processIdentity } from './security.js';
import { parsePodSpec, type Container, type ObjectData, type PodSpec, type Probe, type Volume } from './spec.js';
import { createVolumeDirectory, planVolumes, setUpVolume, usesObject, type PodVolume, type ServiceAccountFiles } from './volumes.js';

/** A line a container printed, or an event of the harness's kubelet (stream 'kubelet'). */
export interface PodLogEntry {
  readonly pod: string;
  readonly container: string;
  readonly stream: 'stdout' | 'stderr' | 'kubelet';
  /** The line; for 'kubelet', a fixed event name ('Started', 'Killing', 'FailedPreStopHook', …). */
  readonly line: string;
  readonly fields?: Readonly<Record<string, string | number>>;
}

/** Where container output and kubelet events go. */
export type PodLogSink = (entry: PodLogEntry) => void;

/** The API server a pod's service account talks to (see kube-api-server.ts). */
export interface PodServiceAccount {
  /** Where KUBERNETES_SERVICE_HOST/PORT point. */
  readonly host: string;
  readonly port: number;
  /** The bearer token mounted at .../serviceaccount/token. */
  readonly token: string;
  /** The API server's CA certificate (PEM), mounted at .../serviceaccount/ca.crt. */
  readonly caCrt: string;
  /** The ServiceAccount object's automountServiceAccountToken; default true. */
  readonly automount?: boolean;
}

/** How to run the pod. */
export interface RunPodOptions {
  /** The pod's name (metadata.name, the hostname, HOSTNAME). */
  readonly name: string;
  readonly namespace: string;
  /** From `loadImage()`: every container runs this image, whatever its `image` field says. */
  readonly image: Image;
  /** ConfigMaps of the namespace, by name; values as text. Default: none. */
  readonly configMaps?: ObjectData;
  /** Secrets of the namespace, by name; values decoded (as `stringData`). Default: none. */
  readonly secrets?: ObjectData;
  /** Added to /etc/hosts after the spec's own hostAliases (e.g. a Service name → 127.0.0.1). */
  readonly hostAliases?: readonly { readonly ip: string; readonly hostnames: readonly string[] }[];
  /** Mounts a service account token and sets KUBERNETES_SERVICE_HOST/PORT. Default: none. */
  readonly serviceAccount?: PodServiceAccount;
  /** The pod's labels and annotations, for the downward API. Default: none. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly log?: PodLogSink;
  /** Caps terminationGracePeriodSeconds so that tests do not wait 30 s. Default: no cap. */
  readonly maxGracePeriodSeconds?: number;
  /** How often probes run at most; the kubelet uses periodSeconds (default 10 s). Default 100 ms. */
  readonly probePeriodMs?: number;
}

/** A running pod. */
export interface Pod {
  readonly name: string;
  readonly namespace: string;
  /** The host directory holding the pod's volumes and root filesystems; removed by stop(). */
  readonly directory: string;
  readonly sandboxPid: number;
  /** The init containers, all exited with 0. */
  readonly initContainers: ReadonlyMap<string, RunningContainer>;
  readonly containers: ReadonlyMap<string, RunningContainer>;
  readonly volumes: ReadonlyMap<string, PodVolume>;
  /** Resolves when every container passed its startupProbe and readinessProbe (or has none). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** The kubelet's sync of a changed ConfigMap into every volume showing it (env does not change). */
  updateConfigMap(name: string, data: Readonly<Record<string, string>>): Promise<void>;
  updateSecret(name: string, data: Readonly<Record<string, string>>): Promise<void>;
  /** The termination message the container wrote to its terminationMessagePath. */
  terminationMessage(container: string): Promise<string>;
  /** Bytes used in an emptyDir (the kubelet evicts the pod above sizeLimit; the harness only reports). */
  volumeUsage(volume: string): Promise<number>;
  /** preStop, stop signal, grace period, SIGKILL, cleanup. Idempotent. */
  stop(options?: { readonly gracePeriodSeconds?: number }): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const DEFAULT_GRACE_PERIOD_SECONDS = 30;
/** The kubelet always gives a container at least this long after SIGTERM. */
const MINIMUM_GRACE_PERIOD_SECONDS = 2;

/** Runs `spec` (a PodSpec as plain JSON); rejects with the error class a cluster's condition maps to. */
export async function runPod(spec: unknown, options: RunPodOptions): Promise<Pod> {
  const podSpec = withServiceAccount(parsePodSpec(spec, `pod ${options.name}`), options);
  refuseUnsupported(podSpec, options.name);
  const directory = await mkdtemp(path.join(tmpdir(), `slipway-kubelet-${options.name.slice(0, 40)}-`));
  const state = new PodState(podSpec, options, directory);
  try {
    await state.start();
  } catch (error) {
    await state.stop({ gracePeriodSeconds: 0 }).catch(() => undefined);
    throw error;
  }
  return state.handle();
}

/** The service account admission plugin: a projected `kube-api-access-*` volume in every container. */
function withServiceAccount(spec: PodSpec, options: RunPodOptions): PodSpec {
  const account = options.serviceAccount;
  if (account === undefined || spec.automountServiceAccountToken === false || (spec.automountServiceAccountToken === undefined && account.automount === false)) {
    return spec;
  }
  const volumeName = `kube-api-access-${randomUUID().slice(0, 5)}`;
  const volume: Volume = {
    name: volumeName,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  const mount = (container: Container): Container =>
    (container.volumeMounts ?? []).some((existing) => existing.mountPath === SERVICE_ACCOUNT_DIR)
      ? container
      : { ...container, volumeMounts: [...(container.volumeMounts ?? []), { name: volumeName, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }] };
  return {
    ...spec,
    volumes: [...(spec.volumes ?? []), volume],
    initContainers: spec.initContainers?.map(mount),
    containers: spec.containers.map(mount),
  };
}

/** Features that would change how the pod behaves and that the harness does not implement. */
function refuseUnsupported(spec: PodSpec, name: string): void {
  const refuse = (what: string) => {
    throw new UnsupportedSpecError(`pod ${name}: ${what} is not supported by the kubelet harness`);
  };
  if (spec.shareProcessNamespace === true) refuse('shareProcessNamespace');
  if (spec.hostPID === true) refuse('hostPID');
  if (spec.hostIPC === true) refuse('hostIPC');
  if (spec.securityContext?.sysctls !== undefined && spec.securityContext.sysctls.length > 0) refuse('securityContext.sysctls');
  if ((spec.ephemeralContainers ?? []).length > 0) refuse('ephemeralContainers');
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    if (container.tty === true || container.stdin === true) refuse(`container ${container.name}: tty/stdin`);
    if ((container.volumeDevices ?? []).length > 0) refuse(`container ${container.name}: volumeDevices`);
    for (const mount of container.volumeMounts ?? []) {
      if (mount.mountPropagation !== undefined && mount.mountPropagation !== 'None') refuse(`container ${container.name}: mountPropagation ${mount.mountPropagation}`);
    }
  }
  for (const container of spec.initContainers ?? []) {
    if (container.restartPolicy === 'Always') refuse(`init container ${container.name}: restartPolicy Always (sidecar)`);
  }
}

/** The pod's state between start and stop. */
class PodState {
  private readonly configMaps: Map<string, Readonly<Record<string, string>>>;
  private readonly secrets: Map<string, Readonly<Record<string, string>>>;
  private readonly identity: PodIdentity;
  private readonly hostname: string;
  private readonly volumes = new Map<string, PodVolume>();
  private readonly initContainers = new Map<string, RunningContainer>();
  private readonly containers = new Map<string, RunningContainer>();
  private readonly startedAt = new Map<string, number>();
  private sandbox: Sandbox | null = null;
  private stopping: Promise<void> | null = null;
  private readonly cancelExitCleanup: () => void;

  constructor(
    private readonly spec: PodSpec,
    private readonly options: RunPodOptions,
    private readonly directory: string,
  ) {
    this.configMaps = new Map(options.configMaps ?? []);
    this.secrets = new Map(options.secrets ?? []);
    if (options.serviceAccount !== undefined && !this.configMaps.has('kube-root-ca.crt')) {
      // Every namespace has it (the root CA publisher controller).
      this.configMaps.set('kube-root-ca.crt', { 'ca.crt': options.serviceAccount.caCrt });
    }
    // The kubelet truncates the hostname to 63 characters and trims a trailing '-' or '.'.
    this.hostname = (spec.hostname ?? options.name).slice(0, 63).replace(/[-.]+$/, '');
    this.identity = {
      name: options.name,
      namespace: options.namespace,
      uid: randomUUID(),
      nodeName: hostHostname(),
      serviceAccountName: spec.serviceAccountName ?? 'default',
      podIP: POD_IP,
      hostIP: POD_IP,
      labels: options.labels ?? {},
      annotations: options.annotations ?? {},
    };
    this.cancelExitCleanup = onProcessExit(() => this.killNow());
  }

  async start(): Promise<void> {
    for (const volume of planVolumes(this.spec, this.directory)) {
      await createVolumeDirectory(volume);
      this.volumes.set(volume.name, volume);
    }
    const tmpfs = [...this.volumes.values()].filter((volume) => volume.memory).map((volume) => ({ path: volume.hostPath, sizeBytes: volume.sizeLimit }));
    this.sandbox = await startSandbox(this.hostname, tmpfs);
    for (const volume of this.volumes.values()) await this.setUp(volume);
    await this.writePodFiles();
    for (const container of this.spec.initContainers ?? []) {
      const running = await this.startOne(container, this.initContainers);
      const exit = await running.exited;
      if (exit.exitCode !== 0) throw new InitContainerError(container.name, exit.exitCode, running.stderr);
    }
    for (const container of this.spec.containers) {
      const running = await this.startOne(container, this.containers);
      const postStart = container.lifecycle?.postStart;
      if (postStart === undefined) continue;
      const result = await runHandler(postStart, container, running, this.gracePeriodSeconds() * 1000);
      if (!result.ok) {
        this.event(container.name, 'FailedPostStartHook', { message: result.message });
        throw new ContainerStartError(container.name, `PostStartHookError: ${result.message}`);
      }
    }
  }

  handle(): Pod {
    return {
      name: this.options.name,
      namespace: this.options.namespace,
      directory: this.directory,
      sandboxPid: this.sandbox?.pid ?? 0,
      initContainers: this.initContainers,
      containers: this.containers,
      volumes: this.volumes,
      waitReady: (timeoutMs = 30_000) => this.waitReady(timeoutMs),
      updateConfigMap: (name, data) => this.updateObject('configMap', name, data),
      updateSecret: (name, data) => this.updateObject('secret', name, data),
      terminationMessage: (container) => terminationMessage(this.containerFile(container, 'termination-log')),
      volumeUsage: (volume) => this.volumeUsage(volume),
      stop: (options) => this.stop(options),
    };
  }

  /** Idempotent; safe to call while starting. */
  stop(options: { readonly gracePeriodSeconds?: number } = {}): Promise<void> {
    this.stopping ??= this.stopNow(options.gracePeriodSeconds);
    return this.stopping;
  }

  private async stopNow(gracePeriodOverride: number | undefined): Promise<void> {
    const grace = gracePeriodOverride ?? this.gracePeriodSeconds();
    const all = [...this.initContainers.values(), ...this.containers.values()];
    await Promise.all(all.map((running) => this.killContainer(running, grace)));
    await this.sandbox?.stop();
    await rm(this.directory, { recursive: true, force: true });
    this.cancelExitCleanup();
  }

  /** The kubelet's killContainer. */
  private async killContainer(running: RunningContainer, gracePeriodSeconds: number): Promise<void> {
    if (running.exit !== null) return;
    const container = this.specOf(running.name);
    let grace = gracePeriodSeconds;
    const preStop = container?.lifecycle?.preStop;
    if (preStop !== undefined && container !== undefined && grace > 0) {
      const started = Date.now();
      const result = await Promise.race([
        runHandler(preStop, container, running, grace * 1000),
        running.exited.then(() => ({ ok: true, message: 'container exited during preStop' })),
      ]);
      if (!result.ok) this.event(running.name, 'FailedPreStopHook', { message: result.message });
      grace -= (Date.now() - started) / 1000;
    }
    grace = Math.max(grace, MINIMUM_GRACE_PERIOD_SECONDS);
    this.event(running.name, 'Killing', { gracePeriodSeconds: grace, signal: running.plan.stopSignal });
    running.signal(running.plan.stopSignal);
    const timer = setTimeout(() => running.signal('SIGKILL'), grace * 1000);
    await running.exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort for process exit: processes die (their namespaces with them), files go. */
  private killNow(): void {
    for (const running of [...this.initContainers.values(), ...this.containers.values()]) running.signal('SIGKILL');
    this.sandbox?.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private gracePeriodSeconds(): number {
    const requested = this.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
    return Math.min(requested, this.options.maxGracePeriodSeconds ?? requested);
  }

  private async startOne(container: Container, into: Map<string, RunningContainer>): Promise<RunningContainer> {
    const sandbox = this.sandbox;
    if (sandbox === null) throw new Error('the sandbox is not running');
    const plan = await this.plan(container);
    const log = this.options.log;
    const listeners = log === undefined ? [] : [(line: string, stream: 'stdout' | 'stderr') => log({ pod: this.options.name, container: container.name, stream, line })];
    const running = await startContainer(plan, sandbox, listeners);
    into.set(container.name, running);
    this.startedAt.set(container.name, Date.now());
    this.event(container.name, 'Started', { pid: running.pid });
    void running.exited.then((exit) => this.event(container.name, 'Exited', { exitCode: exit.exitCode, signal: exit.signal ?? '' }));
    return running;
  }

  /** Everything the kubelet and containerd decide before creating the container. */
  private async plan(container: Container): Promise<ContainerPlan> {
    const { image } = this.options;
    const identity = processIdentity(this.spec, container, image);
    const serviceEnv = this.options.serviceAccount === undefined ? new Map<string, string>() : kubernetesServiceEnv(this.options.serviceAccount.host, this.options.serviceAccount.port);
    const environment = containerEnvironment(container, image.config, this.hostname, { pod: this.identity, configMaps: this.configMaps, secrets: this.secrets, serviceEnv });
    const env = environment.process.some(([name]) => name === 'HOME') ? environment.process : [...environment.process, ['HOME', identity.home] as const];
    const expandAll = (values: readonly string[] | undefined) => values?.map((value) => expand(value, environment.kubelet));
    const command = expandAll(container.command);
    const args = expandAll(container.args);
    const argv = resolveArgv(command, args, image);
    if (argv.length === 0) throw new ContainerStartError(container.name, 'no command specified');
    const containerDir = path.join(this.directory, 'containers', container.name);
    // Outside the container's own directory, which startContainer recreates.
    const terminationLog = this.containerFile(container.name, 'termination-log');
    await mkdir(path.dirname(terminationLog), { recursive: true });
    await writeFile(terminationLog, '', { mode: 0o666 });
    const mounts: ContainerMount[] = [
      ...this.podFileMounts(),
      { target: container.terminationMessagePath ?? '/dev/termination-log', source: terminationLog, kind: 'file', readOnly: false },
      ...(await this.volumeMounts(container, environment.kubelet)),
    ];
    return {
      name: container.name,
      directory: containerDir,
      image,
      identity,
      argv,
      workingDir: container.workingDir || image.config.workdir || '/',
      env,
      mounts,
      stopSignal: stopSignalOf(container, image),
    };
  }

  /** Files the kubelet writes per pod: /etc/hosts, /etc/hostname. */
  private async writePodFiles(): Promise<void> {
    const aliases = [...(this.spec.hostAliases ?? []).map((alias) => ({ ip: alias.ip, hostnames: alias.hostnames ?? [] })), ...(this.options.hostAliases ?? [])];
    await writeFile(path.join(this.directory, 'etc-hosts'), hostsFile(this.hostname, aliases, this.spec.hostNetwork === true), { mode: 0o644 });
    await writeFile(path.join(this.directory, 'etc-hostname'), `${this.hostname}\n`, { mode: 0o644 });
  }

  private podFileMounts(): ContainerMount[] {
    const mounts: ContainerMount[] = [
      { target: '/etc/hosts', source: path.join(this.directory, 'etc-hosts'), kind: 'file', readOnly: false },
      { target: '/etc/hostname', source: path.join(this.directory, 'etc-hostname'), kind: 'file', readOnly: false },
    ];
    // No cluster DNS here: the host's resolver configuration stands in for ClusterFirst.
    if (existsSync('/etc/resolv.conf')) mounts.push({ target: '/etc/resolv.conf', source: '/etc/resolv.conf', kind: 'file', readOnly: true });
    return mounts;
  }

  /** The kubelet's makeMounts: subPath and subPathExpr resolved inside the volume, read-only honoured. */
  private async volumeMounts(container: Container, kubeletEnv: ReadonlyMap<string, string>): Promise<ContainerMount[]> {
    const sandbox = this.sandbox;
    if (sandbox === null) throw new Error('the sandbox is not running');
    const mounts: ContainerMount[] = [];
    for (const mount of container.volumeMounts ?? []) {
      const volume = this.volumes.get(mount.name);
      if (volume === undefined) throw new InvalidSpecError(`container ${container.name}: volumeMounts.name: Not found: "${mount.name}"`);
      const subPath = mount.subPathExpr !== undefined ? expand(mount.subPathExpr, kubeletEnv) : (mount.subPath ?? '');
      const source = subPath === '' ? volume.hostPath : await resolveSubPath(volume, subPath, sandbox, container.name);
      const info = await lstat(sandbox.view(source));
      mounts.push({ target: mount.mountPath, source, kind: info.isDirectory() ? 'directory' : 'file', readOnly: mount.readOnly === true || volume.readOnly });
    }
    return mounts;
  }

  private async setUp(volume: PodVolume): Promise<void> {
    const sandbox = this.sandbox;
    if (sandbox === null) throw new Error('the sandbox is not running');
    const serviceAccount: ServiceAccountFiles | null = this.options.serviceAccount === undefined ? null : { token: this.options.serviceAccount.token, caCrt: this.options.serviceAccount.caCrt };
    await setUpVolume(volume, { pod: this.identity, configMaps: this.configMaps, secrets: this.secrets, serviceAccount }, this.spec.securityContext?.fsGroup, sandbox.view(volume.hostPath));
  }

  private async updateObject(kind: 'configMap' | 'secret', name: string, data: Readonly<Record<string, string>>): Promise<void> {
    (kind === 'configMap' ? this.configMaps : this.secrets).set(name, { ...data });
    for (const volume of this.volumes.values()) if (usesObject(volume, kind, name)) await this.setUp(volume);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(this.spec.containers.map(async (container) => {
      const running = this.containers.get(container.name);
      if (running === undefined) throw new NotReadyError(container.name, 'not started');
      if (container.startupProbe !== undefined) await this.probeUntil(container, running, container.startupProbe, 'startup', deadline);
      if (container.readinessProbe !== undefined) await this.probeUntil(container, running, container.readinessProbe, 'readiness', deadline);
    }));
  }

  /** Probes until `successThreshold` successes in a row; rejects early if the container exits. */
  private async probeUntil(container: Container, running: RunningContainer, probe: Probe, kind: 'startup' | 'readiness', deadline: number): Promise<void> {
    const timing = probeTiming(probe);
    const startedAt = this.startedAt.get(container.name) ?? Date.now();
    const period = Math.min(timing.periodMs, this.options.probePeriodMs ?? 100);
    // A startup probe that keeps failing makes the kubelet kill the container; that budget is real time.
    const startupBudget = startedAt + timing.initialDelayMs + timing.failureThreshold * timing.periodMs;
    let successes = 0;
    let last = 'not probed yet';
    const exitedEarly = () => new NotReadyError(container.name, `exited (${running.exit?.exitCode}) before its ${kind} probe succeeded; stderr:\n${tail(running.stderr)}`);
    await sleepUntil(startedAt + timing.initialDelayMs, running);
    while (Date.now() < deadline) {
      if (running.exit !== null) throw exitedEarly();
      const result = await probeOnce(probe, container, running);
      last = result.message;
      successes = result.ok ? successes + 1 : 0;
      if (successes >= timing.successThreshold) return;
      if (kind === 'startup' && Date.now() > startupBudget) {
        throw new NotReadyError(container.name, `startup probe failed for ${timing.failureThreshold} × ${timing.periodMs / 1000} s; the kubelet would restart it: ${last}`);
      }
      await sleepUntil(Date.now() + period, running);
    }
    if (running.exit !== null) throw exitedEarly();
    throw new NotReadyError(container.name, `${kind} probe did not succeed in time (last: ${last}); stderr:\n${tail(running.stderr)}`);
  }

  private async volumeUsage(name: string): Promise<number> {
    const volume = this.volumes.get(name);
    if (volume === undefined || this.sandbox === null) throw new Error(`pod ${this.options.name} has no volume ${name}`);
    const walk = async (target: string): Promise<number> => {
      const info = await lstat(target);
      if (!info.isDirectory()) return info.size;
      let total = 0;
      for (const entry of await readdir(target)) total += await walk(path.join(target, entry));
      return total;
    };
    return walk(this.sandbox.view(volume.hostPath));
  }

  private specOf(name: string): Container | undefined {
    return [...(this.spec.initContainers ?? []), ...this.spec.containers].find((container) => container.name === name);
  }

  private containerFile(container: string, file: string): string {
    return path.join(this.directory, 'status', container, file);
  }

  private event(container: string, line: string, fields: Readonly<Record<string, string | number>>): void {
    this.options.log?.({ pod: this.options.name, container, stream: 'kubelet', line, fields });
  }
}

/**
 * containerd's rule: `command` replaces ENTRYPOINT and drops CMD; `args` alone replaces CMD after
 * ENTRYPOINT; neither runs ENTRYPOINT + CMD. Only command and args are `$(VAR)`-expanded.
 */
export function resolveArgv(command: readonly string[] | undefined, args: readonly string[] | undefined, image: Image): string[] {
  if (command !== undefined && command.length > 0) return [...command, ...(args ?? [])];
  const entrypoint = image.config.entrypoint;
  return [...entrypoint, ...(args !== undefined && args.length > 0 ? args : image.config.cmd)];
}

/** The kubelet's subPath handling: created as a directory if missing, symlinks resolved but never out of the volume. */
async function resolveSubPath(volume: PodVolume, subPath: string, sandbox: Sandbox, container: string): Promise<string> {
  if (path.posix.isAbsolute(subPath) || subPath.split('/').includes('..')) {
    throw new InvalidSpecError(`container ${container}: subPath '${subPath}' must be a relative path without '..'`);
  }
  let resolved = volume.hostPath;
  const pending = subPath.split('/').filter((part) => part !== '' && part !== '.');
  for (let hops = 0; pending.length > 0; hops++) {
    if (hops > 40) throw new ContainerStartError(container, `subPath '${subPath}': too many levels of symbolic links`);
    const next = path.join(resolved, pending.shift() ?? '');
    const info = await lstat(sandbox.view(next)).catch(() => null);
    if (info === null) {
      await mkdir(sandbox.view(path.join(next, ...pending)), { recursive: true, mode: 0o755 });
      return path.join(next, ...pending);
    }
    if (!info.isSymbolicLink()) {
      resolved = next;
      continue;
    }
    const target = await readlink(sandbox.view(next));
    if (path.isAbsolute(target)) throw new ContainerStartError(container, `subPath '${subPath}': absolute symlink ${target} in volume ${volume.name}`);
    pending.unshift(...target.split('/').filter((part) => part !== '' && part !== '.'));
    // '..' in a symlink target walks up, but never out of the volume.
    while (pending[0] === '..') {
      pending.shift();
      if (resolved === volume.hostPath) throw new ContainerStartError(container, `subPath '${subPath}' resolves outside volume ${volume.name}`);
      resolved = path.dirname(resolved);
    }
  }
  return resolved;
}

/** The kubelet's managed /etc/hosts. */
function hostsFile(hostname: string, aliases: readonly { readonly ip: string; readonly hostnames: readonly string[] }[], hostNetwork: boolean): string {
  // A hostNetwork pod gets the node's /etc/hosts.
  const base = hostNetwork && existsSync('/etc/hosts')
    ? `${readFileSync('/etc/hosts', 'utf8').replace(/\n+$/, '')}\n`
    : [
        '# Kubernetes-managed hosts file.',
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        'fe00::0\tip6-localnet',
        'fe00::0\tip6-mcastprefix',
        'fe00::1\tip6-allnodes',
        'fe00::2\tip6-allrouters',
        `${POD_IP}\t${hostname}`,
        '',
      ].join('\n');
  if (aliases.length === 0) return base;
  return `${base}\n# Entries added by HostAliases.\n${aliases.map((alias) => `${alias.ip}\t${alias.hostnames.join('\t')}`).join('\n')}\n`;
}

/** lifecycle.stopSignal (Kubernetes ≥ 1.33) over the image's STOPSIGNAL; real-time signals are not supported. */
function stopSignalOf(container: Container, image: Image): NodeJS.Signals {
  const requested = container.lifecycle?.stopSignal;
  if (requested === undefined) return image.config.stopSignal;
  const known = Object.keys(constants.signals).find((signal): signal is NodeJS.Signals => signal === requested);
  if (known === undefined) throw new UnsupportedSpecError(`container ${container.name}: lifecycle.stopSignal ${requested} is not supported`);
  return known;
}

async function sleepUntil(time: number, running: RunningContainer): Promise<void> {
  const wait = time - Date.now();
  if (wait <= 0) return;
  await Promise.race([new Promise((resolve) => setTimeout(resolve, wait)), running.exited]);
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-20).join('\n');
}
