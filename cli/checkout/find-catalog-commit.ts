/**
 * Finds, in a clone, the newest commit where a job's documents have the digest its object names:
 * the revision it was rendered from (see generators/catalog-pin.ts for why content, not a commit id).
 */
import { catalogDigest, type CatalogPin, type DocumentBlob } from '../../core/load/catalog-digest.js';

/** Runs git with these arguments in the clone and returns its standard output. */
export type RunGit = (args: readonly string[]) => Promise<string>;

/** How far back a job looks: a sync older than this many commits is not worth running. */
export const MAX_COMMITS_SEARCHED = 500;

/** The commit and how many commits the branch head is ahead of it, or null when none matches. */
export async function findCatalogCommit(git: RunGit, pin: CatalogPin): Promise<{ commit: string; behind: number } | null> {
  const commits = (await git(['rev-list', `--max-count=${MAX_COMMITS_SEARCHED}`, 'HEAD'])).split('\n').filter((line) => line !== '');
  for (const [behind, commit] of commits.entries()) {
    const blobs = blobsOf(await git(['ls-tree', '-z', commit, '--', ...pin.files]));
    if (blobs.length === pin.files.length && catalogDigest(blobs) === pin.digest) return { commit, behind };
  }
  return null;
}

/** The regular files of one `git ls-tree -z` listing (no symlinks, no submodules, no folders). */
export function blobsOf(listing: string): DocumentBlob[] {
  const blobs: DocumentBlob[] = [];
  for (const entry of listing.split('\0')) {
    const match = /^(?:100644|100755) blob ([0-9a-f]+)\t(.+)$/.exec(entry);
    if (match !== null) blobs.push({ path: match[2], blobId: match[1] });
  }
  return blobs;
}
