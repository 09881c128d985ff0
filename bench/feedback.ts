/**
 * bench/feedback: what recording predictions for their labels costs the runtime's thread. Three
 * ledgers take the same records, measured in the same run:
 *   (a) floor: a loop that only builds the request ids (the work every prediction does anyway);
 *   (b) memory: the single-process ring (`runtime/feedback.ts`, what a runtime without Redis keeps);
 *   (c) redis: the fleet's ledger (`runtime/redis-prediction-ledger.ts`) against a real Redis on
 *       loopback: `remember` on the prediction's path, then the batched writes (encoding, the
 *       script call, ioredis), all on the same thread, as in a pod.
 * It prints the time and the heap bytes per record on the path, and the cost of the writes per
 * record. The bar: `remember` under 1 µs per record, no more than 16 bytes of heap each.
 *
 *   node build/bench/feedback.js [--records 100000] [--rounds 5]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { FeedbackStore } from '../runtime/feedback.js';
import { createLogger } from '../runtime/log.js';
import { connectOnlineStore } from '../runtime/online-store-client.js';
import type { PredictionLedger } from '../runtime/prediction-ledger.js';
import { RedisPredictionLedger } from '../runtime/redis-prediction-ledger.js';
import { startRedis } from '../test/support/redis-server.js';
import { median } from './median.js';

const RECORDS = numberArg('--records', 100_000);
const ROUNDS = numberArg('--rounds', 5);
/** Records per simulated event-loop turn: a busy pod answers a batch of requests per turn. */
const PER_TURN = 64;
const VERSIONS = ['1.4.0', '2.0.0'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Measured {
  /** Nanoseconds per record spent in `remember` (and building the id). */
  readonly pathNs: number;
  /** Heap bytes per record left by `remember` (and the id). */
  readonly pathBytes: number;
  /** Nanoseconds per record of everything after: writing the queued batches. */
  readonly writeNs: number;
}

const redis = await startRedis();
const admin = new Redis(redis.url);
const store = connectOnlineStore({ url: redis.url, nodes: [] }, createLogger(() => undefined));
try {
  await store.waitConnected(2_000);
  const noop = { inc: () => undefined };
  const dropped = { 'queue-full': noop, unavailable: noop, failed: noop };
  const ledgers: [string, () => PredictionLedger | null][] = [
    ['floor (ids only)', () => null],
    ['memory ring', () => new FeedbackStore('bench-', 100_000)],
    ['redis ledger', () => new RedisPredictionLedger({ store, keyPrefix: 'slipway:bench:prod:fraud-detector:prediction:', ttlMs: () => 60_000, dropped, capacity: 20_000 })],
  ];
  const results = new Map<string, Measured[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, make] of ledgers) {
      const measured = await measure(make());
      results.set(name, [...(results.get(name) ?? []), measured]);
    }
    await admin.flushall();
  }
  const rows = [...results].map(([name, runs]) => ({ name, pathNs: median(runs.map((run) => run.pathNs)), pathBytes: median(runs.map((run) => run.pathBytes)), writeNs: median(runs.map((run) => run.writeNs)) }));
  const floor = rows[0];
  console.log(`bench/feedback: ${RECORDS} records per round, ${PER_TURN} per turn, median of ${ROUNDS} rounds`);
  console.log(table([
    ['ledger', 'path ns/record', 'path bytes/record', 'writes ns/record', 'total vs floor'],
    ...rows.map((row) => [row.name, row.pathNs.toFixed(0), row.pathBytes.toFixed(1), row.writeNs.toFixed(0), `+${(row.pathNs + row.writeNs - floor.pathNs - floor.writeNs).toFixed(0)} ns`]),
  ]));
  const fleet = rows[2];
  const pathNs = fleet.pathNs - floor.pathNs;
  const pathBytes = fleet.pathBytes - floor.pathBytes;
  console.log(`bar: remember under 1,000 ns and 16 bytes per record -> ${pathNs < 1_000 && pathBytes <= 16 ? 'met' : 'MISSED'} (${pathNs.toFixed(0)} ns, ${pathBytes.toFixed(1)} bytes)`);
} finally {
  admin.disconnect();
  await store.close();
  await redis.stop();
}

/** Records `RECORDS` predictions, `PER_TURN` per event-loop turn, as the handlers would. */
async function measure(ledger: PredictionLedger | null): Promise<Measured> {
  let nextId = 0;
  const idOf = ledger === null ? () => `bench-${(nextId++).toString(36)}` : () => ledger.newId();
  gc();
  let pathNs = 0;
  let pathBytes = 0;
  let measuredTurns = 0;
  const started = performance.now();
  for (let done = 0; done < RECORDS; done += PER_TURN) {
    const heapBefore = process.memoryUsage().heapUsed;
    const turnStarted = process.hrtime.bigint();
    for (let index = done; index < done + PER_TURN; index += 1) {
      const id = idOf();
      ledger?.remember(id, VERSIONS[index & 1], (index % 7 === 0 ? 1 : 0) as 0 | 1, (index % 100) / 100);
    }
    pathNs += Number(process.hrtime.bigint() - turnStarted);
    const grown = process.memoryUsage().heapUsed - heapBefore;
    // A turn in which the young generation was collected says nothing about its own allocations.
    if (grown >= 0) {
      pathBytes += grown;
      measuredTurns += 1;
    }
    // The rest of the turn: the ledger's writes run here, as they would between requests.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (ledger instanceof RedisPredictionLedger) await ledger.flush();
  const totalNs = (performance.now() - started) * 1e6;
  await ledger?.close();
  return { pathNs: pathNs / RECORDS, pathBytes: pathBytes / Math.max(1, measuredTurns * PER_TURN), writeNs: Math.max(0, totalNs - pathNs) / RECORDS };
}

function numberArg(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ')).join('\n');
}
