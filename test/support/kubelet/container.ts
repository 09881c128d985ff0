/**
 * One container, started the way containerd and runc start one: a new mount and PID namespace
 * (copied from the pod sandbox's mount namespace), a fresh root filesystem whose image layers are
 * overlays (host directories below, the container's writable layer above), /proc, /dev, /sys and
 * the volume mounts, everything remounted read-only when asked, then chroot, user, groups,
 * capabilities and `exec`. Every step replaces the previous process (`exec`), so the
 * process the tests signal is the application itself, PID 1 of its namespace as in a cluster:
 * a signal it has no handler for is ignored, SIGKILL is not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, copyFile, lstat, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { ContainerStartError } from './errors.js';
import type { Image, ImageLayer } from './image.js';
import type { ProcessIdentity } from './security.js';
import type { Sandbox } from './sandbox.js';
import { command, quote } from './shell.js';

/** A bind mount into the container, from a path of the pod sandbox's mount namespace. */
export interface ContainerMount {
  readonly target: string;
  readonly source: string;
  readonly kind: 'directory' | 'file';
  readonly readOnly: boolean;
}

/** Everything decided before the container starts. */
export interface ContainerPlan {
  readonly name: string;
  /** A host directory of the container's own: its root filesystem and writable layers go there. */
  readonly directory: string;
  readonly image: Image;
  readonly identity: ProcessIdentity;
  readonly argv: readonly string[];
  readonly workingDir: string;
  readonly env: readonly (readonly [string, string])[];
  /** /etc/hosts, /etc/hostname, /etc/resolv.conf, the termination log and the volumes. */
  readonly mounts: readonly ContainerMount[];
  readonly stopSignal: NodeJS.Signals;
}

/** How a container ended. */
export interface ContainerExit {
  /** The exit status, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** What Kubernetes reports: the status, or 128 + the signal's number (137 for SIGKILL). */
  readonly exitCode: number;
}

/** A line of output. */
export type LineListener = (line: string, stream: 'stdout' | 'stderr') => void;

/** A started container. */
export interface RunningContainer {
  readonly name: string;
  /** The application's pid on the host (PID 1 inside its namespace). */
  readonly pid: number;
  /** Everything written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Calls `listener` for every complete line from now on; returns a function that stops it. */
  onLine(listener: LineListener): () => void;
  readonly exited: Promise<ContainerExit>;
  /** Null while running. */
  readonly exit: ContainerExit | null;
  readonly plan: ContainerPlan;
  /** Sends a signal to the application (not to a wrapper). */
  signal(signal: NodeJS.Signals): void;
}

/** The output that util-linux 2.38's unshare prints instead of re-raising SIGKILL (it cannot). */
const UNSHARE_SIGKILL_REPORT = /unshare: sigprocmask unblock failed: Invalid argument\n?$/;

