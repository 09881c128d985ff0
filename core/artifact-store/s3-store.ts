/**
 * An artifact store in an S3 bucket (AWS, or any S3-compatible service through `endpoint`).
 * The SDK's types stay in this file: callers see `ArtifactStore` and `ArtifactStoreError` only.
 *
 * Credentials come from the SDK's default chain alone (environment variables, web identity/IRSA,
 * the instance's metadata), never from configuration, so no secret is ever written to Git.
 */
import { GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import {
  type ArtifactStore,
  type ArtifactStoreConfig,
  ArtifactStoreError,
  checkKey,
  checkPrefix,
  conflictError,
  missingError,
  type PutOutcome,
  readWhole,
  writeWhole,
  sha256Hex,
} from './artifact-store.js';

/** The object metadata (`x-amz-meta-sha256`) that records the bytes' sha256 at upload. */
export const SHA256_METADATA = 'sha256';

// Short enough that a server start fails in seconds, not minutes, when the store is away.
const CONNECTION_TIMEOUT_MS = 3_000;
const RESPONSE_TIMEOUT_MS = 30_000;
const IDLE_SOCKET_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 3;

/** An S3 bucket, optionally below a key prefix. */
export class S3Store implements ArtifactStore {
  /** The store's URL as configured. */
  readonly url: string;
  /** The bucket's name. */
  readonly bucket: string;
  /** The key prefix every key is below: empty, or ending with `/`. */
  readonly prefix: string;
  /** The S3-compatible endpoint, or `undefined` for AWS S3. */
  readonly endpoint: string | undefined;
  private readonly client: S3Client;

  /** Opens `s3://bucket[/prefix]`; throws a plain `Error` for any other URL. Connects lazily. */
  constructor(config: ArtifactStoreConfig) {
    const { bucket, prefix } = parseS3Url(config.url);
    this.url = config.url;
    this.bucket = bucket;
    this.prefix = prefix;
    this.endpoint = config.endpoint;
    this.client = new S3Client(clientConfig(config.endpoint));
  }

  /** `s3://bucket/prefix/key`. */
  urlOf(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  /** The key of an `s3://` URL below this store's bucket and prefix, or `null` when it is elsewhere. */
  keyOf(url: string): string | null {
    const object = parseS3ObjectUrl(url);
    if (object === null || object.bucket !== this.bucket || !object.key.startsWith(this.prefix)) return null;
    return object.key.slice(this.prefix.length);
  }

  /** Downloads the whole object; a body shorter than its Content-Length is `corrupt`. */
  async get(key: string): Promise<Buffer> {
    checkKey(key, this.url);
    const url = this.urlOf(key);
    const response = await this.call(url, 'reading', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })));
    return readWhole(response.Body, response.ContentLength, url);
  }

  /** Streams the object into `file`; see `ArtifactStore.download`. */
  async download(key: string, file: string): Promise<void> {
    checkKey(key, this.url);
    const url = this.urlOf(key);
    const response = await this.call(url, 'reading', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })));
    await writeWhole(response.Body, response.ContentLength, url, file);
  }

  /**
   * Uploads the object unless the key exists. The upload is conditional (`If-None-Match: *`) so
   * that a writer racing us between our look-up and our upload makes S3 answer 412 instead of
   * silently replacing its object; we then judge against what that writer stored.
   */
  async putImmutable(key: string, bytes: Uint8Array, contentType = 'application/octet-stream'): Promise<PutOutcome> {
    checkKey(key, this.url);
    const url = this.urlOf(key);
    const offered = sha256Hex(bytes);
    const stored = await this.storedSha256(key);
    if (stored !== null) return judge(url, stored, offered);
    const outcome = await this.client
      .send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: bytes,
          ContentType: contentType,
          IfNoneMatch: '*',
          Metadata: { [SHA256_METADATA]: offered },
        }),
      )
      .then(
        () => 'written' as const,
        (error: unknown) => {
          if (isPreconditionFailed(error)) return 'raced' as const;
          throw s3Failure(error, url, 'writing');
        },
      );
    if (outcome === 'written') return 'written';
    const winner = await this.storedSha256(key);
    if (winner === null) throw new ArtifactStoreError('unreachable', url, 'the store refused the upload as existing, then had no object; try again');
    return judge(url, winner, offered);
  }

  /** Every key under `prefix`, relative to the store's prefix, over all ListObjectsV2 pages. */
  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix, this.url);
    const url = this.urlOf(prefix);
    const keys: string[] = [];
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.prefix + prefix });
    await this.call(url, 'listing', async () => {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          // Consoles create zero-byte `folder/` markers; they are not objects of ours.
          if (object.Key !== undefined && !object.Key.endsWith('/')) keys.push(object.Key.slice(this.prefix.length));
        }
      }
    });
    return keys.sort();
  }

  /**
   * The sha256 of the object at `key`, or `null` when there is none: the metadata we wrote when
   * present (one HEAD), else the hash of the downloaded bytes (objects uploaded by other tools).
   */
  private async storedSha256(key: string): Promise<string | null> {
    const url = this.urlOf(key);
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })).then(
      (response) => response,
      (error: unknown) => {
        if (isMissing(error)) return null;
        throw s3Failure(error, url, 'looking up');
      },
    );
    if (head === null) return null;
    const recorded = head.Metadata?.[SHA256_METADATA];
    if (recorded !== undefined && /^[0-9a-f]{64}$/.test(recorded)) return recorded;
    return sha256Hex(await this.get(key));
  }

  private async call<T>(url: string, doing: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw s3Failure(error, url, doing);
    }
  }
}

