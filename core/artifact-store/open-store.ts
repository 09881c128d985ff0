/**
 * Chooses the adapter for a store URL, and the store a card's `artifact.uri` is read from.
 * This is the only file that knows every adapter; a new scheme is one more line in `ADAPTERS`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArtifactStore, type ArtifactStoreConfig, isAbsoluteUri } from './artifact-store.js';
import { FileStore } from './file-store.js';
import { HttpsStore } from './https-store.js';
import { parseS3ObjectUrl, S3Store } from './s3-store.js';

/** The URL forms `openArtifactStore` accepts, for error messages. */
export const ACCEPTED_STORE_URLS = 's3://bucket[/prefix], https://host[/prefix] (read only), file:///absolute/dir, or a directory relative to the repository root';

/** The forms a card's `artifact.uri` may take, for error messages. */
export const ACCEPTED_ARTIFACT_URIS = "a key in the store ('fraud-detector/1.2.0/model.onnx'), s3://bucket/key, https://host/path or file:///path";

const ADAPTERS: readonly { readonly scheme: RegExp; readonly open: (config: ArtifactStoreConfig) => ArtifactStore }[] = [
  { scheme: /^s3:\/\//i, open: (config) => new S3Store(config) },
  { scheme: /^https?:\/\//i, open: (config) => new HttpsStore(config.url) },
  { scheme: /^file:\/\//i, open: (config) => new FileStore(fileURLToPath(config.url)) },
];

/**
 * The store `config` names. A path without a scheme is a directory relative to `repositoryRoot`.
 * Throws a plain `Error` (a configuration mistake, not a store failure) for an unknown scheme,
 * or for an `endpoint` beside a URL that is not `s3://`, where it would be silently ignored.
 */
export function openArtifactStore(config: ArtifactStoreConfig, repositoryRoot: string): ArtifactStore {
  const adapter = ADAPTERS.find(({ scheme }) => scheme.test(config.url));
  if (adapter === undefined && hasScheme(config.url)) {
    throw new Error(`artifact store '${config.url}' has an unknown scheme; use ${ACCEPTED_STORE_URLS}`);
  }
  if (config.endpoint !== undefined && !/^s3:\/\//i.test(config.url)) {
    throw new Error(`artifact store '${config.url}': 'endpoint' (${config.endpoint}) applies to s3:// URLs only`);
  }
  if (adapter === undefined) return new FileStore(path.resolve(repositoryRoot, config.url));
  return adapter.open(config);
}

/** Where an artifact's bytes are read from: a store and a key in it. */
export interface ResolvedArtifact {
  readonly store: ArtifactStore;
  readonly key: string;
}

/**
 * The store and key a card's `artifact.uri` is read from.
 *
 * - A key (relative) is read from `store`, as is a full URL below `store`'s own URL.
 * - Any other full URL is read from a store opened on its parent "directory", so a card may point
 *   at an artifact published elsewhere (another bucket, a mirror, a mounted volume).
 * - For `s3://`, that store keeps `store`'s endpoint only when the bucket is `store`'s bucket:
 *   a bucket name alone does not say it lives on the same S3-compatible service, and AWS S3 is
 *   what an `s3://` URL means by itself.
 *
 * Throws a plain `Error` for a URL of no accepted scheme.
 */
export function resolveArtifact(store: ArtifactStore, uri: string): ResolvedArtifact {
  if (!isAbsoluteUri(uri)) return { store, key: uri };
  const inside = keyInside(store, uri);
  if (inside !== null) return { store, key: inside };
  if (/^s3:\/\//i.test(uri)) return resolveS3(store, uri);
  if (/^https?:\/\//i.test(uri)) return atParentUrl(uri, (parent) => new HttpsStore(parent));
  if (/^file:\/\//i.test(uri)) return atParentUrl(uri, (parent) => new FileStore(fileURLToPath(parent)));
  throw new Error(`artifact '${uri}' has an unknown scheme; use ${ACCEPTED_ARTIFACT_URIS}`);
}

function keyInside(store: ArtifactStore, uri: string): string | null {
  if (store instanceof FileStore || store instanceof S3Store || store instanceof HttpsStore) return store.keyOf(uri);
  return null;
}

function resolveS3(store: ArtifactStore, uri: string): ResolvedArtifact {
  const object = parseS3ObjectUrl(uri);
  if (object === null) throw new Error(`artifact '${uri}' names no object (expected s3://bucket/path/to/file)`);
  const sameBucket = store instanceof S3Store && store.bucket === object.bucket;
  const endpoint = sameBucket ? store.endpoint : undefined;
  // S3 keys are not percent-encoded in an s3:// URL, so the text after the last `/` is the key.
  const cut = uri.lastIndexOf('/');
  const parent = uri.slice(0, cut);
  return { store: new S3Store(endpoint === undefined ? { url: parent } : { url: parent, endpoint }), key: uri.slice(cut + 1) };
}

// `https://host/a/b/model.onnx` → a store on `https://host/a/b/` and the key `model.onnx`.
// A query string or fragment is not kept: a store URL is a plain prefix.
function atParentUrl(uri: string, open: (parent: string) => ArtifactStore): ResolvedArtifact {
  const url = new URL(uri);
  const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  if (name === '') throw new Error(`artifact '${uri}' names a folder, not a file`);
  return { store: open(new URL('.', url).href), key: decodeURIComponent(name) };
}

function hasScheme(url: string): boolean {
  return isAbsoluteUri(url) || /^[a-z][a-z0-9+.-]*:/i.test(url);
}
