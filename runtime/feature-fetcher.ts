/**
 * Fetches a request's model inputs from the online store in Feast's Redis layout (through
 * core/online-store, never a copy of it): one Redis key per distinct set of join keys, one HMGET
 * per key, and every request of a batch in one pipelined round trip under a strict timeout.
 * Values the request supplies itself are not fetched. A missing value, a timeout or Redis being
 * down serves the feature's declared default and counts a fallback; it never fails the request.
 */
import type { BundleInput } from '../core/bundle.js';
import type { Scalar } from '../core/catalog.js';
import { compileRedisKey, decodeValue, featureField, type JoinKeyType } from '../core/online-store/feast-layout.js';
import { Batcher } from './batcher.js';
import type { HashRead, OnlineStoreClient } from './online-store-client.js';
import { RequestError } from './request-error.js';

/** Why an input was served from its default. */
export type FallbackCause = 'missing' | 'invalid' | 'timeout' | 'unavailable';

/** An entity key value as the request gives it (validated here against the join key's type). */
export type EntityValue = string | number;

/** What one request asks for. */
export interface FeatureRequest {
  readonly entities: Readonly<Record<string, EntityValue>>;
  /** Request-time values by input ref; they win over the online store. */
  readonly provided: ReadonlyMap<string, Scalar>;
}

/** The inputs of one request in the fetcher's `refs` order, and which fell back. */
export interface FetchedFeatures {
  readonly values: Scalar[];
  readonly fallbacks: number;
}

/** Hooks for metrics. */
export interface FetcherObserver {
  fetched(seconds: number): void;
  /** Once per request that read the store: how many inputs it looked up, fallen back or not. */
  lookedUp(inputs: number): void;
  fellBack(ref: string, cause: FallbackCause): void;
}

interface Group {
  readonly joinKeys: readonly string[];
  readonly joinKeyTypes: readonly JoinKeyType[];
  /** Positions in `refs` of the group's inputs. */
  readonly members: readonly number[];
  readonly fields: readonly Buffer[];
  /** The group's Redis key from its join key values, in `joinKeys` order. */
  readonly redisKey: (values: readonly (string | number)[]) => Buffer;
}

type BatchOutcome = { readonly ok: true; readonly values: (Buffer | null)[][] } | { readonly ok: false; readonly cause: FallbackCause };

interface BatchItem {
  readonly reads: HashRead[];
}

/** Event-loop turns a feature batch may gather over while requests keep coming (bench/runtime: 2 to 4 did best). */
const FETCH_BATCH_TURNS = 4;

/** Fetches the union of a bundle's inputs. */
export class FeatureFetcher {
  /** Input refs, in the order of `FetchedFeatures.values`. */
  readonly refs: readonly string[];
  private readonly inputs: readonly BundleInput[];
  private readonly groups: readonly Group[];
  private readonly batcher: Batcher<BatchItem, BatchOutcome>;

  constructor(
    project: string,
    inputs: readonly BundleInput[],
    private readonly client: OnlineStoreClient | null,
    private readonly timeoutMs: number,
    private readonly observer: FetcherObserver,
    maxBatchSize = 256,
  ) {
    this.inputs = inputs;
    this.refs = inputs.map((input) => input.ref);
    this.groups = groupByJoinKeys(inputs, project);
    this.batcher = new Batcher((items) => this.runBatch(items), { maxBatchSize, maxWaitMs: 0, maxTurns: FETCH_BATCH_TURNS });
  }

  /** The union of the inputs of `versions`, deduplicated by ref, in first-seen order. */
  static unionOf(versions: readonly { readonly inputs: readonly BundleInput[] }[]): BundleInput[] {
    const seen = new Map<string, BundleInput>();
    for (const version of versions) for (const input of version.inputs) if (!seen.has(input.ref)) seen.set(input.ref, input);
    return [...seen.values()];
  }

