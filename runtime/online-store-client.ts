/**
 * The runtime's Redis connection: one ioredis client (or a Cluster client when the environment
 * lists nodes). ioredis types stay in this file. Commands never wait in an offline queue: when
 * Redis is down a read fails at once and the caller serves defaults, while the client keeps
 * reconnecting in the background.
 *
 * On one node a whole batch of reads is one command: a short Lua script that runs every HMGET
 * inside Redis. A pipeline of one HMGET per key answers the same, but ioredis spends ~10 µs of
 * the runtime's only thread on each command, and that was the largest cost of a batch.
 */
import { Cluster, Redis } from 'ioredis';
import type { Logger } from './log.js';

/** One hash read: the fields of one Redis key. */
export interface HashRead {
  readonly key: Buffer;
  readonly fields: readonly Buffer[];
}

/** Reads hashes in one round trip (per node), value by value; `null` where a field is missing. */
export interface OnlineStoreClient {
  readHashes(reads: readonly HashRead[]): Promise<(Buffer | null)[][]>;
  /** Whether the connection is up right now. */
  readonly connected: boolean;
  /** Resolves when connected, or after `timeoutMs` either way. */
  waitConnected(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Where the online store is. */
export interface OnlineStoreConfig {
  readonly url?: string;
  /** Redis Cluster seed nodes `host:port`; any selects the cluster client. */
  readonly nodes: readonly string[];
}

const RECONNECT_MAX_MS = 500;

/**
 * KEYS: every key, grouped by field list. ARGV: per group its key count, its field count, then its
 * fields. Answers one string: per key, per field, a u32le length and the value, or 0xffffffff for a
 * missing field. One bulk reply, because ioredis's reply parser costs a Buffer and several calls
 * per element, and a batch is hundreds of elements.
 */
const READ_HASHES_LUA = `
local parts, count, key, at = {}, 0, 1, 1
while at <= #ARGV do
  local keyCount, fieldCount = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  for _ = 1, keyCount do
    local values = redis.call('HMGET', KEYS[key], unpack(ARGV, at + 2, at + 1 + fieldCount))
    for field = 1, fieldCount do
      local value = values[field]
      count = count + 1
      if value then parts[count] = struct.pack('<I4', #value) .. value else parts[count] = '\\255\\255\\255\\255' end
    end
    key = key + 1
  end
  at = at + 2 + fieldCount
end
return table.concat(parts)`;

const MISSING_FIELD = 0xffffffff;

/** The client once the script is defined on it. */
type ScriptedRedis = Redis & { readHashesBuffer(numberOfKeys: number, ...args: (Buffer | string | number)[]): Promise<Buffer> };

/** Connects to the online store (lazily: the first read or `waitConnected` happens while it connects). */
export function connectOnlineStore(config: OnlineStoreConfig, logger: Logger): OnlineStoreClient {
  const common = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, RECONNECT_MAX_MS),
  };
  const cluster = config.nodes.length > 0;
  const client = cluster
    ? new Cluster(
        config.nodes.map((node) => {
          const [host, port] = node.split(':');
          return { host, port: Number(port) };
        }),
        { enableOfflineQueue: false, enableAutoPipelining: true, clusterRetryStrategy: common.retryStrategy, redisOptions: common },
      )
    : new Redis(config.url ?? 'redis://127.0.0.1:6379', common);
  if (!cluster) client.defineCommand('readHashes', { lua: READ_HASHES_LUA });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; log each distinct problem once, not every 50 ms.
    if (error.message === lastError) return;
    lastError = error.message;
    logger.log('warn', 'online store connection problem', { error: error.message });
  });
  client.on('ready', () => {
    if (lastError !== '') logger.log('info', 'online store connected again', {});
    lastError = '';
  });
  return {
    get connected() {
      return client.status === 'ready';
    },
    readHashes(reads) {
      if (client.status !== 'ready') return Promise.reject(new Error(`online store is ${client.status}`));
      if (cluster) {
        // Keys of a batch live in different slots, so no single pipeline can hold them; auto-pipelining
        // sends everything issued in this turn to each node in one write.
        return Promise.all(reads.map((read) => client.hmgetBuffer(read.key, ...read.fields)));
      }
      return readHashesInOneCommand(client as ScriptedRedis, reads);
    },
    async waitConnected(timeoutMs) {
      if (client.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const done = (connected: boolean) => {
          clearTimeout(timer);
          client.off('ready', onReady);
          resolve(connected);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(client.status === 'ready'), timeoutMs);
        client.on('ready', onReady);
      });
    },
    async close() {
      client.disconnect();
    },
  };
}

/** Every read of a batch in one script call (ioredis sends EVALSHA, and EVAL once after a restart). */
async function readHashesInOneCommand(client: ScriptedRedis, reads: readonly HashRead[]): Promise<(Buffer | null)[][]> {
  // Reads of the same view group share one field list; the script takes each list once.
  const byFields = new Map<readonly Buffer[], number[]>();
  reads.forEach((read, index) => {
    const indices = byFields.get(read.fields);
    if (indices === undefined) byFields.set(read.fields, [index]);
    else indices.push(index);
  });
  const keys: Buffer[] = [];
  const args: (Buffer | number)[] = [];
  const order: number[] = [];
  for (const [fields, indices] of byFields) {
    for (const index of indices) keys.push(reads[index].key);
    order.push(...indices);
    args.push(indices.length, fields.length, ...fields);
  }
  const reply = await client.readHashesBuffer(keys.length, ...keys, ...args);
  const answers = new Array<(Buffer | null)[]>(reads.length);
  let offset = 0;
  for (const index of order) {
    const values = new Array<Buffer | null>(reads[index].fields.length);
    for (let field = 0; field < values.length; field += 1) {
      const length = reply.readUInt32LE(offset);
      offset += 4;
      if (length === MISSING_FIELD) {
        values[field] = null;
      } else {
        values[field] = reply.subarray(offset, offset + length);
        offset += length;
      }
    }
    answers[index] = values;
  }
  return answers;
}
