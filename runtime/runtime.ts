/**
 * The runtime, wired: a bundle (given, or read from a file and watched), its models in a
 * registry (artifacts fetched from the bundle's store and cached), the online store client,
 * metrics, audit log and the HTTP server. `stop()` shuts down gracefully.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LABEL_DELAY_MS, type RuntimeBundle } from '../core/bundle.js';
import { FileStore } from '../core/artifact-store/file-store.js';
import { redisCredentialsFromEnv } from '../core/redis-credentials.js';
import { openArtifactStore } from '../core/artifact-store/open-store.js';
import { ArtifactCache } from './artifact-cache.js';
import { AuditLog } from './audit-log.js';
import { BundleActivator, type RetryBackoff } from './bundle-activator.js';
import { type BundleWatcher, readBundleFile, watchBundle } from './bundle-watcher.js';
import { FeedbackStore } from './feedback.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { PredictionLedger } from './prediction-ledger.js';
import { type DropCause, RedisPredictionLedger } from './redis-prediction-ledger.js';
import { createHttpServer } from './http-server.js';
import { createLogger, type LogSink } from './log.js';
import { createMetrics, type RuntimeMetrics } from './metrics.js';
import { ModelRegistry } from './model-registry.js';
import { connectOnlineStore, type OnlineStoreClient, type OnlineStoreConfig } from './online-store-client.js';
import type { InferenceBatching } from './served-version.js';
import { shutDown, type ShutdownOptions } from './shutdown.js';
import type { HandlerContext } from './v2-handlers.js';

/** How to run the runtime. */
export interface RuntimeOptions {
  /** The bundle file to serve and watch (a mounted ConfigMap). Give this or `bundle`. */
  readonly bundleFile?: string;
  /** A bundle to serve as it is (`slipway serve --env` builds it from the catalog); not watched. */
  readonly bundle?: RuntimeBundle;
  /** A local directory that replaces the bundle's artifact store (`slipway serve --artifacts`). */
  readonly artifactRoot?: string;
  /** Where a bundle's store given as a relative directory resolves; default the working directory. */
  readonly storeRoot?: string;
  /** Where fetched artifacts are kept across reloads and restarts; `null` keeps none. Default: none. */
  readonly cacheDir?: string | null;
  /** Backoff of a bundle that fails to load; default 1 s doubling to 60 s. */
  readonly retry?: RetryBackoff;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 0.0.0.0. */
  readonly host?: string;
  /** Overrides the bundle's online store; `null` runs without one (every input from defaults). */
  readonly onlineStore?: OnlineStoreConfig | null;
  /** Overrides the bundle's feature fetch timeout. */
  readonly featureTimeoutMs?: number;
  /** Inference batch bounds; default 64 rows, end of the event-loop turn. */
  readonly batching?: InferenceBatching;
  /** Overrides the bundle's audit sample rate. */
  readonly auditSampleRate?: number;
  /** Overrides the join keys routing is sticky by. */
  readonly routingKeys?: readonly string[];
  /** Where log lines go; default stderr. */
  readonly log?: LogSink;
  /** Where audit lines go; default stdout. */
  readonly audit?: LogSink;
  readonly maxBodyBytes?: number;
  /** Timeouts, minimum body rate and connection cap (./connection-limits.ts); defaults when absent. */
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /** How often the bundle file is checked; default 1 s. */
  readonly watchIntervalMs?: number;
  readonly shutdown?: ShutdownOptions;
  /** How long a replaced model stays loaded for requests still holding it; default 5 s. */
  readonly releaseGraceMs?: number;
}

