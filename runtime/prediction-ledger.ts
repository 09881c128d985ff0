/**
 * Where the runtime keeps each prediction until its label arrives on `/feedback`, and how a label
 * becomes a confusion-matrix cell. Two implementations: `redis-prediction-ledger.ts` (the fleet's:
 * any replica joins any label, once) and `feedback.ts` (one process's memory, for a runtime
 * without an online store).
 */

/** A confusion-matrix cell. */
export type Outcome = 'tp' | 'fp' | 'tn' | 'fn';

/** Every cell, in the order metrics list them. */
export const OUTCOMES: readonly Outcome[] = ['tp', 'fp', 'tn', 'fn'];

/** A labelled prediction: which version made it and which cell the label puts it in. */
export interface Resolution {
  readonly version: string;
  readonly outcome: Outcome;
}

/** The contract both ledgers keep. */
export interface PredictionLedger {
  /** A fresh request id, unique across the fleet. */
  newId(): string;
  /**
   * Remembers a prediction (a repeated id replaces the earlier one). Never throws and never waits:
   * it is on the prediction's path, and a ledger that cannot keep up drops and counts instead.
   */
  remember(id: string, version: string, classIndex: 0 | 1, score: number): void;
  /**
   * The outcome of a labelled prediction, taken so that no second label (on any replica) counts;
   * null when the id is unknown, expired or already labelled. Rejects when the ledger is unreachable.
   */
  resolve(id: string, label: 0 | 1): Resolution | null | Promise<Resolution | null>;
  /** Writes what is still queued (best effort) and stops. */
  close(): Promise<void>;
}

/** The cell a label puts a predicted class in. */
export function outcomeOf(predicted: number, label: 0 | 1): Outcome {
  if (predicted === 1) return label === 1 ? 'tp' : 'fp';
  return label === 1 ? 'fn' : 'tn';
}