  /** Fetches one request's inputs; throws `RequestError` only for a missing or malformed entity key. */
  async fetch(request: FeatureRequest): Promise<FetchedFeatures> {
    const wanted: { group: Group; read: HashRead }[] = [];
    for (const group of this.groups) {
      if (group.members.every((member) => request.provided.has(this.refs[member]))) continue;
      const values = group.joinKeys.map((name, index) => entityValue(request.entities, name, group.joinKeyTypes[index]));
      wanted.push({ group, read: { key: group.redisKey(values), fields: group.fields } });
    }
    const values = this.inputs.map((input) => request.provided.get(input.ref) ?? input.default);
    let fallbacks = 0;
    if (wanted.length === 0) return { values, fallbacks };
    const outcome = await this.batcher.submit({ reads: wanted.map((entry) => entry.read) });
    let lookedUp = 0;
    wanted.forEach(({ group }, readIndex) => {
      group.members.forEach((member, fieldIndex) => {
        const ref = this.refs[member];
        if (request.provided.has(ref)) return;
        lookedUp += 1;
        let cause: FallbackCause | null = outcome.ok ? null : outcome.cause;
        if (outcome.ok) {
          try {
            const decoded = decodeValue(this.inputs[member].dtype, outcome.values[readIndex][fieldIndex]);
            if (decoded === null) cause = 'missing';
            else values[member] = decoded;
          } catch {
            cause = 'invalid';
          }
        }
        if (cause !== null) {
          fallbacks += 1;
          this.observer.fellBack(ref, cause);
        }
      });
    });
    this.observer.lookedUp(lookedUp);
    return { values, fallbacks };
  }

  private async runBatch(items: readonly BatchItem[]): Promise<BatchOutcome[]> {
    const started = performance.now();
    const outcome = await this.readAll(items.flatMap((item) => item.reads));
    this.observer.fetched((performance.now() - started) / 1000);
    if (!outcome.ok) return items.map(() => outcome);
    let next = 0;
    return items.map((item) => {
      const values = outcome.values.slice(next, next + item.reads.length);
      next += item.reads.length;
      return { ok: true, values };
    });
  }

  private readAll(reads: readonly HashRead[]): Promise<BatchOutcome> {
    if (this.client === null || !this.client.connected) return Promise.resolve({ ok: false, cause: 'unavailable' });
    return new Promise((resolve) => {
      // When the timer fires, look once more after the poll phase: a reply that reached the socket
      // while our own event loop was busy is on time, and must not be discarded as a timeout.
      const timer = setTimeout(() => setImmediate(() => resolve({ ok: false, cause: 'timeout' })), this.timeoutMs);
      this.client!.readHashes(reads).then(
        (values) => {
          clearTimeout(timer);
          resolve({ ok: true, values });
        },
        () => {
          clearTimeout(timer);
          resolve({ ok: false, cause: 'unavailable' });
        },
      );
    });
  }
}

function groupByJoinKeys(inputs: readonly BundleInput[], project: string): Group[] {
  const groups = new Map<string, Group & { members: number[]; fields: Buffer[] }>();
  inputs.forEach((input, index) => {
    const signature = input.joinKeys.join('\u0000');
    let group = groups.get(signature);
    if (group === undefined) {
      const joinKeyTypes = input.joinKeys.map((_, at): JoinKeyType => input.joinKeyTypes?.[at] ?? 'string');
      const redisKey = compileRedisKey(input.joinKeys.map((name, at) => ({ name, valueType: joinKeyTypes[at] })), project);
      group = { joinKeys: input.joinKeys, joinKeyTypes, members: [], fields: [], redisKey };
      groups.set(signature, group);
    }
    group.members.push(index);
    group.fields.push(featureField(input.view, input.feature));
  });
  return [...groups.values()];
}

function entityValue(entities: Readonly<Record<string, EntityValue>>, name: string, type: JoinKeyType): string | number {
  const value = entities[name];
  const field = `entities.${name}`;
  if (value === undefined) throw new RequestError(400, field, 'is required to fetch the model inputs');
  if (type === 'string') {
    if (typeof value !== 'string' || value === '') throw new RequestError(400, field, 'must be a non-empty string');
    return value;
  }
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  const max = type === 'int32' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
  if (typeof number !== 'number' || !Number.isInteger(number) || Math.abs(number) > max) {
    throw new RequestError(400, field, `must be an ${type} integer`);
  }
  return number;
}
