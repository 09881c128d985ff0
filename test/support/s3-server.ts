/**
 * A private, throwaway S3-compatible server on a loopback port, with one bucket.
 *
 * Why `@20minutes/s3rver` (4.x): no MinIO or other S3 binary can be installed here, and among the
 * S3 servers on npm it is the maintained fork of s3rver (the original, 3.7, has been unmaintained
 * since 2021). It runs in this process, speaks the real REST/XML protocol to the real SDK, and
 * verifies AWS Signature V4, so a wrong secret is refused with 403 SignatureDoesNotMatch and an
 * unknown key id with InvalidAccessKeyId, as S3 refuses them. Version 5 needs Node 24; we run 20.
 *
 * Where it is not S3, and what this file does about it:
 * - It ignores `If-None-Match: *` on PutObject (S3 and MinIO answer 412 PreconditionFailed when
 *   the key exists). This file adds that rule after authentication, serialising conditional
 *   uploads so that of two racing writers exactly one wins, as on S3.
 * - It accepts unsigned (anonymous) requests to any bucket; S3 refuses them for private buckets.
 * - It knows one account only, with the fixed key pair S3RVER/S3RVER.
 * - It writes an object's file in place, so a concurrent reader can see half of it (S3 cannot),
 *   and it does not check a signed payload's sha256 against the body it receives.
 * - It checks a bucket request's signature over `/bucket` while the current SDK sends and signs
 *   `/bucket/`, so every ListObjectsV2 failed with SignatureDoesNotMatch. This file has it check
 *   the path as sent when the two differ only by that slash, which is what S3 does.
 * - It encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and later)
 *   refuses, so every second page failed with InternalError. Tokens are opaque to clients: this
 *   file makes `des` an identity transform in this test process (no code of ours uses DES).
 * - Pages hold at most 1,000 keys, as on S3; continuation tokens are its own format.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

/** What `startS3` may be told. */
export interface S3ServerOptions {
  /** The one bucket to create. Default `slipway-test`. */
  readonly bucket?: string;
}

/** One request the server answered, for tests that count round trips (pagination, retries). */
export interface RecordedRequest {
  readonly method: string;
  /** Path-style: `/bucket/key`. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly status: number;
}

/** What `beforeRequest` is given: the arriving request's method and path-style path. */
export type RequestHook = (request: { readonly method: string; readonly path: string }) => Promise<void> | void;

/** A running S3-compatible server. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>`, for `ArtifactStoreConfig.endpoint`. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `AWS_*` variables that let a child process (or this one) sign requests for this server. */
  readonly env: Readonly<Record<string, string>>;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /**
   * Runs `hook` as each request arrives, before the server handles it (to act between a client's
   * two requests, as another writer would); `null` removes it.
   */
  beforeRequest(hook: RequestHook | null): void;
  /** Stores an object directly in the server's files, behind any client's back. */
  putRaw(key: string, bytes: Uint8Array, metadata?: Readonly<Record<string, string>>): Promise<void>;
  stop(): Promise<void>;
}

// s3rver's fixed account (lib/models/account.js).
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

/** Starts the server on a kernel-chosen loopback port with one empty bucket. */
export async function startS3(options: S3ServerOptions = {}): Promise<TestS3> {
  const bucket = options.bucket ?? 'slipway-test';
  const directory = await mkdtemp(path.join(tmpdir(), 'slipway-s3-'));
  const server = new s3rver.S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const requests: RecordedRequest[] = [];
  const hook: { current: RequestHook | null } = { current: null };
  // Koa composes its middleware when it starts listening; ours go first.
  server.middleware.unshift(recordRequests(requests, hook), rememberRawPath, honourIfNoneMatch(server.store));
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    env: {
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      AWS_REGION: 'us-east-1',
      // Never let the SDK's credential chain ask an instance metadata service off this machine.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    requests,
    beforeRequest(next) {
      hook.current = next;
    },
    async putRaw(key, bytes, metadata = {}) {
      const headers = Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`x-amz-meta-${name.toLowerCase()}`, value]));
      // A stream, not a Buffer: s3rver's store reports a Buffer written before the write ends.
      await server.store.putObject(new s3rver.S3Object(bucket, key, Readable.from([Buffer.from(bytes)]), headers));
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

// --- s3rver has no type declarations; these are the parts of it this file uses. ---

