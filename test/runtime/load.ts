/** A small closed-loop load driver for tests: N concurrent clients posting until stopped. */
import { Agent, request } from 'node:http';

/** Counts of a load run by HTTP status (0: the request itself failed). */
export interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly bodies: Record<string, unknown>[];
}

/** Runs `concurrency` clients posting `body(i)` to `url` until `stop()` resolves them. */
export function runLoad(url: string, concurrency: number, body: (index: number) => unknown): { stop: () => Promise<LoadResult> } {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  const bodies: Record<string, unknown>[] = [];
  let running = true;
  let counter = 0;
  const target = new URL(url);
  const one = (payload: string) =>
    new Promise<void>((resolve) => {
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            if (bodies.length < 100_000) bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
            resolve();
          });
        },
      );
      req.on('error', () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        resolve();
      });
      req.end(payload);
    });
  const clients = Array.from({ length: concurrency }, async () => {
    while (running) await one(JSON.stringify(body(counter++)));
  });
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return { statuses, bodies };
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns true, or throws after `timeoutMs`. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}
