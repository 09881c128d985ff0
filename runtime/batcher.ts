/**
 * Coalesces work submitted during one event-loop turn (or within a bounded wait) into one call,
 * bounded in size. The feature fetcher uses it for one pipelined Redis round trip per batch and
 * each served version for one ONNX Runtime `run()` per batch: on this machine that is ~3× the
 * throughput of one call per request (see ../shared/NOTES.md).
 */

/** Batch bounds. */
export interface BatcherOptions {
  /** A batch is run as soon as it has this many items. */
  readonly maxBatchSize: number;
  /** 0: run at the end of the current event-loop turn (see `maxTurns`); otherwise wait at most this long. */
  readonly maxWaitMs: number;
  /**
   * With `maxWaitMs` 0: while a turn of the event loop brings more items, wait for the next one,
   * up to this many turns in all; default 1. A busy server then sends fewer, larger batches (at
   * concurrency 16 this served 25 % more requests/s), and an idle one waits no longer than before,
   * because a turn that brings nothing runs the batch.
   */
  readonly maxTurns?: number;
}

/** Runs a batch; must return one result per item, in order. */
export type BatchRunner<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

interface Pending<I, O> {
  readonly item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/** A micro-batcher over one runner. */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly runner: BatchRunner<I, O>,
    private readonly options: BatcherOptions,
  ) {
    if (!(options.maxBatchSize >= 1)) throw new Error(`'maxBatchSize' must be >= 1 (got ${options.maxBatchSize})`);
    if (!(options.maxWaitMs >= 0)) throw new Error(`'maxWaitMs' must be >= 0 (got ${options.maxWaitMs})`);
    if (!((options.maxTurns ?? 1) >= 1)) throw new Error(`'maxTurns' must be >= 1 (got ${options.maxTurns})`);
  }

  /** Queues one item; resolves with its result when its batch has run. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatchSize) this.flush();
      else this.schedule();
    });
  }

  /** Items queued or running. */
  get busy(): boolean {
    return this.queue.length > 0 || this.running > 0;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    if (this.options.maxWaitMs > 0) {
      setTimeout(run, this.options.maxWaitMs);
      return;
    }
    const maxTurns = this.options.maxTurns ?? 1;
    let turns = 1;
    let queued = this.queue.length;
    const afterTurn = () => {
      if (turns < maxTurns && this.queue.length > queued) {
        turns += 1;
        queued = this.queue.length;
        setImmediate(afterTurn);
      } else {
        run();
      }
    };
    setImmediate(afterTurn);
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      void this.runBatch(batch);
    }
  }

  private async runBatch(batch: Pending<I, O>[]): Promise<void> {
    this.running += 1;
    try {
      const results = await this.runner(batch.map((pending) => pending.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
      batch.forEach((pending, index) => pending.resolve(results[index]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.running -= 1;
      if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