interface KoaContext {
  readonly headers: object;
  readonly method: string;
  readonly path: string;
  readonly querystring: string;
  readonly res: { readonly statusCode: number; once(event: 'finish' | 'close', listener: () => void): void };
  get(header: string): string;
  store: S3rverStore;
}

type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverObject {
  readonly bucket: string;
  readonly key: string;
}

interface S3rverStore {
  existsObject(bucket: string, key: string): Promise<boolean>;
  putObject(object: S3rverObject): Promise<unknown>;
}

interface S3rverServer {
  readonly middleware: KoaMiddleware[];
  readonly store: S3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

interface CanonicalRequest {
  readonly uri: string;
  readonly headers: object;
}

interface SignatureV4 {
  getStringToSign(canonicalRequest: CanonicalRequest, request: unknown): string;
}

const require = createRequire(import.meta.url);
const s3rver = {
  S3rver: require('@20minutes/s3rver') as new (options: Record<string, unknown>) => S3rverServer,
  S3Object: require('@20minutes/s3rver/lib/models/object.js') as new (bucket: string, key: string, content: Readable, metadata: Record<string, string>) => S3rverObject,
  S3Error: require('@20minutes/s3rver/lib/models/error.js') as new (code: string, message: string, detail?: Record<string, string>) => Error,
  signatureV4: require('@20minutes/s3rver/lib/signature/v4.js') as SignatureV4,
};

// DES, for s3rver's continuation tokens only (see the top of this file); every other cipher is Node's.
type CipherFactory = (algorithm: string, key: unknown, iv: unknown, options?: unknown) => unknown;
const identity = { update: (data: string | Buffer, encoding?: BufferEncoding) => (typeof data === 'string' ? Buffer.from(data, encoding) : data), final: () => Buffer.alloc(0) };
const withoutDes = (original: CipherFactory): CipherFactory => (algorithm, key, iv, options) => (algorithm === 'des' ? identity : original(algorithm, key, iv, options));
const ciphers = require('node:crypto') as Record<'createCipheriv' | 'createDecipheriv', CipherFactory>;
ciphers.createCipheriv = withoutDes(ciphers.createCipheriv);
ciphers.createDecipheriv = withoutDes(ciphers.createDecipheriv);

// The path each request was sent with, keyed by its headers object: the one thing of the request
// that s3rver hands its signature code.
const rawPaths = new WeakMap<object, string>();

const rememberRawPath: KoaMiddleware = async (ctx, next) => {
  rawPaths.set(ctx.headers, ctx.path);
  await next();
};

// Patched once per process (the module is shared): sign `/bucket/` when that is what was sent.
const signedStringOf = s3rver.signatureV4.getStringToSign.bind(s3rver.signatureV4);
s3rver.signatureV4.getStringToSign = (canonicalRequest, request) => {
  const sent = rawPaths.get(canonicalRequest.headers);
  const uri = sent === `${canonicalRequest.uri}/` ? sent : canonicalRequest.uri;
  return signedStringOf({ ...canonicalRequest, uri }, request);
};

function recordRequests(requests: RecordedRequest[], hook: { current: RequestHook | null }): KoaMiddleware {
  return async (ctx, next) => {
    const { method, path: requestPath, querystring: query } = ctx;
    ctx.res.once('finish', () => requests.push({ method, path: requestPath, query, status: ctx.res.statusCode }));
    await hook.current?.({ method, path: requestPath });
    await next();
  };
}

/**
 * S3's conditional write: a PutObject with `If-None-Match: *` on an existing key fails with 412.
 * The check sits in the store the object controller calls, so it runs after s3rver has
 * authenticated the request (a wrong signature still answers 403 first, as on S3); one lock makes
 * check and write a single step.
 */
function honourIfNoneMatch(store: S3rverStore): KoaMiddleware {
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
  const conditional: S3rverStore = Object.create(store, {
    putObject: {
      value: (object: S3rverObject) =>
        exclusive(async () => {
          if (await store.existsObject(object.bucket, object.key)) {
            throw new s3rver.S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
          }
          return store.putObject(object);
        }),
    },
  });
  return async (ctx, next) => {
    if (ctx.method === 'PUT' && ctx.get('if-none-match') === '*' && ctx.get('x-amz-copy-source') === '') ctx.store = conditional;
    await next();
  };
}
