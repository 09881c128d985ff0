/**
 * Labelled outcomes fed back after the fact (`POST /v2/models/{name}/feedback` with `{id, label}`):
 * the runtime remembers which version predicted which class for recent request ids and counts the
 * confusion-matrix cell, from which the canary analysis computes F1 per version.
 */

/** What was predicted for one request. */
interface Remembered {
  readonly version: string;
  readonly classIndex: 0 | 1;
}

/** A confusion-matrix cell. */
export type Outcome = 'tp' | 'fp' | 'tn' | 'fn';

/** Recent predictions by request id, bounded (the oldest are forgotten first). */
export class FeedbackStore {
  private readonly predictions = new Map<string, Remembered>();

  constructor(private readonly capacity = 100_000) {}

  /** Remembers a prediction. */
  remember(id: string, version: string, classIndex: 0 | 1): void {
    if (this.predictions.has(id)) this.predictions.delete(id);
    this.predictions.set(id, { version, classIndex });
    if (this.predictions.size > this.capacity) this.predictions.delete(this.predictions.keys().next().value!);
  }

  /** The version and outcome of a labelled prediction; null when the id is unknown or forgotten. */
  resolve(id: string, label: 0 | 1): { version: string; outcome: Outcome } | null {
    const remembered = this.predictions.get(id);
    if (remembered === undefined) return null;
    this.predictions.delete(id); // one label per prediction: a retried feedback must not count twice
    const predicted = remembered.classIndex;
    const outcome: Outcome = predicted === 1 ? (label === 1 ? 'tp' : 'fp') : label === 1 ? 'fn' : 'tn';
    return { version: remembered.version, outcome };
  }

  /** Number of remembered predictions. */
  get size(): number {
    return this.predictions.size;
  }
}
