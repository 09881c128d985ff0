/**
 * `--watch`: reconcile on a timer and at once after a merged PR (webhook), only while this replica
 * holds the Lease. A failed reconcile is logged and retried on the next tick; only a terminal forge
 * error (bad credentials) ends the loop. Stopping (SIGTERM) lets the reconcile in flight finish,
 * then gives the Lease up so the next replica leads at once.
 */
import { TerminalForgeError } from './forge/forge.js';
import type { Log } from './reconcile.js';
import type { LeaseElector } from './sources/kubernetes.js';

/** What the loop needs of leader election. */
export type Elector = Pick<LeaseElector, 'tryAcquireOrRenew' | 'release'>;

/** What the loop needs. */
export interface WatchOptions {
  readonly reconcile: () => Promise<unknown>;
  readonly intervalMs: number;
  readonly elector?: Elector | null;
  /** How often a follower retries the lease. */
  readonly leaseRetryMs?: number;
  readonly signal: AbortSignal;
  readonly log: Log;
}

/** A handle the webhook uses to cut the wait short. */
export interface WatchTrigger {
  trigger(): void;
}

/** Runs until `signal` aborts; resolves then, rejects on a terminal error. */
export function watch(options: WatchOptions): { done: Promise<void> } & WatchTrigger {
  let wake: (() => void) | null = null;
  let pending = false;
  const trigger = () => {
    pending = true;
    wake?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (pending || options.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        options.signal.removeEventListener('abort', done);
        resolve();
      }
      wake = done;
      options.signal.addEventListener('abort', done, { once: true });
    });
  const loop = async () => {
    while (!options.signal.aborted) {
      if (options.elector) {
        const lease = await options.elector.tryAcquireOrRenew();
        if (!lease.leader) {
          options.log('not the leader; waiting', { holder: lease.holder, error: lease.error });
          await sleep(options.leaseRetryMs ?? 5_000);
          continue;
        }
      }
      pending = false;
      try {
        await options.reconcile();
      } catch (error) {
        if (error instanceof TerminalForgeError) throw error;
        options.log('reconcile failed; retrying on the next tick', { error: (error as Error).message, cause: ((error as Error).cause as Error | undefined)?.message });
      }
      await sleep(options.intervalMs);
    }
  };
  const releasing = async () => {
    try {
      await loop();
    } finally {
      if (options.elector && (await options.elector.release())) options.log('released the lease');
    }
  };
  return { done: releasing(), trigger };
}
