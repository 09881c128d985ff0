/**
 * The fleet's prediction ledger: each prediction's record (version, predicted class, score, time)
 * is written to the online store under its request id with a time to live of the environment's
 * `labelDelay`, so a label posted to any replica finds it; the label takes the record with GETDEL,
 * so of two posts of the same label (retried, or to two replicas) exactly one counts.
 *
 * Recording stays off the prediction's path: `remember` copies four fields into preallocated
 * arrays (no object per prediction) and the queue is written once per event-loop turn as one
 * script call. The queue is bounded and at most one batch is in flight; what does not fit, or
 * cannot be written because Redis is down, is dropped and counted
 * (`slipway_prediction_records_dropped_total`): a Redis outage never fails a prediction.
 */
import { randomBytes } from 'node:crypto';
import type { CounterChild } from './hot-metrics.js';
import type { OnlineStoreClient } from './online-store-client.js';
import { outcomeOf, type PredictionLedger, type Resolution } from './prediction-ledger.js';

/** Why a record was not written. */
export type DropCause = 'queue-full' | 'unavailable' | 'failed';

/** How the ledger is set up. */
export interface RedisLedgerOptions {
  readonly store: OnlineStoreClient;
  /** Put before every request id, to keep projects, environments and models apart in one Redis. */
  readonly keyPrefix: string;
  /** The records' time to live, read at every write so a reloaded bundle applies at once. */
  readonly ttlMs: () => number;
  /** The drop counter of each cause, bound once. */
  readonly dropped: Readonly<Record<DropCause, CounterChild>>;
  /** Records waiting to be written, at most; default 20 000 (a second at a busy pod's rate). */
  readonly capacity?: number;
  /** Records per script call, at most; default 1 000. */
  readonly maxBatch?: number;
  /** The clock; default `Date.now`. */
  readonly now?: () => number;
}

/** Bytes of a record's value before the version: class (u8), score (f32le), predicted at (f64le ms). */
const VALUE_HEADER_BYTES = 13;

/** The ledger in Redis; `remember` is synchronous and cheap, writes happen in the background. */
export class RedisPredictionLedger implements PredictionLedger {
  private readonly ids: string[];
  private readonly versions: string[];
  private readonly classes: Uint8Array;
  private readonly scores: Float32Array;
  private readonly times: Float64Array;
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly now: () => number;
  private readonly idPrefix = `${randomBytes(6).toString('base64url')}-`;
  private readonly keyPrefixBytes: number;
  private readonly versionBytes = new Map<string, Buffer>();
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private head = 0;
  private queued = 0;
  private sequence = 0;
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  private readonly flushSoon = () => {
    this.scheduled = false;
    void this.flush();
  };

  constructor(private readonly options: RedisLedgerOptions) {
    this.capacity = options.capacity ?? 20_000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.now = options.now ?? Date.now;
    this.ids = new Array<string>(this.capacity).fill('');
    this.versions = new Array<string>(this.capacity).fill('');
    this.classes = new Uint8Array(this.capacity);
    this.scores = new Float32Array(this.capacity);
    this.times = new Float64Array(this.capacity);
    this.keyPrefixBytes = Buffer.byteLength(options.keyPrefix);
  }

  /** Random per process, so ids never collide across pods (every pod may be pid 1). */
  newId(): string {
    return this.idPrefix + (this.sequence++).toString(36);
  }

  remember(id: string, version: string, classIndex: 0 | 1, score: number): void {
    if (this.queued === this.capacity) {
      this.options.dropped['queue-full'].inc();
      return;
    }
    const slot = (this.head + this.queued) % this.capacity;
    this.ids[slot] = id;
    this.versions[slot] = version;
    this.classes[slot] = classIndex;
    this.scores[slot] = score;
    this.times[slot] = this.now();
    this.queued += 1;
    if (!this.scheduled && this.inFlight === null) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  async resolve(id: string, label: 0 | 1): Promise<Resolution | null> {
    const key = this.options.keyPrefix + id;
    let value = await this.options.store.take(key);
    // A label right behind its prediction may overtake the record queued here: write, then look again.
    if (value === null && (this.queued > 0 || this.inFlight !== null)) {
      await this.flush();
      value = await this.options.store.take(key);
    }
    if (value === null || value.length < VALUE_HEADER_BYTES) return null;
    return { version: value.toString('utf8', VALUE_HEADER_BYTES), outcome: outcomeOf(value[0], label) };
  }

  /** Writes every queued record, batch after batch; resolves when the queue is empty or dropped. */
  async flush(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
    while (this.queued > 0) {
      this.inFlight = this.writeBatch();
      await this.inFlight;
      this.inFlight = null;
    }
  }

  /** Writes what is queued, waiting at most `timeoutMs`: a stalled Redis must not hold up a pod's exit. */
  async close(timeoutMs = 1_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.flush(), deadline]);
    clearTimeout(timer);
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.queued;
  }

  private async writeBatch(): Promise<void> {
    const count = Math.min(this.queued, this.maxBatch);
    if (!this.options.store.connected) {
      // Nothing to wait for: reconnecting happens in the background, and a record is worth
      // less than the memory a backlog of a whole outage would take.
      this.take(count);
      this.options.dropped.unavailable.inc(count);
      return;
    }
    const blob = this.encode(count);
    this.take(count);
    try {
      await this.options.store.writeExpiring(blob, this.options.ttlMs());
    } catch {
      this.options.dropped.failed.inc(count);
    }
  }

  /** The first `count` queued records as a key-value blob (see `KEY_VALUE_BLOB`). */
  private encode(count: number): Buffer {
    let size = 0;
    for (let index = 0; index < count; index += 1) {
      const slot = (this.head + index) % this.capacity;
      size += 8 + this.keyPrefixBytes + Buffer.byteLength(this.ids[slot]) + VALUE_HEADER_BYTES + this.bytesOf(this.versions[slot]).length;
    }
    // One batch is in flight at a time, so the scratch buffer is free again when the next is encoded.
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, this.scratch.length * 2));
    const blob = this.scratch;
    let at = 0;
    for (let index = 0; index < count; index += 1) {
      const slot = (this.head + index) % this.capacity;
      const keyStart = at + 4;
      at = keyStart + blob.write(this.options.keyPrefix, keyStart);
      at += blob.write(this.ids[slot], at);
      blob.writeUInt32LE(at - keyStart, keyStart - 4);
      const version = this.bytesOf(this.versions[slot]);
      at = blob.writeUInt32LE(VALUE_HEADER_BYTES + version.length, at);
      at = blob.writeUInt8(this.classes[slot], at);
      at = blob.writeFloatLE(this.scores[slot], at);
      at = blob.writeDoubleLE(this.times[slot], at);
      at += version.copy(blob, at);
    }
    return blob.subarray(0, at);
  }

  private take(count: number): void {
    for (let index = 0; index < count; index += 1) this.ids[(this.head + index) % this.capacity] = '';
    this.head = (this.head + count) % this.capacity;
    this.queued -= count;
  }

  private bytesOf(version: string): Buffer {
    let bytes = this.versionBytes.get(version);
    if (bytes === undefined) {
      bytes = Buffer.from(version);
      this.versionBytes.set(version, bytes);
    }
    return bytes;
  }
}