/** Starts the container; throws ContainerStartError when the runtime could not start the process. */
export async function startContainer(plan: ContainerPlan, sandbox: Sandbox, listeners: readonly LineListener[]): Promise<RunningContainer> {
  await prepareFilesystem(plan);
  const script = startScript(plan);
  // setpriv --pdeathsig: unshare dies with the test process and takes the container with it (--kill-child).
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'nsenter', `--target=${sandbox.pid}`, '--mount', '--uts', '--ipc', '--',
      'unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--', '/bin/sh', '-c', script, plan.name],
    { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  const output = captureOutput(child, listeners);
  let setup = '';
  const started = await new Promise<boolean>((resolve, reject) => {
    const status = child.stdio[3];
    if (status === null || status === undefined || !('on' in status)) throw new Error('no status pipe to the container');
    status.on('data', (chunk: Buffer) => {
      setup += chunk.toString('utf8');
      if (/^started$/m.test(setup)) resolve(true);
    });
    child.once('error', (error) => reject(new ContainerStartError(plan.name, `cannot run setpriv/nsenter/unshare: ${error.message}`)));
    child.once('close', () => resolve(false));
  });
  if (!started) {
    await output.closed;
    throw new ContainerStartError(plan.name, (setup.trim() || output.stderr().trim() || 'the runtime exited before starting the process').replace(UNSHARE_SIGKILL_REPORT, ''));
  }
  const pid = await forkedChild(child);
  let exit: ContainerExit | null = null;
  const exited = output.closed.then(({ code, signal }) => {
    exit = exitOf(code, signal, output.stderr());
    if (exit.signal === 'SIGKILL') output.dropTrailing(UNSHARE_SIGKILL_REPORT);
    return exit;
  });
  return {
    name: plan.name,
    pid,
    plan,
    get stdout() {
      return output.stdout();
    },
    get stderr() {
      return output.stderr();
    },
    onLine: output.onLine,
    exited,
    get exit() {
      return exit;
    },
    signal(signal) {
      if (exit !== null) return;
      try {
        process.kill(pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
  };
}

/** Reads the termination message the container wrote (terminationMessagePath), '' when none. */
export async function terminationMessage(hostFile: string): Promise<string> {
  return readFile(hostFile, 'utf8').catch(() => '');
}

/** The root filesystem directory of a container. */
export function rootfsOf(plan: ContainerPlan): string {
  return path.join(plan.directory, 'rootfs');
}

/** The overlay directories of a directory layer. */
function overlayOf(plan: ContainerPlan, index: number): { upper: string; work: string } {
  return { upper: path.join(plan.directory, 'layers', String(index), 'upper'), work: path.join(plan.directory, 'layers', String(index), 'work') };
}

/**
 * The container's writable layer before anything is mounted: the image's own directories and
 * symlinks, the files COPY put there, and the overlay upper directories (which take the lower
 * directory's owner and mode, so that the merged directory shows them).
 */
async function prepareFilesystem(plan: ContainerPlan): Promise<void> {
  const root = rootfsOf(plan);
  await rm(plan.directory, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755);
  const layers = plan.image.layers;
  for (const [index, layer] of layers.entries()) {
    if (layer.kind !== 'directory') continue;
    const { upper, work } = overlayOf(plan, index);
    await mkdir(work, { recursive: true });
    await mkdir(upper, { recursive: true });
    await copyAttributes(layer.source, upper);
  }
  // Where an image path lives in the writable layer: the upper layer of the innermost overlay holding it.
  const place = async (target: string): Promise<string> => {
    const index = layers.findLastIndex((layer) => layer.kind === 'directory' && target.startsWith(`${layer.target}/`));
    if (index < 0) return path.join(root, target);
    const layer = layers[index];
    const relative = path.posix.relative(layer.target, target);
    let upper = overlayOf(plan, index).upper;
    let lower = layer.source;
    for (const part of path.posix.dirname(relative).split('/').filter((p) => p !== '.')) {
      upper = path.join(upper, part);
      lower = path.join(lower, part);
      await mkdir(upper, { recursive: true });
      await copyAttributes(lower, upper).catch(() => undefined);
    }
    return path.join(overlayOf(plan, index).upper, relative);
  };
  for (const directory of plan.image.directories) {
    const at = await place(directory.path);
    await mkdir(at, { recursive: true });
    await chmod(at, directory.mode);
    await chown(at, directory.uid, directory.gid);
  }
  for (const link of plan.image.symlinks) await symlink(link.target, await place(link.path));
  for (const layer of layers) {
    if (layer.kind !== 'file') continue;
    const at = await place(layer.target);
    await mkdir(path.dirname(at), { recursive: true });
    await copyFile(layer.source, at);
    // COPY keeps the mode and makes root the owner.
    await chmod(at, (await stat(layer.source)).mode & 0o7777);
  }
  for (const file of plan.image.files) {
    const at = await place(file.path);
    await writeFile(at, file.content, { mode: 0o644 });
    await chmod(at, 0o644);
  }
}

async function copyAttributes(from: string, to: string): Promise<void> {
  const info = await lstat(from);
  await chown(to, info.uid, info.gid);
  await chmod(to, info.mode & 0o7777);
}

/**
 * The script that PID 1 of the new namespaces runs as root before it becomes the application.
 * Mount points are created in the container's view, so one under a volume lands in that volume
 * and one under an image directory in the overlay's upper layer, as with runc.
 */
function startScript(plan: ContainerPlan): string {
  const root = rootfsOf(plan);
  const inRoot = (target: string) => quote(path.posix.join(root, target));
  const mountPoint = (target: string, kind: 'directory' | 'file') =>
    kind === 'directory' ? `[ -d ${inRoot(target)} ] || mkdir -p ${inRoot(target)}` : `[ -e ${inRoot(target)} ] || { mkdir -p ${inRoot(path.posix.dirname(target))} && : > ${inRoot(target)}; }`;
  const bind = (source: string, target: string, kind: 'directory' | 'file', readOnly: boolean) =>
    `${mountPoint(target, kind)} && ${command('mount', '--bind', ...(readOnly ? ['-o', 'ro'] : []), source, path.posix.join(root, target))}`;
  const overlay = (layer: ImageLayer, index: number) => {
    const { upper, work } = overlayOf(plan, index);
    return `${mountPoint(layer.target, 'directory')} && ${command('mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${layer.source},upperdir=${upper},workdir=${work}`, path.posix.join(root, layer.target))}`;
  };
  const { identity } = plan;
  const lines = [
    'set -eu',
    'umask 022',
    // Fail with the step that failed, on the status pipe the harness reads.
    'step() { "$@" 2>&3 || { echo "$STEP failed" >&3; exit 1; }; }',
    `STEP=${quote('bind the root filesystem onto itself (so that it can be remounted read-only)')}`,
    `step ${command('mount', '--bind', root, root)}`,
  ];
  const add = (what: string, shell: string) => lines.push(`STEP=${quote(what)}`, `step sh -c ${quote(shell)}`);
  const overlays = plan.image.layers.flatMap((layer, index) => (layer.kind === 'directory' ? [{ layer, index }] : []));
  for (const { layer, index } of overlays) add(`image layer ${layer.target} (${layer.origin})`, overlay(layer, index));
  add('/proc', `${mountPoint('/proc', 'directory')} && ${command('mount', '-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', path.posix.join(root, 'proc'))}`);
  add('/dev', devScript(root));
  add('/sys (read-only)', bind('/sys', '/sys', 'directory', true));
  for (const mount of sortByDepth(plan.mounts)) add(`mount ${mount.target}`, bind(mount.source, mount.target, mount.kind, mount.readOnly));
  add(`working directory ${plan.workingDir}`, mountPoint(plan.workingDir, 'directory'));
  if (identity.readOnlyRootFilesystem) {
    // runc remounts the root read-only; here the image's overlays are separate mounts, so them too.
    for (const target of ['/', ...overlays.map(({ layer }) => layer.target)]) {
      add(`remount ${target} read-only (readOnlyRootFilesystem)`, command('mount', '-o', 'remount,bind,ro', path.posix.join(root, target)));
    }
  }
  const pathVariable = plan.env.find(([name]) => name === 'PATH')?.[1] ?? '';
  const [executable = ''] = plan.argv;
  lines.push(
    // runc resolves the executable before exec'ing; report it as runc does.
    `if ! chroot ${quote(root)} /usr/bin/env -i ${quote(`PATH=${pathVariable}`)} /bin/sh -c 'cd "$1" 2>/dev/null; command -v "$2" >/dev/null' sh ${quote(plan.workingDir)} ${quote(executable)}; then`,
    `  echo ${quote(`exec: "${executable}": executable file not found in $PATH`)} >&3; exit 128`,
    'fi',
    'echo started >&3',
    `exec ${command('chroot', root, ...setprivArgs(identity), '/usr/bin/env', '-C', plan.workingDir, '-i', '--', ...envAssignments(plan.env), ...plan.argv)} 3>&-`,
  );
  return lines.join('\n');
}

/** The container's user, groups, capabilities and no_new_privs, applied by setpriv inside the chroot. */
export function setprivArgs(identity: ProcessIdentity): string[] {
  const bounding = ['-all', ...identity.capabilities.map((name) => `+${name}`)].join(',');
  return [
    '/usr/bin/setpriv',
    `--reuid=${identity.uid}`,
    `--regid=${identity.gid}`,
    identity.groups.length === 0 ? '--clear-groups' : `--groups=${identity.groups.join(',')}`,
    `--bounding-set=${bounding}`,
    '--inh-caps=-all',
    ...(identity.noNewPrivileges ? ['--no-new-privs'] : []),
    '--',
  ];
}

/** NAME=value words for `env -i`. */
export function envAssignments(env: readonly (readonly [string, string])[]): string[] {
  return env.map(([name, value]) => `${name}=${value}`);
}

/** A /dev like runc's: a tmpfs with the usual device nodes bound from the host, a private devpts and shm. */
function devScript(root: string): string {
  const dev = path.posix.join(root, 'dev');
  const devices = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
  return [
    `mkdir -p ${quote(dev)}`,
    command('mount', '-t', 'tmpfs', '-o', 'nosuid,mode=755,size=65536k', 'tmpfs', dev),
    ...devices.map((device) => `: > ${quote(`${dev}/${device}`)} && ${command('mount', '--bind', `/dev/${device}`, `${dev}/${device}`)}`),
    `mkdir ${quote(`${dev}/pts`)} ${quote(`${dev}/shm`)} ${quote(`${dev}/mqueue`)}`,
    command('mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620,nosuid,noexec', 'devpts', `${dev}/pts`),
    command('mount', '-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,mode=1777,size=65536k', 'shm', `${dev}/shm`),
    command('ln', '-s', '/proc/self/fd', `${dev}/fd`),
    command('ln', '-s', '/proc/self/fd/0', `${dev}/stdin`),
    command('ln', '-s', '/proc/self/fd/1', `${dev}/stdout`),
    command('ln', '-s', '/proc/self/fd/2', `${dev}/stderr`),
    command('ln', '-s', 'pts/ptmx', `${dev}/ptmx`),
  ].join(' && ');
}

/** containerd mounts parents before children: by number of path components, stable otherwise. */
function sortByDepth(mounts: readonly ContainerMount[]): ContainerMount[] {
  const depth = (target: string) => path.posix.normalize(target).split('/').filter((part) => part !== '').length;
  return [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
}

/** The pid of unshare's forked child: PID 1 of the new namespace, which exec'd into the application. */
async function forkedChild(unshare: ChildProcess): Promise<number> {
  const parent = unshare.pid;
  if (parent === undefined) throw new Error('unshare has no pid');
  // By the time the child has written "started", it exists; nsenter may still be between execs.
  for (let attempt = 0; attempt < 200; attempt++) {
    const children = await readFile(`/proc/${parent}/task/${parent}/children`, 'utf8').catch(() => '');
    const [first] = children.trim().split(/\s+/).filter((pid) => pid !== '');
    if (first !== undefined) return Number(first);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`cannot find the container process under unshare (pid ${parent})`);
}

function exitOf(code: number | null, signal: NodeJS.Signals | null, stderr: string): ContainerExit {
  if (signal !== null) return { code: null, signal, exitCode: 128 + (constants.signals[signal] ?? 0) };
  if (code === 1 && UNSHARE_SIGKILL_REPORT.test(stderr)) return { code: null, signal: 'SIGKILL', exitCode: 128 + constants.signals.SIGKILL };
  return { code, signal: null, exitCode: code ?? 0 };
}

interface CapturedOutput {
  stdout(): string;
  stderr(): string;
  onLine(listener: LineListener): () => void;
  dropTrailing(pattern: RegExp): void;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function captureOutput(child: ChildProcess, initial: readonly LineListener[]): CapturedOutput {
  const text = { stdout: '', stderr: '' };
  const partial = { stdout: '', stderr: '' };
  const listeners = new Set<LineListener>(initial);
  const emit = (stream: 'stdout' | 'stderr', flush: boolean) => {
    const lines = partial[stream].split('\n');
    partial[stream] = flush ? '' : (lines.pop() ?? '');
    for (const line of flush ? lines.filter((l) => l !== '') : lines) {
      if (stream === 'stderr' && UNSHARE_SIGKILL_REPORT.test(line)) continue;
      for (const listener of listeners) listener(line, stream);
    }
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk: Buffer) => {
      const piece = chunk.toString('utf8');
      text[stream] += piece;
      partial[stream] += piece;
      emit(stream, false);
    });
  }
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      emit('stdout', true);
      emit('stderr', true);
      resolve({ code, signal });
    });
  });
  return {
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dropTrailing(pattern) {
      text.stderr = text.stderr.replace(pattern, '');
    },
    closed,
  };
}
