/**
 * Loads one ONNX artifact, after checking its sha256 against the bundle: what was reviewed is what
 * is served. One warm-up row proves the session scores before the version may serve.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSession, type ScoringSession } from './ort-session.js';

/** A verified model that scores batches of encoded rows. */
export interface LoadedModel extends ScoringSession {
  readonly sha256: string;
  /** Number of columns of a row. */
  readonly width: number;
}

/** An artifact that cannot be served: missing, altered or not a usable model. Not retried. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

/** Resolves an artifact URI: relative paths against `artifactRoot`, `file://` URLs, absolute paths. */
export function resolveArtifactPath(uri: string, artifactRoot: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ArtifactError(`artifact ${uri}: only local paths and file:// URIs can be loaded (mount the artifact into the pod)`);
  }
  return path.resolve(artifactRoot, uri);
}

/** Reads, verifies and loads an artifact; throws `ArtifactError` naming the file and the problem. */
export async function loadModel(file: string, expectedSha256: string, width: number): Promise<LoadedModel> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new ArtifactError(`artifact ${file}: cannot be read (${error.code ?? error.message})`);
  });
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expectedSha256) {
    throw new ArtifactError(`artifact ${file}: sha256 is ${actual}, the bundle expects ${expectedSha256}; refusing to load it`);
  }
  let session: ScoringSession;
  try {
    session = await openSession(bytes, width);
  } catch (error) {
    throw new ArtifactError(`artifact ${file}: ONNX Runtime cannot load it (${(error as Error).message})`);
  }
  // One warm-up row proves the input width before the version may serve, and pays ORT's first-run cost.
  try {
    const scores = await session.score(new Float32Array(width), 1);
    if (!Number.isFinite(scores[0])) throw new Error(`the warm-up score is ${scores[0]}`);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw new ArtifactError(`artifact ${file}: does not score a row of ${width} inputs (${(error as Error).message})`);
  }
  return { sha256: actual, width, score: (batch, rows) => session.score(batch, rows), release: () => session.release() };
}
