/**
 * The pod sandbox (what the pause container is to a cluster): a process holding the pod's UTS
 * namespace (hostname = pod name), IPC namespace, and a mount namespace in which Memory emptyDirs
 * are tmpfs mounts. Every container's mount namespace is created as a copy of it, so those tmpfs
 * are shared by the containers and never appear on the host. The network namespace stays the
 * host's: pods here are reachable on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { command, quote } from './shell.js';

/** A tmpfs the sandbox mounts over a volume directory. */
export interface SandboxTmpfs {
  readonly path: string;
  readonly sizeBytes: number | null;
}

/** The running sandbox. */
export interface Sandbox {
  readonly pid: number;
  /** `hostPath` as the pod's mount namespace shows it (through /proc/<pid>/root). */
  view(hostPath: string): string;
  /** SIGKILL, as the kubelet stops a pause container. Idempotent. */
  stop(): Promise<void>;
  /** For the synchronous exit handler. */
  kill(): void;
}

/** Starts the sandbox and waits until its namespaces are ready. */
export async function startSandbox(hostname: string, tmpfs: readonly SandboxTmpfs[]): Promise<Sandbox> {
  const lines = [
    'set -eu',
    command('hostname', hostname),
    ...tmpfs.map((mount) => command('mount', '-t', 'tmpfs', '-o', `mode=0777${mount.sizeBytes === null ? '' : `,size=${Math.ceil(mount.sizeBytes)}`}`, 'tmpfs', mount.path)),
    'echo ready >&3',
    'exec sleep infinity 3>&-',
  ];
  // setpriv --pdeathsig: the sandbox dies with the test process, whatever kills it.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--uts', '--ipc', '--propagation', 'private', '--', '/bin/sh', '-c', lines.join('\n')], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const ready = child.stdio[3];
    if (ready === null || ready === undefined || !('on' in ready)) throw new Error('no readiness pipe to the sandbox');
    ready.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) resolve();
    });
    child.once('error', (error) => reject(new Error('starting the pod sandbox (setpriv, unshare)', { cause: error })));
    child.once('close', (code) => reject(new Error(`the pod sandbox exited with ${code} before it was ready: ${stderr.trim()} (script: ${quote(lines.join('; '))})`)));
  });
  return sandboxHandle(child, exited);
}

function sandboxHandle(child: ChildProcess, exited: Promise<void>): Sandbox {
  const pid = child.pid;
  if (pid === undefined) throw new Error('the pod sandbox has no pid');
  return {
    pid,
    view: (hostPath) => `/proc/${pid}/root${hostPath}`,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
