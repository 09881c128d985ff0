/** `task: binary-classification`: logistic loss, AUC and F1 at the card's threshold, a logistic-regression baseline. */
import { binaryMetrics } from '../metrics.js';
import { predictLogistic, trainLogistic } from '../logistic.js';
import { LOGISTIC } from '../objectives.js';
import type { TrainingTask } from './training-task.js';

/** Training of a binary classifier. */
export const BINARY_CLASSIFICATION: TrainingTask = {
  task: 'binary-classification',
  labelDtype: 'bool',
  objective: LOGISTIC,
  evaluate: (predictions, labels, card) => ({ ...binaryMetrics(predictions, labels, card.output.threshold) }),
  baseline(train, holdout) {
    const model = trainLogistic(train.x, train.y, train.inputs.map((input) => input.dtype === 'string'));
    return predictLogistic(model, holdout.x);
  },
};
