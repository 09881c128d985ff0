/**
 * The runtime's Redis connection: one ioredis client (or a Cluster client when the environment
 * lists nodes). ioredis types stay in this file. Commands never wait in an offline queue: when
 * Redis is down a read fails at once and the caller serves defaults, while the client keeps
 * reconnecting in the background.
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
      const pipeline = client.pipeline();
      for (const read of reads) pipeline.hmgetBuffer(read.key, ...read.fields);
      return pipeline.exec().then((results) =>
        (results ?? []).map(([error, value]) => {
          if (error) throw error;
          return value as (Buffer | null)[];
        }),
      );
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
