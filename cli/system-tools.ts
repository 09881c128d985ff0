/**
 * The programs from the operating system that the demo, the tests and the benches run (Redis,
 * Prometheus, Git, wrk, …), and how a fresh machine gets them. When one is missing and this user
 * may install packages (root, or passwordless sudo, with apt-get), it is installed after one line
 * saying what and why; otherwise the error is the one command to run. Nothing else is downloaded.
 */
import { spawnSync } from 'node:child_process';
import { UserError } from './command.js';

/** One program and the Debian package that provides it. */
export interface SystemTool {
  readonly binary: string;
  readonly debianPackage: string;
  /** The Homebrew formula, for the message on a machine without apt-get. */
  readonly brew?: string;
}

/** Every program Slipway's commands, tests and benches start, by binary name. */
export const SYSTEM_TOOLS = {
  'redis-server': { binary: 'redis-server', debianPackage: 'redis-server', brew: 'redis' },
  'redis-cli': { binary: 'redis-cli', debianPackage: 'redis-tools', brew: 'redis' },
  prometheus: { binary: 'prometheus', debianPackage: 'prometheus', brew: 'prometheus' },
  promtool: { binary: 'promtool', debianPackage: 'prometheus', brew: 'prometheus' },
  git: { binary: 'git', debianPackage: 'git', brew: 'git' },
  openssl: { binary: 'openssl', debianPackage: 'openssl', brew: 'openssl' },
  jq: { binary: 'jq', debianPackage: 'jq', brew: 'jq' },
  setpriv: { binary: 'setpriv', debianPackage: 'util-linux' },
  ps: { binary: 'ps', debianPackage: 'procps' },
  wrk: { binary: 'wrk', debianPackage: 'wrk', brew: 'wrk' },
} as const satisfies Record<string, SystemTool>;

export type SystemToolName = keyof typeof SYSTEM_TOOLS;

/** Where to look and how to install; the process's own by default, a test's own in tests. */
export interface ToolEnvironment {
  /** The PATH searched for binaries (and for apt-get and sudo). */
  readonly path: string;
  /** Whether this process runs as root. */
  readonly isRoot: boolean;
  /** Prints the one line announcing an installation. */
  readonly announce: (line: string) => void;
}

export function processToolEnvironment(): ToolEnvironment {
  return { path: process.env.PATH ?? '', isRoot: process.getuid?.() === 0, announce: (line) => process.stderr.write(`${line}\n`) };
}

/**
 * Makes sure every named program is on the PATH, installing the missing ones when this user may,
 * and fails with the command to run when not. `purpose` completes "… because <purpose>".
 */
export function ensureSystemTools(names: readonly SystemToolName[], purpose: string, environment = processToolEnvironment()): void {
  const missing = missingTools(names, environment);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => tool.debianPackage))].sort();
  const installer = installerFor(environment);
  if (installer === null) throw new UserError(instructions(missing, packages, purpose, environment));
  environment.announce(`installing ${packages.join(', ')} (Debian) because ${purpose}: ${[...installer, 'apt-get', 'install', '-y', ...packages].join(' ')}`);
  install(installer, packages, environment);
  const stillMissing = missingTools(names, environment);
  if (stillMissing.length > 0) throw new UserError(`installing ${packages.join(', ')} did not provide ${stillMissing.map((tool) => tool.binary).join(', ')}; install ${stillMissing.length === 1 ? 'it' : 'them'} and run again`);
}

/** The named tools that are not on the PATH. */
export function missingTools(names: readonly SystemToolName[], environment: ToolEnvironment): SystemTool[] {
  return names.map((name) => SYSTEM_TOOLS[name]).filter((tool) => !onPath(tool.binary, environment));
}

function onPath(binary: string, environment: ToolEnvironment): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore', env: { ...process.env, PATH: environment.path } }).status === 0;
}

/** The command prefix that runs apt-get with privileges (none as root), or null when this user may not. */
function installerFor(environment: ToolEnvironment): string[] | null {
  if (!onPath('apt-get', environment)) return null;
  if (environment.isRoot) return [];
  const passwordlessSudo = onPath('sudo', environment) && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', env: { ...process.env, PATH: environment.path } }).status === 0;
  return passwordlessSudo ? ['sudo', '-n'] : null;
}

function install(prefix: readonly string[], packages: readonly string[], environment: ToolEnvironment): void {
  const env = { ...process.env, PATH: environment.path, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: readonly string[]) => {
    const [command, ...rest] = [...prefix, 'apt-get', ...args];
    return spawnSync(command as string, rest, { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' });
  };
  // A fresh machine often has no package lists yet; another apt-get may hold the lock for a while.
  const lock = ['-o', 'DPkg::Lock::Timeout=120'];
  const update = run([...lock, 'update', '-qq']);
  if (update.status !== 0) throw new UserError(`apt-get update failed: ${lastLine(update.stderr)}`);
  const installed = run([...lock, 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
  if (installed.status !== 0) throw new UserError(`apt-get install ${packages.join(' ')} failed: ${lastLine(installed.stderr)}`);
}

function instructions(missing: readonly SystemTool[], packages: readonly string[], purpose: string, environment: ToolEnvironment): string {
  const binaries = missing.map((tool) => tool.binary).join(', ');
  const needs = `${binaries} ${missing.length === 1 ? 'is' : 'are'} not installed, and needed because ${purpose}`;
  if (onPath('apt-get', environment)) return `${needs}. Install with:\n  sudo apt-get install -y ${packages.join(' ')}`;
  const formulas = [...new Set(missing.map((tool) => tool.brew).filter((formula) => formula !== undefined))].sort();
  const brew = formulas.length > 0 ? `\n  brew install ${formulas.join(' ')}   (macOS)` : '';
  return `${needs}. Install the Debian packages ${packages.join(', ')} or your system's equivalent:${brew}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? 'no output';
}
