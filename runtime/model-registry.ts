/**
 * What serves right now: the versions of the current bundle, loaded and verified, with their
 * router and feature fetcher, swapped atomically as one `ServingSet`. A new bundle is loaded
 * beside the old one; if any of its versions fails to load, the old set keeps serving untouched
 * (at start-up, only the stable version is required: a broken canary or shadow is left out and
 * its traffic goes to stable). Requests hold the set they started with, so a swap never fails one.
 */
import type { BundleInput, BundleVersion, RuntimeBundle } from '../core/bundle.js';
import { FeatureFetcher } from './feature-fetcher.js';
import type { Logger } from './log.js';
import type { ArtifactCache } from './artifact-cache.js';
import { ArtifactError, type LoadedModel, loadModel } from './model-loader.js';
import { FallbackWarnings } from './fallback-warnings.js';
import type { RuntimeMetrics } from './metrics.js';
import type { OnlineStoreClient } from './online-store-client.js';
import { OUTCOMES } from './prediction-ledger.js';
import { type InferenceBatching, ServedVersion } from './served-version.js';
import { defaultRoutingKeys, TrafficRouter } from './traffic-router.js';

/** One consistent view of what serves. */
export interface ServingSet {
  readonly bundle: RuntimeBundle;
  /** Every loaded version by version string (stable, canary and shadow). */
  readonly versions: ReadonlyMap<string, ServedVersion>;
  readonly router: TrafficRouter<ServedVersion>;
  readonly shadows: readonly ServedVersion[];
  readonly fetcher: FeatureFetcher;
  /** For each served version, positions of its inputs in `fetcher.refs`. */
  readonly inputPositions: ReadonlyMap<ServedVersion, readonly number[]>;
  /** Request-time inputs by ref and, where unambiguous, by bare feature name. */
  readonly inputsByName: ReadonlyMap<string, BundleInput>;
  readonly routingKeys: readonly string[];
}

/** Registry settings. */
export interface RegistryOptions {
  /** Where a bundle's artifacts are fetched from and cached. */
  readonly artifactsFor: (bundle: RuntimeBundle) => ArtifactCache;
  readonly batching: InferenceBatching;
  readonly metrics: RuntimeMetrics;
  readonly logger: Logger;
  readonly onlineStore: OnlineStoreClient | null;
  /** Overrides the online store's timeout from the bundle. */
  readonly featureTimeoutMs?: number;
  /** Overrides the join keys routing is sticky by. */
  readonly routingKeys?: readonly string[];
  /** How long a replaced model stays loaded for requests still holding it. Default 5 s. */
  readonly releaseGraceMs?: number;
}

