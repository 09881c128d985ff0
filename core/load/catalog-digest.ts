/**
 * The identity of catalog documents, so that a pod can find the exact revision it was rendered from.
 *
 * Argo CD gives a directory Application's objects no way to learn the commit it synced, and a
 * rendered object cannot name the commit it is committed in. It can name content: this digest
 * covers document files by path and Git blob id. A job's checkout clones the branch and walks back
 * to the newest commit where its documents have this digest, so a training run reads the card its
 * Job was rendered from even after main moved on. Commits that change none of those documents
 * share a digest, and any of them holds the same documents.
 */
import { createHash } from 'node:crypto';

/** One document file: its repository-relative path and its Git blob id. */
export interface DocumentBlob {
  readonly path: string;
  readonly blobId: string;
}

/** Documents a job reads, by file, and their digest: what its checkout finds the revision by. */
export interface CatalogPin {
  readonly digest: string;
  readonly files: readonly string[];
}

/** Git's object id of a file's bytes, as `git ls-tree` lists it (SHA-1 repositories). */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** `sha256:<hex>` over the documents' paths and blob ids, in path order. */
export function catalogDigest(documents: readonly DocumentBlob[]): string {
  const lines = [...documents].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((document) => `${document.path} ${document.blobId}\n`);
  return `sha256:${createHash('sha256').update(lines.join('')).digest('hex')}`;
}
