/**
 * The runtime, wired: a bundle (given, or read from a file and watched), its models in a
 * registry, the online store client, metrics, audit log and the HTTP server. `startRuntime`
 * resolves once the server listens and the stable version serves; `stop()` shuts down gracefully.
 */
import type { AddressInfo } from 'node:net';
import type { RuntimeBundle } from '../core/bundle.js';
import { AuditLog } from './audit-log.js';
import { type BundleWatcher, readBundleFile, watchBundle } from './bundle-watcher.js';
import { FeedbackStore } from './feedback.js';
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
  /** Where relative artifact URIs resolve. */
  readonly artifactRoot: string;
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

/** Starts the runtime; rejects (and cleans up) if the stable version cannot be loaded. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const logSink = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const auditSink = options.audit ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logger = createLogger(logSink);
  if ((options.bundle === undefined) === (options.bundleFile === undefined)) throw new Error("give exactly one of 'bundle' or 'bundleFile'");
  const initial = options.bundleFile === undefined ? { bundle: options.bundle!, digest: '' } : await readBundleFile(options.bundleFile);

  let registry: ModelRegistry | null = null;
  const metrics = createMetrics(() => registry !== null && publishDrift(registry, metrics));
  const storeConfig = options.onlineStore === undefined ? initial.bundle.onlineStore?.redis ?? null : options.onlineStore;
  const onlineStore: OnlineStoreClient | null = storeConfig === null ? null : connectOnlineStore(storeConfig, logger);
  registry = new ModelRegistry({
    artifactRoot: options.artifactRoot,
    batching: options.batching ?? { maxBatchSize: 64, maxWaitMs: 0 },
    metrics,
    logger,
    onlineStore,
    featureTimeoutMs: options.featureTimeoutMs,
    routingKeys: options.routingKeys,
    releaseGraceMs: options.releaseGraceMs,
  });
  const reloads = metrics.bundleReloads;
  try {
    await registry.activate(initial.bundle);
  } catch (error) {
    await onlineStore?.close();
    throw error;
  }
  // Give Redis a moment so the first requests get features, but never refuse to start without it.
  await onlineStore?.waitConnected(1_000);

  let ready = true;
  const feedback = new FeedbackStore(`${process.pid.toString(36)}-${Date.now().toString(36)}-`);
  const context: HandlerContext = {
    registry,
    metrics,
    audit: new AuditLog(() => options.auditSampleRate ?? registry!.current?.bundle.auditSampleRate ?? 0, auditSink),
    feedback,
    isReady: () => ready,
    nextRequestId: () => feedback.newId(),
  };
  const http = createHttpServer(context, logger, { maxBodyBytes: options.maxBodyBytes });
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;

  const activeRegistry = registry;
  const apply = async (bundle: RuntimeBundle) => {
    try {
      const set = await activeRegistry.activate(bundle);
      reloads.inc({ result: 'ok' });
      logger.log('info', 'bundle reloaded', { model: set.bundle.model, versions: [...set.versions.keys()] });
    } catch (error) {
      reloads.inc({ result: 'failed' });
      throw error;
    }
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
        },
        async () => {
          await activeRegistry.close();
          await onlineStore?.close();
        },
        options.shutdown,
      );
      return stopping;
    },
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
