/**
 * Where each feature view's source is read from on this machine. A source in the repository is a
 * path relative to its root; a source in an object store (`s3://…`, `https://…`) is staged once per
 * run into the repository's `.slipway-cache/sources/` (in a pod, the checkout's volume), so that
 * training and materialization read every source the same way and bad rows keep their line numbers.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { isAbsoluteUri } from '../../core/artifact-store/artifact-store.js';
import { openArtifactStore, resolveArtifact } from '../../core/artifact-store/open-store.js';
import type { Catalog, FeatureView } from '../../core/catalog.js';
import { SourceError } from './offline-source.js';

/** The folder remote sources are staged in, under the repository root (git-ignored). */
export const STAGED_SOURCES_DIR = '.slipway-cache/sources';

/** The local file of each view's source, by view name; remote sources are downloaded first. */
export async function sourceFiles(catalog: Catalog, views: readonly FeatureView[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const staged = new Map<string, Promise<string>>();
  for (const view of views) {
    const location = view.source.path;
    if (!isAbsoluteUri(location)) {
      files.set(view.name, path.resolve(catalog.root, location));
      continue;
    }
    // Several views often share one source file: download it once.
    if (!staged.has(location)) staged.set(location, stage(catalog, location));
    files.set(view.name, await staged.get(location)!);
  }
  return files;
}

async function stage(catalog: Catalog, uri: string): Promise<string> {
  let resolved;
  try {
    // The project's store configuration (its S3 endpoint) applies to sources in the same bucket.
    resolved = resolveArtifact(openArtifactStore(catalog.project.artifacts, catalog.root), uri);
  } catch (error) {
    throw new SourceError(`source ${uri}: ${(error as Error).message}`);
  }
  const file = path.join(catalog.root, STAGED_SOURCES_DIR, `${createHash('sha256').update(uri).digest('hex').slice(0, 16)}-${path.posix.basename(resolved.key)}`);
  // Streamed to disk: a source is often larger than the pod's memory.
  await resolved.store.download(resolved.key, file).catch((error: Error) => {
    throw new SourceError(`source ${error.message}`);
  });
  return file;
}