/** A running runtime. */
export interface Runtime {
  readonly url: string;
  readonly port: number;
  readonly registry: ModelRegistry;
  readonly metrics: RuntimeMetrics;
  /** Checks the bundle file now and applies a change; resolves when done. */
  reload(): Promise<void>;
  /** Readiness false, drain, close everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the runtime; resolves once the server listens and the first activation was tried. If the
 * stable version could not load, it keeps trying in the background and stays unready meanwhile.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const logSink = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const auditSink = options.audit ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = createLogger(logSink);
  if ((options.bundle === undefined) === (options.bundleFile === undefined)) throw new Error("give exactly one of 'bundle' or 'bundleFile'");
  const initial = options.bundleFile === undefined ? { bundle: options.bundle!, digest: '' } : await readBundleFile(options.bundleFile);

  let registry: ModelRegistry | null = null;
  const metrics = createMetrics(() => registry !== null && publishDrift(registry, metrics));
  const storeConfig = options.onlineStore === undefined ? initial.bundle.onlineStore?.redis ?? null : options.onlineStore;
  // The password comes from the pod's Secret (SLIPWAY_REDIS_PASSWORD), never from the bundle.
  const onlineStore: OnlineStoreClient | null = storeConfig === null ? null : connectOnlineStore(storeConfig, logger, redisCredentialsFromEnv(process.env));
  registry = new ModelRegistry({
    artifactsFor: artifactCaches(options),
    batching: options.batching ?? { maxBatchSize: 64, maxWaitMs: 0 },
    metrics,
    logger,
    onlineStore,
    featureTimeoutMs: options.featureTimeoutMs,
    routingKeys: options.routingKeys,
    releaseGraceMs: options.releaseGraceMs,
  });
  const activator = new BundleActivator(registry, metrics, logger, options.retry);
  // A stable version that cannot load yet does not stop the server: it answers liveness, stays
  // unready, and the activator keeps trying (the log and slipway_artifact_fetches_total say why).
  await activator.activate(initial.bundle).catch(() => undefined);
  // Give Redis a moment so the first requests get features, but never refuse to start without it.
  await onlineStore?.waitConnected(1_000);

  let ready = true;
  const feedback = predictionLedger(initial.bundle, onlineStore, metrics, () => registry!.current?.bundle ?? initial.bundle);
  const context: HandlerContext = {
    registry,
    metrics,
    audit: new AuditLog(() => options.auditSampleRate ?? registry!.current?.bundle.auditSampleRate ?? 0, auditSink),
    feedback,
    isReady: () => ready && registry!.current !== null,
    nextRequestId: () => feedback.newId(),
  };
  const http = createHttpServer(context, logger, { maxBodyBytes: options.maxBodyBytes, limits: options.connectionLimits });
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;

  const activeRegistry = registry;
  // A failed bundle is the activator's to retry and log; the watcher only reports changes.
  const apply = async (bundle: RuntimeBundle) => {
    const set = await activator.activate(bundle).catch(() => null);
    if (set !== null) logger.log('info', 'bundle reloaded', { model: set.bundle.model, versions: [...set.versions.keys()] });
  };
  const watcher: BundleWatcher | null =
    options.bundleFile === undefined ? null : watchBundle(options.bundleFile, initial.digest, apply, logger, options.watchIntervalMs);

  let stopping: Promise<void> | null = null;
  return {
    url: `http://${options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    port,
    registry,
    metrics,
    reload: () => watcher?.check() ?? Promise.resolve(),
    stop() {
      stopping ??= shutDown(
        http,
        () => {
          ready = false;
          watcher?.stop();
          activator.stop();
        },
        async () => {
          await activeRegistry.close();
          // Records still queued go out before the connection closes.
          await feedback.close();
          await onlineStore?.close();
        },
        options.shutdown,
      );
      return stopping;
    },
  };
}

/**
 * Where predictions wait for their labels: the online store when there is one (any replica joins
 * any label), else this process's memory (`slipway serve` without Redis).
 */
function predictionLedger(bundle: RuntimeBundle, store: OnlineStoreClient | null, metrics: RuntimeMetrics, current: () => RuntimeBundle): PredictionLedger {
  if (store === null) return new FeedbackStore(`${randomBytes(6).toString('base64url')}-`);
  const dropped = (cause: DropCause) => metrics.predictionRecordsDropped.labels({ model: bundle.model, cause });
  return new RedisPredictionLedger({
    store,
    keyPrefix: `slipway:${bundle.project}:${bundle.environment}:${bundle.model}:prediction:`,
    ttlMs: () => current().labelDelayMs ?? DEFAULT_LABEL_DELAY_MS,
    dropped: { 'queue-full': dropped('queue-full'), unavailable: dropped('unavailable'), failed: dropped('failed') },
  });
}

/** One artifact cache per store URL: the bundle's store, or the local directory that replaces it. */
function artifactCaches(options: RuntimeOptions): (bundle: RuntimeBundle) => ArtifactCache {
  const caches = new Map<string, ArtifactCache>();
  const cacheDir = options.cacheDir ?? null;
  return (bundle) => {
    const config = options.artifactRoot === undefined ? bundle.artifactStore : { url: options.artifactRoot };
    const id = `${config.url}|${config.endpoint ?? ''}`;
    let cache = caches.get(id);
    if (cache === undefined) {
      // A relative directory store resolves against the working directory (the image's /app in a pod).
      const store = options.artifactRoot === undefined ? openArtifactStore(config, options.storeRoot ?? process.cwd()) : new FileStore(options.artifactRoot);
      cache = new ArtifactCache(store, cacheDir);
      caches.set(id, cache);
    }
    return cache;
  };
}

/** Sets the drift gauges from every served version's window (runs before each scrape). */
function publishDrift(registry: ModelRegistry, metrics: RuntimeMetrics): void {
  const set = registry.current;
  if (set === null) return;
  metrics.featurePsi.reset();
  metrics.scorePsi.reset();
  metrics.driftWindowSamples.reset();
  for (const version of set.versions.values()) {
    const labels = { model: set.bundle.model, version: version.version };
    const snapshot = version.drift.snapshot();
    metrics.driftWindowSamples.set(labels, snapshot.samples);
    // Below the policy's minimum the PSI is noise; export nothing rather than a false alarm.
    if (snapshot.samples === 0 || snapshot.samples < version.minDriftSamples) continue;
    for (const input of snapshot.inputs) metrics.featurePsi.set({ ...labels, feature: input.ref }, input.psi);
    if (snapshot.scorePsi !== null) metrics.scorePsi.set(labels, snapshot.scorePsi);
  }
}
