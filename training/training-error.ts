/** A training run that cannot proceed because of its card or its data: a user's mistake, reported without a stack. */
export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}
