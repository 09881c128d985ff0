/** Starts real servers (redis-server, prometheus) for tests and makes sure they stop. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { canConnect } from '../../cli/demo/processes.js';

/** Fails loudly, naming the package to install, when a server binary is missing. */
export function requireBinary(binary: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  if (!found) {
    throw new Error(`${binary} is not installed; these tests need a real one: apt-get install -y ${debianPackage}`);
  }
}

/** A started child process that is killed when the test process exits, whatever happens. */
export function spawnServer(binary: string, args: readonly string[], options: { cwd?: string } = {}): ChildProcess {
  const child = spawn(binary, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  (child as ChildProcess & { recentOutput: () => string }).recentOutput = () => output;
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return child;
}

/** Waits until a TCP port accepts connections, or throws with the server's last output. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${recentOutput(child)}`);
    if (await canConnect(port)) return;
    await sleep(25);
  }
  throw new Error(`server did not listen on ${port} within ${timeoutMs} ms: ${recentOutput(child)}`);
}

/** Stops a child and waits for it to be gone. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function recentOutput(child: ChildProcess): string {
  return (child as ChildProcess & { recentOutput?: () => string }).recentOutput?.() ?? '';
}
