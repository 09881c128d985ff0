/**
 * The artifact store: where model artifacts and training results live, outside Git and the image.
 * The model card is the reviewed pointer (a key and a sha256); the store holds the bytes. One
 * interface, implementations side by side (`file-store.ts`, `s3-store.ts`, `https-store.ts`),
 * chosen by URL in `open-store.ts`.
 *
 * Layout under the store's URL: `<model>/<version>/model.onnx` beside `training-result.json`.
 * An object is immutable once written: writing other bytes to an existing key is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Where a store is and how to reach it, as `slipway.yaml` or an Environment declares it. */
export interface ArtifactStoreConfig {
  /**
   * `s3://bucket[/prefix]`, `https://host/prefix` (read only), `file:///abs/dir`, or a path
   * relative to the repository root (the embedded default, `models`).
   */
  readonly url: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2, GCS interoperability); path-style addressing. */
  readonly endpoint?: string;
}

/** Why a store operation failed; the only distinction callers branch on. */
export type ArtifactStoreFailure =
  /** No object at the key (or no bucket). Not retried. */
  | 'missing'
  /** Credentials refused or absent. Not retried until the configuration changes. */
  | 'denied'
  /** The store did not answer, or answered 5xx. Retried with backoff. */
  | 'unreachable'
  /** The bytes that arrived are not what the store announced (truncated download). Retried. */
  | 'corrupt'
  /** A different object already exists at the key. Never retried: objects are immutable. */
  | 'conflict'
  /** The store cannot do this (writing to an https store). Not retried. */
  | 'unsupported';

/** A failed store operation: one line naming the object's URL and what to do. */
export class ArtifactStoreError extends Error {
  override readonly name = 'ArtifactStoreError';
  constructor(
    readonly failure: ArtifactStoreFailure,
    /** The object's (or store's) full URL, for messages. */
    readonly url: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${url}: ${message}`, options);
  }

  /** Whether trying again later may succeed. */
  get retryable(): boolean {
    return this.failure === 'unreachable' || this.failure === 'corrupt';
  }
}

/** What `putImmutable` did. */
export type PutOutcome = 'written' | 'unchanged';

/** One store. Keys are `/`-separated paths relative to the store's URL, never starting with `/`. */
export interface ArtifactStore {
  /** The store's URL as configured, for messages. */
  readonly url: string;
  /** The full URL of `key`, for messages and for cards that point outside the default store. */
  urlOf(key: string): string;
  /** Reads a whole object. Throws `ArtifactStoreError`. */
  get(key: string): Promise<Buffer>;
  /**
   * Streams an object into `file` (a large data source need not fit in memory): `file` then holds
   * the whole object, or, after a throw, is as it was. Throws `ArtifactStoreError`.
   */
  download(key: string, file: string): Promise<void>;
  /**
   * Writes an object unless one exists: the same bytes answer `unchanged`, other bytes throw a
   * `conflict` error and leave the stored object as it was. A reader never sees half an object.
   */
  putImmutable(key: string, bytes: Uint8Array, contentType?: string): Promise<PutOutcome>;
  /** Every key under `prefix` (which ends with `/` or is empty), in lexical order. */
  list(prefix: string): Promise<string[]>;
}

/** The key of a file of one model version: `<model>/<version>/<file>`. */
export function versionKey(model: string, version: string, file: string): string {
  return `${model}/${version}/${file}`;
}

/** The artifact's file name inside its version's folder. */
export const ARTIFACT_FILE = 'model.onnx';

/** The training result's file name inside its version's folder. */
export const RESULT_FILE = 'training-result.json';

/** Whether `uri` is a full URL (`s3://`, `https://`, `file://`) rather than a key in the store. */
export function isAbsoluteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
}

/**
 * Throws an `unsupported` error unless `key` is a store key: `/`-separated, not starting with
 * `/`, without empty, `.` or `..` segments. Every adapter checks, so no key can name an object
 * outside its store (a directory's parent, another bucket prefix).
 */
export function checkKey(key: string, storeUrl: string): void {
  const segments = key.split('/');
  if (key !== '' && segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..')) return;
  throw new ArtifactStoreError('unsupported', storeUrl, `'${key}' is not an object key (a relative path such as 'fraud-detector/1.2.0/model.onnx')`);
}

/** Throws an `unsupported` error unless `prefix` is empty or a key followed by `/`. */
export function checkPrefix(prefix: string, storeUrl: string): void {
  if (prefix === '') return;
  if (!prefix.endsWith('/')) {
    throw new ArtifactStoreError('unsupported', storeUrl, `'${prefix}' is not a listing prefix (empty, or a folder ending with '/')`);
  }
  checkKey(prefix.slice(0, -1), storeUrl);
}

/** The hex sha256 of `bytes`, as cards and conflict messages quote it. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The error `putImmutable` throws when `key` already holds other bytes. */
export function conflictError(url: string, stored: string, offered: string): ArtifactStoreError {
  return new ArtifactStoreError(
    'conflict',
    url,
    `the key already holds other bytes (sha256 ${stored}; these are sha256 ${offered}) and objects are immutable: publish a new version instead`,
  );
}

/** The error every adapter throws for an absent object, saying how objects get there. */
export function missingError(url: string, options?: ErrorOptions): ArtifactStoreError {
  return new ArtifactStoreError('missing', url, "no such object (publish it first with 'slipway publish' or 'slipway train')", options);
}

/**
 * Reads a response body to the end, counting bytes: a body that ends or breaks before the
 * announced length (`Content-Length`) is a `corrupt` (truncated) download, any other break is
 * `unreachable`. Adapters hand their SDK's or `fetch`'s body stream here.
 */
export async function readWhole(body: unknown, announced: number | undefined, url: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const received = await drainBody(body, announced, url, (chunk) => {
    chunks.push(chunk);
  });
  return Buffer.concat(chunks, received);
}

/**
 * Streams a response body into `file`, one chunk in memory at a time, under the same rules as
 * `readWhole`. The bytes go to a partial file renamed into place at the end, so `file` holds the
 * whole object or nothing, and a failed download leaves no partial file behind.
 */
export async function writeWhole(body: unknown, announced: number | undefined, url: string, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
  const handle = await open(partial, 'wx');
  try {
    await drainBody(body, announced, url, async (chunk) => {
      await handle.write(chunk);
    });
    await handle.close();
    await rename(partial, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

/** Hands every chunk of `body` to `sink`; returns the byte count. See `readWhole` for the failures. */
async function drainBody(body: unknown, announced: number | undefined, url: string, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<number> {
  if (!isByteStream(body)) throw new ArtifactStoreError('corrupt', url, 'the store answered without a body');
  let received = 0;
  try {
    for await (const chunk of body) {
      await sink(chunk);
      received += chunk.byteLength;
    }
  } catch (error) {
    if (announced !== undefined && received < announced) throw truncated(url, received, announced, error);
    if (isNodeFileError(error)) throw error;
    throw new ArtifactStoreError('unreachable', url, `the download broke after ${received} bytes`, { cause: error });
  }
  if (announced !== undefined && received !== announced) throw truncated(url, received, announced);
  return received;
}

/** A failure of our own disk (full, read only), which is not the store's to answer for. */
function isNodeFileError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string';
}

function truncated(url: string, received: number, announced: number, cause?: unknown): ArtifactStoreError {
  return new ArtifactStoreError('corrupt', url, `truncated download: got ${received} of ${announced} bytes`, { cause });
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}
