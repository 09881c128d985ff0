/**
 * Writes online features into a real Redis (or Redis Cluster) in Feast's layout through
 * core/online-store's encoders, the way the materializer does, and starts runtimes on fixture
 * bundles for the runtime tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { BundleInput, RuntimeBundle } from '../../core/bundle.js';
import type { Scalar } from '../../core/catalog.js';
import { encodeTimestamp, encodeValue, featureField, redisKeyOf, timestampField } from '../../core/online-store/feast-layout.js';
import { encodeRows } from '../../core/model-input-encoding.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../runtime/runtime.js';
import { type FixtureBundle, writeFixtureBundle } from '../support/onnx-fixture.js';

/** One entity's feature values by input ref. */
export interface EntityFeatures {
  readonly entities: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, Scalar>>;
}

/** Writes `rows` for the inputs of `bundle` (every input whose join keys the row's entities cover). */
export async function writeFeatures(redis: Redis | Cluster, bundle: RuntimeBundle, rows: readonly EntityFeatures[], eventTimeMs = Date.now()): Promise<void> {
  const inputs = allInputs(bundle);
  for (const row of rows) {
    const byKey = new Map<string, { key: Buffer; fields: (Buffer | string)[] }>();
    for (const input of inputs) {
      if (!(input.ref in row.values)) continue;
      if (!input.joinKeys.every((key) => key in row.entities)) continue;
      const key = redisKeyOf(input.joinKeys.map((name) => ({ name, valueType: 'string' as const, value: row.entities[name] })), bundle.project);
      const id = key.toString('hex');
      if (!byKey.has(id)) byKey.set(id, { key, fields: [] });
      byKey.get(id)!.fields.push(featureField(input.view, input.feature), encodeValue(input.dtype, row.values[input.ref]));
      byKey.get(id)!.fields.push(timestampField(input.view), encodeTimestamp(eventTimeMs));
    }
    for (const { key, fields } of byKey.values()) await redis.hset(key, ...fields);
  }
}

/** Every input of every version, deduplicated by ref. */
export function allInputs(bundle: RuntimeBundle): BundleInput[] {
  const seen = new Map<string, BundleInput>();
  for (const version of bundle.versions) for (const input of version.inputs) seen.set(input.ref, input);
  return [...seen.values()];
}

/** The score a fixture version gives `values` (by ref), as the runtime should answer. */
export function expectedScore(fixture: FixtureBundle, version: string, values: Readonly<Record<string, Scalar>>): number {
  const spec = fixture.bundle.versions.find((candidate) => candidate.version === version)!;
  const row = encodeRows(spec.inputs, [spec.inputs.map((input) => values[input.ref] ?? input.default)]);
  return Math.fround(fixture.models.get(version)!.score(row));
}

/** A cardholder's stored features and the transaction features a request sends. */
export function sampleUser(index: number): { user: EntityFeatures; transaction: Record<string, Scalar> } {
  return {
    user: {
      entities: { user_id: `user-${index}` },
      values: {
        'user-features:cardholder_age': 20 + (index % 60),
        'behavioral-features:velocity_last_24h': index % 40,
        'behavioral-features:device_trust_score': (index * 7) % 100,
        'behavioral-features:location_mismatch': index % 3 === 0,
      },
    },
    transaction: {
      amount: 10 + ((index * 37) % 1500),
      transaction_hour: index % 24,
      merchant_category: ['Electronics', 'Travel', 'Grocery', 'Restaurants', 'Fashion', 'Other'][index % 6],
      foreign_transaction: index % 5 === 0,
    },
  };
}

/** A runtime on a fixture bundle in a temp artifact root; `dispose()` stops it and removes files. */
export async function startFixtureRuntime(
  environment: string,
  overrides: (bundle: RuntimeBundle) => RuntimeBundle,
  options: Partial<RuntimeOptions> = {},
): Promise<{ runtime: Runtime; fixture: FixtureBundle; root: string; logs: string[]; audit: string[]; dispose: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-runtime-'));
  const fixture = await writeFixtureBundle(root, environment, overrides);
  const logs: string[] = [];
  const audit: string[] = [];
  const runtime = await startRuntime({
    bundle: options.bundleFile === undefined ? fixture.bundle : undefined,
    artifactRoot: root,
    port: 0,
    host: '127.0.0.1',
    log: (line) => logs.push(line),
    audit: (line) => audit.push(line),
    ...options,
  });
  return {
    runtime,
    fixture,
    root,
    logs,
    audit,
    async dispose() {
      await runtime.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The value of one sample in a Prometheus text exposition, or null. */
export function sampleValue(exposition: string, name: string, labels: Readonly<Record<string, string>> = {}): number | null {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

/** Scores from ORT and the JavaScript evaluation agree to float32 rounding of the tree sum. */
export function assertScore(actual: unknown, expected: number): void {
  if (typeof actual !== 'number' || Math.abs(actual - expected) > 1e-6) throw new Error(`score ${String(actual)} is not ${expected}`);
}
