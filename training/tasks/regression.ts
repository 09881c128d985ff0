/** `task: regression`: squared-error loss, RMSE, MAE and R², a closed-form ridge-regression baseline. */
import { SQUARED_ERROR } from '../objectives.js';
import { regressionMetrics } from '../regression-metrics.js';
import { predictRidge, trainRidge } from '../ridge.js';
import type { TrainingTask } from './training-task.js';

/** Training of a regressor on a numeric label. */
export const REGRESSION: TrainingTask = {
  task: 'regression',
  labelDtype: 'float64',
  objective: SQUARED_ERROR,
  evaluate: (predictions, labels) => ({ ...regressionMetrics(predictions, labels) }),
  baseline(train, holdout) {
    const model = trainRidge(train.x, train.y, train.inputs.map((input) => input.dtype === 'string'));
    return predictRidge(model, holdout.x);
  },
};
