/**
 * Sliding-window distributions of one served version's inputs and scores, compared with the
 * version's reference profile by PSI (quantile bins for numbers, frequencies for categories).
 * The window is a ring of time slices, so observing is a few array increments and old traffic
 * ages out slice by slice. Categories outside the reference count as one "other" bucket, so a
 * client sending arbitrary strings cannot grow memory.
 */
import type { Distribution, ReferenceProfile, Scalar } from '../core/catalog.js';
import { binIndex } from '../core/statistics/binning.js';
import { psi } from '../core/statistics/psi.js';

/** Window settings. */
export interface DriftWindowOptions {
  /** Length of the window. */
  readonly windowMs: number;
  /** Number of slices the window ages out by; default 12. */
  readonly slices?: number;
  /** Clock, for tests; default `Date.now`. */
  readonly now?: () => number;
}

/** PSI per input and for the score over the current window. */
export interface DriftSnapshot {
  readonly samples: number;
  readonly inputs: readonly { readonly ref: string; readonly psi: number }[];
  /** Null when the profile has no score distribution. */
  readonly scorePsi: number | null;
}

interface Tracker {
  /** Index into the row of values; -1 for the score. */
  readonly column: number;
  readonly ref: string;
  readonly offset: number;
  readonly bins: number;
  readonly reference: readonly number[];
  bucket(value: Scalar): number;
}

/** The drift window of one version. */
export class DriftWindow {
  private readonly trackers: Tracker[] = [];
  private readonly scoreTracker: Tracker | null;
  private readonly width: number;
  private readonly slices: number;
  private readonly sliceMs: number;
  private readonly now: () => number;
  /** counts[slice] holds every tracker's bins, then the sample count in the last cell. */
  private readonly counts: Float64Array[];
  private readonly epochs: number[];

  constructor(inputRefs: readonly string[], profile: ReferenceProfile | undefined, options: DriftWindowOptions) {
    this.slices = options.slices ?? 12;
    this.sliceMs = Math.max(1, Math.floor(options.windowMs / this.slices));
    this.now = options.now ?? Date.now;
    let offset = 0;
    inputRefs.forEach((ref, column) => {
      const distribution = profile?.inputs[ref];
      if (distribution === undefined) return;
      const tracker = makeTracker(ref, column, offset, distribution);
      this.trackers.push(tracker);
      offset += tracker.bins;
    });
    this.scoreTracker = profile?.score === undefined ? null : makeTracker('score', -1, offset, profile.score);
    offset += this.scoreTracker?.bins ?? 0;
    this.width = offset + 1;
    this.counts = Array.from({ length: this.slices }, () => new Float64Array(this.width));
    this.epochs = new Array<number>(this.slices).fill(-1);
  }

  /** Whether anything is measured at all (the profile covers an input or the score). */
  get measured(): boolean {
    return this.trackers.length > 0 || this.scoreTracker !== null;
  }

  /** Counts one prediction: its input values (in the version's input order) and its score. */
  observe(values: readonly Scalar[], score: number): void {
    if (!this.measured) return;
    const slot = this.currentSlot();
    for (const tracker of this.trackers) slot[tracker.offset + tracker.bucket(values[tracker.column])] += 1;
    if (this.scoreTracker !== null) slot[this.scoreTracker.offset + this.scoreTracker.bucket(score)] += 1;
    slot[this.width - 1] += 1;
  }

  /** PSI of the window per input and for the score. */
  snapshot(): DriftSnapshot {
    const epoch = Math.floor(this.now() / this.sliceMs);
    const total = new Float64Array(this.width);
    for (let index = 0; index < this.slices; index += 1) {
      if (this.epochs[index] <= epoch - this.slices || this.epochs[index] < 0) continue;
      const slot = this.counts[index];
      for (let cell = 0; cell < this.width; cell += 1) total[cell] += slot[cell];
    }
    const psiOf = (tracker: Tracker) => psi(tracker.reference, Array.from(total.subarray(tracker.offset, tracker.offset + tracker.bins)));
    return {
      samples: total[this.width - 1],
      inputs: this.trackers.map((tracker) => ({ ref: tracker.ref, psi: psiOf(tracker) })),
      scorePsi: this.scoreTracker === null ? null : psiOf(this.scoreTracker),
    };
  }

  private currentSlot(): Float64Array {
    const epoch = Math.floor(this.now() / this.sliceMs);
    const index = epoch % this.slices;
    if (this.epochs[index] !== epoch) {
      this.counts[index].fill(0);
      this.epochs[index] = epoch;
    }
    return this.counts[index];
  }
}

function makeTracker(ref: string, column: number, offset: number, distribution: Distribution): Tracker {
  if (distribution.type === 'numeric') {
    const edges = distribution.edges;
    return {
      ref,
      column,
      offset,
      bins: edges.length - 1,
      reference: distribution.fractions,
      bucket: (value) => binIndex(edges, typeof value === 'number' ? value : Number(value)),
    };
  }
  const categories = Object.keys(distribution.frequencies).sort();
  const index = new Map(categories.map((category, position) => [category, position]));
  const other = categories.length;
  return {
    ref,
    column,
    offset,
    bins: categories.length + 1,
    reference: [...categories.map((category) => distribution.frequencies[category]), 0],
    bucket: (value) => index.get(String(value)) ?? other,
  };
}
