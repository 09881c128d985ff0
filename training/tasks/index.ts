/** The training of every model task, by the card's `task`. */
import type { ModelTask } from '../../core/model-tasks.js';
import { BINARY_CLASSIFICATION } from './binary-classification.js';
import { REGRESSION } from './regression.js';
import type { TrainingTask } from './training-task.js';

/** One registration line per task. */
export const TRAINING_TASKS: Readonly<Record<ModelTask, TrainingTask>> = {
  'binary-classification': BINARY_CLASSIFICATION,
  regression: REGRESSION,
};

export type { TrainingTask } from './training-task.js';
