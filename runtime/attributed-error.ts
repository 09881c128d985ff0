/**
 * A failure after a request was routed to a version. The HTTP front records every answer under
 * the model and version that served it; without this wrapper a failed prediction would be counted
 * under no version, and a canary that fails requests would look as if it served fewer of them.
 */

/** An error that knows which model and version the request had been routed to. */
export class AttributedError extends Error {
  override readonly name = 'AttributedError';

  constructor(
    readonly model: string,
    readonly version: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Runs `work`, attributing whatever it throws to `model` and `version`. */
export async function attributedTo<T>(model: string, version: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new AttributedError(model, version, error);
  }
}

/** The original error and, when known, the model and version it happened under. */
export function unwrapAttribution(error: unknown): { error: unknown; model?: string; version?: string } {
  if (error instanceof AttributedError) return { error: error.cause, model: error.model, version: error.version };
  return { error };
}