/** The bucket and key prefix (empty or ending with `/`) of an `s3://` URL; throws a plain `Error` otherwise. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (match === null) throw new Error(`'${url}' is not an S3 URL (expected s3://bucket[/prefix])`);
  const [, bucket, path] = match;
  const trimmed = path.replace(/\/+$/, '');
  return { bucket, prefix: trimmed === '' ? '' : `${trimmed}/` };
}

/** The bucket and object key of `s3://bucket/key`, or `null` when `url` names no object. */
export function parseS3ObjectUrl(url: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/(.*[^/])$/.exec(url);
  return match === null ? null : { bucket: match[1], key: match[2] };
}

function clientConfig(endpoint: string | undefined): S3ClientConfig {
  const common: S3ClientConfig = {
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: RESPONSE_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      socketTimeout: IDLE_SOCKET_TIMEOUT_MS,
    },
  };
  // A bucket in another region than AWS_REGION answers 301; the SDK can follow that for AWS.
  if (endpoint === undefined) return { ...common, followRegionRedirects: true };
  return {
    ...common,
    endpoint,
    forcePathStyle: true,
    // Several S3-compatible services reject the flexible-checksum headers the SDK has sent by
    // default since 2025 (v3.729); SigV4's payload hash and our own sha256 still cover the bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

function judge(url: string, stored: string, offered: string): PutOutcome {
  if (stored === offered) return 'unchanged';
  throw conflictError(url, stored, offered);
}

/** The SDK's error as an `ArtifactStoreError` of the failure it stands for. */
function s3Failure(error: unknown, url: string, doing: string): ArtifactStoreError {
  const what = describe(error);
  if (isMissing(error)) return missingError(url, { cause: error });
  if (isDenied(error)) {
    return new ArtifactStoreError(
      'denied',
      url,
      `${doing} was refused (${what}); check the Secret with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the ServiceAccount's IRSA/workload identity annotation`,
      { cause: error },
    );
  }
  if (isRefusedRequest(error)) return new ArtifactStoreError('unsupported', url, `${doing} was refused as invalid (${what})`, { cause: error });
  // 501: an S3-compatible service without this operation or header (e.g. conditional uploads).
  if (statusOf(error) === 501) return new ArtifactStoreError('unsupported', url, `${doing} is not implemented by this store (${what})`, { cause: error });
  return new ArtifactStoreError('unreachable', url, `${doing} failed (${what}); the store did not answer or failed, try again later`, { cause: error });
}

const MISSING_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const DENIED_CODES = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'CredentialsProviderError',
]);

function isMissing(error: unknown): boolean {
  return MISSING_CODES.has(nameOf(error)) || statusOf(error) === 404;
}

function isDenied(error: unknown): boolean {
  const status = statusOf(error);
  return DENIED_CODES.has(nameOf(error)) || status === 401 || status === 403;
}

function isPreconditionFailed(error: unknown): boolean {
  return nameOf(error) === 'PreconditionFailed' || statusOf(error) === 412;
}

// Any other 4xx but 408/409/429 (which pass) says the request itself is wrong: retrying won't help.
function isRefusedRequest(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const status = statusOf(error);
  const name = code ?? (error.name === 'Error' ? undefined : error.name);
  const detail = [name, status === undefined ? undefined : `HTTP ${status}`].filter((part) => part !== undefined).join(', ');
  return detail === '' ? error.message : `${detail}: ${error.message}`;
}
