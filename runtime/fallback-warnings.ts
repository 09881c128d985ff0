/**
 * A slow or unreachable online store makes the runtime answer from feature defaults: every answer
 * still says 200, so the log must say it, at warn level, without a line per request. The first
 * fallback of a quiet period is logged at once; those that follow within the interval are counted
 * and reported with the next line.
 */
import type { FallbackCause } from './feature-fetcher.js';
import type { Logger } from './log.js';

/** Causes that mean the store itself failed (not a missing or invalid value). */
type StoreFailure = Extract<FallbackCause, 'timeout' | 'unavailable'>;

/** Rate-limited warnings for one model's fallbacks. */
export class FallbackWarnings {
  private counts: Record<StoreFailure, number> = { timeout: 0, unavailable: 0 };
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly model: string,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Notes one input served from its default; logs when the interval since the last line has passed. */
  note(cause: FallbackCause): void {
    if (cause !== 'timeout' && cause !== 'unavailable') return;
    this.counts[cause] += 1;
    const now = this.now();
    if (now - this.lastMs < this.intervalMs) return;
    const since = Number.isFinite(this.lastMs) ? Math.round(now - this.lastMs) : 0;
    this.logger.log('warn', 'inputs served from their defaults: the online store is slow or unreachable', { model: this.model, ...this.counts, sinceMs: since });
    this.counts = { timeout: 0, unavailable: 0 };
    this.lastMs = now;
  }
}
