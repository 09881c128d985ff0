/**
 * The prediction ledger of a runtime without an online store (`slipway serve` on a laptop): recent
 * predictions in this process's memory. Behind a Service of several replicas a label would reach
 * the right pod 1/N of the time, so every environment with an online store uses
 * `redis-prediction-ledger.ts` instead.
 */
import { outcomeOf, type PredictionLedger, type Resolution } from './prediction-ledger.js';

/** Recent predictions in a ring of slots; the oldest is overwritten first. */
class PredictionRing {
  /** The key a slot holds (a sequence number or a ring position); -1 when empty. */
  readonly keys: Float64Array;
  readonly versions: string[];
  readonly classes: Uint8Array;

  constructor(readonly capacity: number) {
    this.keys = new Float64Array(capacity).fill(-1);
    this.versions = new Array<string>(capacity).fill('');
    this.classes = new Uint8Array(capacity);
  }

  put(slot: number, key: number, version: string, classIndex: 0 | 1): void {
    this.keys[slot] = key;
    this.versions[slot] = version;
    this.classes[slot] = classIndex;
  }

  /** Takes what `slot` holds under `key` (once); null when it holds something else. */
  take(slot: number, key: number): { version: string; predicted: number } | null {
    if (this.keys[slot] !== key) return null;
    this.keys[slot] = -1;
    return { version: this.versions[slot], predicted: this.classes[slot] };
  }
}

/**
 * Recent predictions by request id, bounded. Ids the runtime issues (`newId`) carry a sequence
 * number that addresses their slot directly; ids clients send go through a Map. At 15k requests/s
 * a Map over every id cost 4 % of the event loop, and most requests carry no id of their own.
 */
export class FeedbackStore implements PredictionLedger {
  private readonly issued: PredictionRing;
  private readonly given: PredictionRing;
  private readonly slotOfGiven = new Map<string, number>();
  private readonly idOfSlot: (string | undefined)[];
  private nextSequence = 0;
  private nextGivenSlot = 0;

  constructor(
    /** Unique to this runtime process, so that issued ids do not collide across pods. */
    private readonly prefix: string,
    capacity = 100_000,
  ) {
    this.issued = new PredictionRing(capacity);
    this.given = new PredictionRing(capacity);
    this.idOfSlot = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** A fresh request id. */
  newId(): string {
    return this.prefix + (this.nextSequence++).toString(36);
  }

  /** Remembers a prediction (again: a repeated id counts as new). */
  remember(id: string, version: string, classIndex: 0 | 1): void {
    const sequence = this.sequenceOf(id);
    if (sequence !== null) {
      this.issued.put(sequence % this.issued.capacity, sequence, version, classIndex);
      return;
    }
    this.forgetGiven(id);
    const slot = this.nextGivenSlot;
    this.nextGivenSlot = (slot + 1) % this.given.capacity;
    const evicted = this.idOfSlot[slot];
    if (evicted !== undefined) this.slotOfGiven.delete(evicted);
    this.idOfSlot[slot] = id;
    this.slotOfGiven.set(id, slot);
    this.given.put(slot, slot, version, classIndex);
  }

  /** The version and outcome of a labelled prediction; null when the id is unknown or forgotten. */
  resolve(id: string, label: 0 | 1): Resolution | null {
    const sequence = this.sequenceOf(id);
    let found: { version: string; predicted: number } | null;
    if (sequence !== null) {
      found = this.issued.take(sequence % this.issued.capacity, sequence);
    } else {
      const slot = this.slotOfGiven.get(id);
      found = slot === undefined ? null : this.given.take(slot, slot);
      this.forgetGiven(id); // one label per prediction: a retried feedback must not count twice
    }
    if (found === null) return null;
    return { version: found.version, outcome: outcomeOf(found.predicted, label) };
  }

  /** Nothing to write: memory goes with the process. */
  async close(): Promise<void> {}

  /** Number of remembered predictions. */
  get size(): number {
    let issued = 0;
    for (const key of this.issued.keys) if (key !== -1) issued += 1;
    return issued + this.slotOfGiven.size;
  }

  /** The sequence number of an id this store issued, or null (any other id, however it looks). */
  private sequenceOf(id: string): number | null {
    if (!id.startsWith(this.prefix)) return null;
    const sequence = Number.parseInt(id.slice(this.prefix.length), 36);
    if (!(sequence >= 0 && sequence < this.nextSequence)) return null;
    return this.prefix + sequence.toString(36) === id ? sequence : null;
  }

  private forgetGiven(id: string): void {
    const slot = this.slotOfGiven.get(id);
    if (slot === undefined) return;
    this.slotOfGiven.delete(id);
    this.idOfSlot[slot] = undefined;
    this.given.take(slot, slot);
  }
}
