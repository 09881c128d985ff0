/**
 * The losses a GBDT can minimise, one per model task: how the ensemble starts (its base score),
 * the gradient and hessian of the loss at the current raw score, and how a raw score becomes a
 * prediction. The trainer picks one by the card's task, never by a training parameter, so a card
 * cannot say `regression` and be fitted as a classifier.
 */

/** The objectives, by name as a trained model records it. */
export type ObjectiveName = 'logistic' | 'squared-error';

/** One loss, as the boosting loop needs it. */
export interface GbdtObjective {
  readonly name: ObjectiveName;
  /** The starting raw score for labels `y` (a float32). */
  base(y: ArrayLike<number>): number;
  /** Writes the loss's gradient and hessian at `score` for every row. */
  gradients(score: Float64Array, y: ArrayLike<number>, grad: Float64Array, hess: Float64Array): void;
  /** The prediction of one raw score: a probability, or the value itself. */
  predict(raw: number): number;
}

/** Binary log-loss: starts at the prior's log-odds, predicts `sigmoid(raw)`. */
export const LOGISTIC: GbdtObjective = {
  name: 'logistic',
  base(y) {
    let positives = 0;
    for (let i = 0; i < y.length; i++) positives += y[i];
    const prior = Math.min(Math.max(positives / Math.max(1, y.length), 1e-6), 1 - 1e-6);
    return Math.fround(Math.log(prior / (1 - prior)));
  },
  gradients(score, y, grad, hess) {
    for (let i = 0; i < score.length; i++) {
      const prob = 1 / (1 + Math.exp(-score[i]));
      grad[i] = prob - y[i];
      hess[i] = Math.max(prob * (1 - prob), 1e-16);
    }
  },
  predict: (raw) => 1 / (1 + Math.exp(-raw)),
};

/** Squared error (½(pred − y)²): starts at the mean of y, gradient `pred − y`, hessian 1. */
export const SQUARED_ERROR: GbdtObjective = {
  name: 'squared-error',
  base(y) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i];
    return Math.fround(y.length === 0 ? 0 : sum / y.length);
  },
  gradients(score, y, grad, hess) {
    for (let i = 0; i < score.length; i++) {
      grad[i] = score[i] - y[i];
      hess[i] = 1;
    }
  },
  predict: (raw) => raw,
};

/** Every objective by the name a model records. */
export const OBJECTIVES: Readonly<Record<ObjectiveName, GbdtObjective>> = { logistic: LOGISTIC, 'squared-error': SQUARED_ERROR };
