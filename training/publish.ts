/**
 * Publishing one trained version to the artifact store: the artifact first, then its training
 * result, both immutable. The result is what the controller looks for, so it is written last: a
 * controller that finds a result always finds its artifact too.
 */
import { ARTIFACT_FILE, type ArtifactStore, type PutOutcome, RESULT_FILE, versionKey } from '../core/artifact-store/artifact-store.js';
import type { TrainingResult } from '../core/training-result.js';

/** Where a published version's objects are. */
export interface Published {
  /** Full URLs, for messages. */
  readonly artifactUrl: string;
  readonly resultUrl: string;
  /** What each write did (`unchanged` when the same run was published before). */
  readonly artifact: PutOutcome;
  readonly result: PutOutcome;
}

/** The artifact's key for a version: what the training result and the card's `artifact.uri` say. */
export function artifactKeyOf(model: string, version: string): string {
  return versionKey(model, version, ARTIFACT_FILE);
}

/** Writes `bytes` and `result` under `<model>/<version>/`; throws `ArtifactStoreError` (nothing is overwritten). */
export async function publishVersion(store: ArtifactStore, result: TrainingResult, bytes: Uint8Array): Promise<Published> {
  const artifactKey = result.artifact.uri;
  const resultKey = versionKey(result.model, result.candidateVersion, RESULT_FILE);
  const artifact = await store.putImmutable(artifactKey, bytes, 'application/octet-stream');
  const written = await store.putImmutable(resultKey, Buffer.from(`${JSON.stringify(result, null, 2)}\n`), 'application/json');
  return { artifactUrl: store.urlOf(artifactKey), resultUrl: store.urlOf(resultKey), artifact, result: written };
}
