/** A private, throwaway `redis-server` on a loopback port. */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { requireBinary, spawnServer, stopServer, waitForPort } from './processes.js';

/** A running Redis and how to reach, restart and stop it. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (as a crash would); `start()` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` with no persistence on a free port. */
export async function startRedis(extraArgs: readonly string[] = []): Promise<TestRedis> {
  requireBinary('redis-server', 'redis-server');
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-redis-'));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawnServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs]);
    await waitForPort(port, child);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    async kill() {
      if (child !== null) {
        child.kill('SIGKILL');
        await stopServer(child);
      }
    },
    async stop() {
      if (child !== null) await stopServer(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
