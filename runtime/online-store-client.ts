/**
 * The runtime's Redis connection: one ioredis client (or a Cluster client when the environment
 * lists nodes). ioredis types stay in this file. Commands never wait in an offline queue: when
 * Redis is down a read fails at once and the caller serves defaults, while the client keeps
 * reconnecting in the background.
 *
 * On one node a whole batch of reads is one command: a short Lua script that runs every HMGET
 * inside Redis (and a batch of prediction records one script of SETs with a time to live). A pipeline of one HMGET per key answers the same, but ioredis spends ~10 µs of
 * the runtime's only thread on each command, and that was the largest cost of a batch.
 */
import type { RedisCredentials } from '../core/redis-credentials.js';
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
  /**
   * Writes every key of `blob` (see `KEY_VALUE_BLOB`) with a time to live, in one round trip per
   * node; resolves once Redis has them. Rejects when Redis is down: the caller counts what it dropped.
   */
  writeExpiring(blob: Buffer, ttlMs: number): Promise<void>;
  /** Gets and deletes one key atomically (GETDEL): of any number of callers, one gets the value. */
  take(key: string): Promise<Buffer | null>;
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
 * One argument, a blob: per group of reads sharing a field list, u32le key count and field count,
 * each field, then each key (every string as u32le length and bytes). Answers one string: per key,
 * per field, a u32le length and the value, or 0xffffffff for a missing field. One argument and one
 * bulk reply, because ioredis converts every argument and parses every reply element with several
 * calls and a Buffer each, and a batch is hundreds of them. Keys travel in the blob, not in KEYS,
 * so the script is for one node only (the Cluster client routes by declared keys; it does not use it).
 */
const READ_HASHES_LUA = `
local blob, parts, count, at = ARGV[1], {}, 0, 1
local function nextString()
  local length
  length, at = struct.unpack('<I4', blob, at)
  local text = string.sub(blob, at, at + length - 1)
  at = at + length
  return text
end
while at <= #blob do
  local keyCount, fieldCount
  keyCount, fieldCount, at = struct.unpack('<I4I4', blob, at)
  local fields = {}
  for field = 1, fieldCount do fields[field] = nextString() end
  for _ = 1, keyCount do
    local values = redis.call('HMGET', nextString(), unpack(fields))
    for field = 1, fieldCount do
      local value = values[field]
      count = count + 1
      if value then parts[count] = struct.pack('<I4', #value) .. value else parts[count] = '\\255\\255\\255\\255' end
    end
  end
end
return table.concat(parts)`;

const MISSING_FIELD = 0xffffffff;

/**
 * The format of `writeExpiring`'s blob: per entry, a u32le key length, the key, a u32le value
 * length and the value. One argument again, so a batch of records is one command for ioredis.
 */
export const KEY_VALUE_BLOB = 'u32le key length, key, u32le value length, value; repeated';

/** SET … PX for every entry of the blob; answers the number written. */
const WRITE_EXPIRING_LUA = `
local blob, ttl, at, count = ARGV[1], ARGV[2], 1, 0
while at <= #blob do
  local keyLength, valueLength, key, value
  keyLength, at = struct.unpack('<I4', blob, at)
  key = string.sub(blob, at, at + keyLength - 1)
  at = at + keyLength
  valueLength, at = struct.unpack('<I4', blob, at)
  value = string.sub(blob, at, at + valueLength - 1)
  at = at + valueLength
  redis.call('SET', key, value, 'PX', ttl)
  count = count + 1
end
return count`;

/** The client once the script is defined on it. */
type ScriptedRedis = Redis & { readHashesBuffer(blob: Buffer): Promise<Buffer>; writeExpiring(blob: Buffer, ttlMs: number): Promise<number> };

/** Connects to the online store (lazily: the first read or `waitConnected` happens while it connects). */
export function connectOnlineStore(config: OnlineStoreConfig, logger: Logger, credentials: RedisCredentials = {}): OnlineStoreClient {
  const common = {
    ...credentials,
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
  if (!cluster) {
    client.defineCommand('readHashes', { lua: READ_HASHES_LUA, numberOfKeys: 0 });
    client.defineCommand('writeExpiring', { lua: WRITE_EXPIRING_LUA, numberOfKeys: 0 });
  }
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
    async writeExpiring(blob, ttlMs) {
      if (client.status !== 'ready') throw new Error(`online store is ${client.status}`);
      if (!cluster) {
        await (client as ScriptedRedis).writeExpiring(blob, ttlMs);
        return;
      }
      // Keys of a batch live in different slots; auto-pipelining sends them to each node in one write.
      const writes: Promise<unknown>[] = [];
      for (let at = 0; at < blob.length; ) {
        const keyLength = blob.readUInt32LE(at);
        const key = blob.subarray(at + 4, at + 4 + keyLength);
        at += 4 + keyLength;
        const valueLength = blob.readUInt32LE(at);
        writes.push(client.set(key, blob.subarray(at + 4, at + 4 + valueLength), 'PX', ttlMs));
        at += 4 + valueLength;
      }
      await Promise.all(writes);
    },
    async take(key) {
      if (client.status !== 'ready') throw new Error(`online store is ${client.status}`);
      return client.getdelBuffer(key);
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
  // Reads of the same view group share one field list; the blob carries each list once.
  const byFields = new Map<readonly Buffer[], number[]>();
  reads.forEach((read, index) => {
    const indices = byFields.get(read.fields);
    if (indices === undefined) byFields.set(read.fields, [index]);
    else indices.push(index);
  });
  const order = [...byFields.values()].flat();
  const reply = await client.readHashesBuffer(requestBlob(reads, byFields));
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

/** The script's argument: per field list, the counts, the fields, then the keys of its reads. */
function requestBlob(reads: readonly HashRead[], byFields: ReadonlyMap<readonly Buffer[], readonly number[]>): Buffer {
  let size = 0;
  for (const [fields, indices] of byFields) {
    size += 8;
    for (const field of fields) size += 4 + field.length;
    for (const index of indices) size += 4 + reads[index].key.length;
  }
  const blob = Buffer.allocUnsafe(size);
  let offset = 0;
  const writeString = (bytes: Buffer) => {
    offset = blob.writeUInt32LE(bytes.length, offset);
    offset += bytes.copy(blob, offset);
  };
  for (const [fields, indices] of byFields) {
    offset = blob.writeUInt32LE(indices.length, offset);
    offset = blob.writeUInt32LE(fields.length, offset);
    fields.forEach(writeString);
    for (const index of indices) writeString(reads[index].key);
  }
  return blob;
}
