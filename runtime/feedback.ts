/**
 * Labelled outcomes fed back after the fact (`POST /v2/models/{name}/feedback` with `{id, label}`):
 * the runtime remembers which version predicted which class for recent request ids and counts the
 * confusion-matrix cell, from which the canary analysis computes F1 per version.
 */

/** A confusion-matrix cell. */
export type Outcome = 'tp' | 'fp' | 'tn' | 'fn';

/**
 * Recent predictions by request id, bounded: a ring of slots, the oldest overwritten first. A
 * ring, not a Map kept in insertion order, because finding a Map's oldest key walks over every
 * entry deleted before it, and that walk grew with the traffic.
 */
export class FeedbackStore {
  private readonly slotOf = new Map<string, number>();
  private readonly ids: (string | undefined)[];
  private readonly versions: string[];
  private readonly classes: Uint8Array;
  private next = 0;

  constructor(private readonly capacity = 100_000) {
    this.ids = new Array<string | undefined>(capacity).fill(undefined);
    this.versions = new Array<string>(capacity).fill('');
    this.classes = new Uint8Array(capacity);
  }

  /** Remembers a prediction (again: a repeated id counts as new). */
  remember(id: string, version: string, classIndex: 0 | 1): void {
    this.forget(id);
    const slot = this.next;
    this.next = (this.next + 1) % this.capacity;
    const evicted = this.ids[slot];
    if (evicted !== undefined) this.slotOf.delete(evicted);
    this.ids[slot] = id;
    this.versions[slot] = version;
    this.classes[slot] = classIndex;
    this.slotOf.set(id, slot);
  }

  /** The version and outcome of a labelled prediction; null when the id is unknown or forgotten. */
  resolve(id: string, label: 0 | 1): { version: string; outcome: Outcome } | null {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return null;
    const version = this.versions[slot];
    const predicted = this.classes[slot];
    this.forget(id); // one label per prediction: a retried feedback must not count twice
    const outcome: Outcome = predicted === 1 ? (label === 1 ? 'tp' : 'fp') : label === 1 ? 'fn' : 'tn';
    return { version, outcome };
  }

  /** Number of remembered predictions. */
  get size(): number {
    return this.slotOf.size;
  }

  private forget(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.ids[slot] = undefined;
  }
}
