/**
 * What training does differently per model task, behind one interface: how the label is read,
 * the GBDT's loss, the holdout metrics, and the baseline the ensemble is compared with. One
 * implementation per task side by side in this folder, registered in `index.ts`.
 */
import type { ModelCard } from '../../core/catalog.js';
import type { ModelTask } from '../../core/model-tasks.js';
import type { GbdtObjective } from '../objectives.js';
import type { LabelDtype, TrainingSet } from '../training-set.js';

/** One model task's training. */
export interface TrainingTask {
  readonly task: ModelTask;
  /** How the card's label column is read. */
  readonly labelDtype: LabelDtype;
  /** The loss the ensemble minimises. */
  readonly objective: GbdtObjective;
  /** The task's holdout metrics (`core/model-tasks.ts` names them) of `predictions` against `labels`. */
  evaluate(predictions: ArrayLike<number>, labels: ArrayLike<number>, card: ModelCard): Record<string, number>;
  /** Fits the task's baseline on `train` and returns its predictions for `holdout`. */
  baseline(train: TrainingSet, holdout: TrainingSet): Float64Array;
}
