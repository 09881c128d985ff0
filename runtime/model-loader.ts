/**
 * Loads one ONNX artifact, after checking its sha256 against the bundle: what was reviewed is what
 * is served. One warm-up row proves the session scores before the version may serve.
 */
import { createHash } from 'node:crypto';
import { openSession, type ScoringSession } from './ort-session.js';

/** A verified model that scores batches of encoded rows. */
export interface LoadedModel extends ScoringSession {
  readonly sha256: string;
  /** Number of columns of a row. */
  readonly width: number;
}

/** Why an artifact cannot serve; the `result` label of `slipway_artifact_fetches_total`. */
export type ArtifactProblem = 'missing' | 'denied' | 'unreachable' | 'corrupt' | 'conflict' | 'unsupported' | 'sha256-mismatch' | 'invalid';

/** An artifact that cannot be served: missing, unreachable, altered or not a usable model. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
  constructor(
    message: string,
    /** What went wrong, as a metric label. */
    readonly problem: ArtifactProblem = 'invalid',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The hex sha256 of `bytes`. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Verifies and loads an artifact's bytes; throws `ArtifactError` naming `origin` and the problem. */
export async function loadModel(bytes: Uint8Array, origin: string, expectedSha256: string, width: number): Promise<LoadedModel> {
  const actual = sha256Of(bytes);
  if (actual !== expectedSha256) {
    throw new ArtifactError(`artifact ${origin}: sha256 is ${actual}, the bundle expects ${expectedSha256}; refusing to load it`, 'sha256-mismatch');
  }
  let session: ScoringSession;
  try {
    session = await openSession(bytes, width);
  } catch (error) {
    throw new ArtifactError(`artifact ${origin}: ONNX Runtime cannot load it (${(error as Error).message})`);
  }
  // One warm-up row proves the input width before the version may serve, and pays ORT's first-run cost.
  try {
    const scores = await session.score(new Float32Array(width), 1);
    if (!Number.isFinite(scores[0])) throw new Error(`the warm-up score is ${scores[0]}`);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw new ArtifactError(`artifact ${origin}: does not score a row of ${width} inputs (${(error as Error).message})`);
  }
  return { sha256: actual, width, score: (batch, rows) => session.score(batch, rows), release: () => session.release() };
}
