/**
 * Keeps trying to serve the bundle Git declares. A bundle whose artifacts cannot be fetched or
 * loaded leaves what serves untouched and is tried again with exponential backoff until it loads
 * or a newer bundle replaces it: a store that is down for a minute delays a canary step by a
 * minute, and never needs a restart.
 */
import type { RuntimeBundle } from '../core/bundle.js';
import type { Logger } from './log.js';
import type { RuntimeMetrics } from './metrics.js';
import type { ModelRegistry, ServingSet } from './model-registry.js';

/** Backoff between attempts. */
export interface RetryBackoff {
  /** Delay after the first failure; default 1 s. */
  readonly initialMs: number;
  /** Longest delay; default 60 s. */
  readonly maxMs: number;
}

/** The default backoff: 1 s, doubling, at most a minute. */
export const DEFAULT_BACKOFF: RetryBackoff = { initialMs: 1_000, maxMs: 60_000 };

/** Activates bundles on a registry, retrying failed ones. */
export class BundleActivator {
  private wanted: RuntimeBundle | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delayMs: number;
  private stopped = false;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly metrics: RuntimeMetrics,
    private readonly logger: Logger,
    private readonly backoff: RetryBackoff = DEFAULT_BACKOFF,
  ) {
    this.delayMs = backoff.initialMs;
  }

  /**
   * Makes `bundle` the one to serve and tries it now. Resolves with the serving set, or rejects
   * with the first attempt's error, after which it keeps retrying in the background.
   */
  async activate(bundle: RuntimeBundle): Promise<ServingSet> {
    this.wanted = bundle;
    this.clearTimer();
    this.delayMs = this.backoff.initialMs;
    return this.attempt(bundle);
  }

  /** Stops retrying. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private async attempt(bundle: RuntimeBundle): Promise<ServingSet> {
    try {
      const set = await this.registry.activate(bundle);
      this.metrics.bundleReloads.inc({ result: 'ok' });
      this.metrics.serving.set({ model: bundle.model }, 1);
      // At start-up a canary or shadow that failed is left out so that stable can serve; keep trying it.
      if (set.versions.size < bundle.versions.length) this.scheduleRetry(bundle, new Error('a canary or shadow version is left out until it loads'));
      return set;
    } catch (error) {
      this.metrics.bundleReloads.inc({ result: 'failed' });
      if (this.registry.current === null) this.metrics.serving.set({ model: bundle.model }, 0);
      this.scheduleRetry(bundle, error as Error);
      throw error;
    }
  }

  private scheduleRetry(bundle: RuntimeBundle, error: Error): void {
    if (this.stopped || this.wanted !== bundle) return;
    const delayMs = this.delayMs;
    this.delayMs = Math.min(this.backoff.maxMs, this.delayMs * 2);
    this.logger.log('error', 'bundle not served yet; retrying', {
      model: bundle.model,
      versions: bundle.versions.map((version) => version.version),
      retryInMs: delayMs,
      stillServing: this.registry.current === null ? [] : [...this.registry.current.versions.keys()],
      error: error.message,
    });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.wanted !== bundle || this.stopped) return;
      this.attempt(bundle).then(
        (set) => this.logger.log('info', 'bundle served after a retry', { model: bundle.model, versions: [...set.versions.keys()] }),
        () => undefined, // logged and rescheduled by attempt()
      );
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