/** Holds the serving set and replaces it. */
export class ModelRegistry {
  private currentSet: ServingSet | null = null;
  /** Loaded models by artifact file, digest and width. */
  private readonly models = new Map<string, LoadedModel>();
  /** Models being fetched and loaded now, by the same key. */
  private readonly loading = new Map<string, Promise<LoadedModel>>();
  private readonly keys = new WeakMap<ServedVersion, { modelKey: string }>();
  private activating: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RegistryOptions) {}

  /** The set serving now; null before the first successful activation. */
  get current(): ServingSet | null {
    return this.currentSet;
  }

  /**
   * Loads `bundle` and makes it the serving set. Throws (and changes nothing) when a version
   * fails to load, except that at start-up a failing canary or shadow is left out.
   */
  activate(bundle: RuntimeBundle): Promise<ServingSet> {
    // Serialize activations so that two quick bundle changes cannot interleave.
    const next = this.activating.then(() => this.load(bundle));
    this.activating = next.catch(() => undefined);
    return next;
  }

  /** Releases every loaded model (at shutdown, after requests drained). */
  async close(): Promise<void> {
    await Promise.all([...(this.currentSet?.versions.values() ?? [])].map((version) => version.idle()));
    await Promise.all([...this.models.values()].map((model) => model.release().catch(() => undefined)));
    this.models.clear();
  }

  private async load(bundle: RuntimeBundle): Promise<ServingSet> {
    const startUp = this.currentSet === null;
    const loaded: ServedVersion[] = [];
    // Every version's artifact is fetched at once: a stable, a canary and a shadow on a slow
    // store start in the time of the slowest, not of their sum. Outcomes are judged in order.
    const served = await Promise.allSettled(bundle.versions.map((spec) => this.serve(bundle, spec)));
    for (const [index, spec] of bundle.versions.entries()) {
      const outcome = served[index] as PromiseSettledResult<ServedVersion>;
      if (outcome.status === 'fulfilled') {
        loaded.push(outcome.value);
        continue;
      }
      const error: unknown = outcome.reason;
      const message = error instanceof ArtifactError ? error.message : `version ${spec.version}: ${(error as Error).message}`;
      if (!startUp || spec.role === 'stable') {
        this.releaseUnused();
        throw new ArtifactError(message, error instanceof ArtifactError ? error.problem : 'invalid', { cause: error });
      }
      this.options.logger.log('error', 'version left out: it failed to load', { model: bundle.model, version: spec.version, error: message });
    }
    const set = this.assemble(bundle, loaded);
    this.currentSet = set;
    this.publishInfo(set);
    this.releaseUnused();
    await this.options.artifactsFor(bundle).retain([...set.versions.values()].map((version) => version.spec.artifact.sha256));
    return set;
  }

  /** A served version for `spec`, reusing a loaded model when it is unchanged. */
  private async serve(bundle: RuntimeBundle, spec: BundleVersion): Promise<ServedVersion> {
    // Keyed by content: the same bytes at another URI are the same model.
    const modelKey = `${spec.artifact.sha256}|${spec.inputs.length}`;
    const model = this.models.get(modelKey) ?? (await this.loadOnce(modelKey, bundle, spec));
    const version = new ServedVersion(spec, model, bundle, this.options.metrics, this.options.batching);
    this.keys.set(version, { modelKey });
    return version;
  }

  /** Loads the model behind `modelKey`, sharing one fetch among versions that load it at the same time. */
  private loadOnce(modelKey: string, bundle: RuntimeBundle, spec: BundleVersion): Promise<LoadedModel> {
    let pending = this.loading.get(modelKey);
    if (pending === undefined) {
      pending = this.fetchAndLoad(bundle, spec)
        .then((model) => {
          this.models.set(modelKey, model);
          return model;
        })
        .finally(() => this.loading.delete(modelKey));
      this.loading.set(modelKey, pending);
    }
    return pending;
  }

  /** Fetches (or reads from the cache), verifies and loads one version's artifact, counting the outcome. */
  private async fetchAndLoad(bundle: RuntimeBundle, spec: BundleVersion): Promise<LoadedModel> {
    const count = (result: string) => this.options.metrics.artifactFetches.inc({ model: bundle.model, version: spec.version, result });
    try {
      const fetched = await this.options.artifactsFor(bundle).fetch(spec.artifact.uri, spec.artifact.sha256);
      const model = await loadModel(fetched.bytes, fetched.origin, spec.artifact.sha256, spec.inputs.length);
      count(fetched.from === 'cache' ? 'cached' : 'ok');
      return model;
    } catch (error) {
      count(error instanceof ArtifactError ? error.problem : 'invalid');
      throw error;
    }
  }

  /** Releases models the serving set no longer uses, after a grace period. */
  private releaseUnused(): void {
    const inUse = [...(this.currentSet?.versions.values() ?? [])].map((version) => this.keys.get(version)!);
    const models = new Set(inUse.map((keys) => keys.modelKey));
    for (const [key, model] of [...this.models]) {
      if (models.has(key)) continue;
      this.models.delete(key);
      // Requests that started before the swap may still run batches on it; let them finish.
      setTimeout(() => void model.release().catch(() => undefined), this.options.releaseGraceMs ?? 5_000).unref();
    }
  }

  private assemble(bundle: RuntimeBundle, loaded: readonly ServedVersion[]): ServingSet {
    const answering = loaded.filter((version) => version.spec.role !== 'shadow');
    const stable = answering.find((version) => version.spec.role === 'stable')!;
    const canaries = answering.filter((version) => version.spec.role === 'canary');
    const canaryWeight = canaries.reduce((sum, version) => sum + version.spec.weight, 0);
    // Canary first, so that it owns the low hash buckets; stable takes whatever the canaries do not.
    const router = new TrafficRouter([
      ...canaries.map((version) => ({ weight: version.spec.weight, target: version })),
      { weight: Math.max(0, 100 - canaryWeight), target: stable },
    ]);
    const inputs = FeatureFetcher.unionOf(loaded.map((version) => version.spec));
    const { metrics } = this.options;
    const fetchDuration = metrics.featureFetchDuration.labels({ model: bundle.model });
    const lookups = metrics.featureLookups.labels({ model: bundle.model });
    const fallbackCounters = new Map<string, ReturnType<typeof metrics.featureFallbacks.labels>>();
    const warnings = this.fallbackWarnings(bundle.model);
    const fetcher = new FeatureFetcher(
      bundle.project,
      inputs,
      this.options.onlineStore,
      this.options.featureTimeoutMs ?? bundle.onlineStore?.timeoutMs ?? 5,
      {
        fetched: (seconds) => fetchDuration.observe(seconds),
        lookedUp: (inputs) => lookups.inc(inputs),
        fellBack: (ref, cause) => {
          const key = `${ref}|${cause}`;
          let counter = fallbackCounters.get(key);
          if (counter === undefined) {
            counter = metrics.featureFallbacks.labels({ model: bundle.model, feature: ref, cause });
            fallbackCounters.set(key, counter);
          }
          counter.inc();
          warnings.note(cause);
        },
      },
    );
    const position = new Map(fetcher.refs.map((ref, index) => [ref, index]));
    const inputPositions = new Map(loaded.map((version) => [version, version.inputRefs.map((ref) => position.get(ref)!)]));
    return {
      bundle,
      versions: new Map(loaded.map((version) => [version.version, version])),
      router,
      shadows: loaded.filter((version) => version.spec.role === 'shadow'),
      fetcher,
      inputPositions,
      inputsByName: inputNames(inputs),
      routingKeys: this.options.routingKeys ?? defaultRoutingKeys(inputs),
    };
  }

  // One rate limit per model across activations, so a reload does not reset it.
  private fallbackWarnings(model: string): FallbackWarnings {
    let warnings = this.warningsByModel.get(model);
    if (warnings === undefined) {
      warnings = new FallbackWarnings(this.options.logger, model);
      this.warningsByModel.set(model, warnings);
    }
    return warnings;
  }

  private readonly warningsByModel = new Map<string, FallbackWarnings>();

  private publishInfo(set: ServingSet): void {
    const { modelInfo, outcomes } = this.options.metrics;
    modelInfo.reset();
    for (const version of set.versions.values()) {
      // Every outcome series exists from the start at 0, so increase() over the fleet counts a
      // pod's first label too (a series born at 1 has no earlier sample to increase from).
      for (const outcome of OUTCOMES) outcomes.inc({ model: set.bundle.model, version: version.version, outcome }, 0);
      // The sha256 of the loaded bytes: the controller checks it against the card before judging a canary.
      modelInfo.set({ model: set.bundle.model, version: version.version, role: version.spec.role, weight: String(effectiveWeight(set, version)), sha256: version.sha256 }, 1);
    }
  }
}

/** The weight a version really gets: a left-out canary's share goes to stable. */
export function effectiveWeight(set: ServingSet, version: ServedVersion): number {
  if (version.spec.role === 'shadow') return 0;
  if (version.spec.role === 'canary') return version.spec.weight;
  const canaries = [...set.versions.values()].filter((other) => other.spec.role === 'canary');
  return Math.max(0, 100 - canaries.reduce((sum, other) => sum + other.spec.weight, 0));
}

function inputNames(inputs: readonly BundleInput[]): Map<string, BundleInput> {
  const byName = new Map<string, BundleInput>();
  const counts = new Map<string, number>();
  for (const input of inputs) counts.set(input.feature, (counts.get(input.feature) ?? 0) + 1);
  for (const input of inputs) {
    byName.set(input.ref, input);
    if (counts.get(input.feature) === 1) byName.set(input.feature, input);
  }
  return byName;
}
