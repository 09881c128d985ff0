/**
 * A read-only artifact store behind plain HTTP(S): a CDN, a bucket's public website, an
 * internal mirror. Objects are fetched with the global `fetch`; nothing is ever written.
 */
import { type ArtifactStore, ArtifactStoreError, checkKey, checkPrefix, missingError, type PutOutcome, readWhole, writeWhole } from './artifact-store.js';

/** How long the server may stay silent (before its headers, or between two chunks of the body). */
export const HTTPS_IDLE_TIMEOUT_MS = 30_000;

/** An `https://` (or `http://`) URL prefix that objects are fetched below. */
export class HttpsStore implements ArtifactStore {
  /** The store's URL as configured. */
  readonly url: string;
  private readonly base: string;

  /** Opens `https://host/prefix`; throws a plain `Error` for any other URL. */
  constructor(
    url: string,
    private readonly idleTimeoutMs = HTTPS_IDLE_TIMEOUT_MS,
  ) {
    if (!/^https?:\/\/[^/]+/i.test(url)) throw new Error(`'${url}' is not an HTTP(S) URL (expected https://host[/prefix])`);
    this.url = url;
    this.base = url.endsWith('/') ? url : `${url}/`;
  }

  /** The object's URL: the store's URL, then the key's segments, each percent-encoded. */
  urlOf(key: string): string {
    return this.base + key.split('/').map(encodeURIComponent).join('/');
  }

  /** The key of a URL below this store's URL (segments decoded), or `null` when it is elsewhere. */
  keyOf(url: string): string | null {
    if (!url.startsWith(this.base) || url.length === this.base.length) return null;
    return url.slice(this.base.length).split('/').map(decodeURIComponent).join('/');
  }

  /** Downloads the object; a body shorter than its Content-Length is `corrupt`. */
  async get(key: string): Promise<Buffer> {
    return this.fetchBody(key, (body, length, url) => readWhole(body, length, url));
  }

  /** Streams the object into `file`; see `ArtifactStore.download`. */
  async download(key: string, file: string): Promise<void> {
    await this.fetchBody(key, (body, length, url) => writeWhole(body, length, url, file));
  }

  /** GETs the object and hands its body, announced length and URL to `consume`. */
  private async fetchBody<T>(key: string, consume: (body: AsyncIterable<Uint8Array>, length: number | undefined, url: string) => Promise<T>): Promise<T> {
    checkKey(key, this.url);
    const url = this.urlOf(key);
    // Not `AbortSignal.timeout`: that would cap a whole download, and a large model on a slow
    // link may take minutes. The timer is re-armed by every chunk, so only silence aborts.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${this.idleTimeoutMs} ms`, 'TimeoutError')), this.idleTimeoutMs);
    try {
      const response = await fetch(url, { signal: controller.signal, redirect: 'follow' }).catch((error: unknown) => {
        throw new ArtifactStoreError('unreachable', url, `the server did not answer (${describe(error)})`, { cause: error });
      });
      if (!response.ok) {
        // Release the connection: an unread body would hold it until the server gives up.
        await response.body?.cancel().catch(() => undefined);
        throw statusFailure(response.status, url);
      }
      return await consume(rearming(response.body, timer), announcedLength(response), url);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Always throws `unsupported`: an https store is read only. */
  async putImmutable(key: string): Promise<PutOutcome> {
    throw new ArtifactStoreError('unsupported', this.urlOf(key), "an https:// store is read only; publish to s3:// or a directory");
  }

  /** Always throws `unsupported`: HTTP has no listing. */
  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix, this.url);
    throw new ArtifactStoreError('unsupported', this.url, "an https:// store cannot be listed; publish to s3:// or a directory");
  }
}

function statusFailure(status: number, url: string): ArtifactStoreError {
  if (status === 404 || status === 410) return missingError(url);
  if (status === 401 || status === 403) {
    return new ArtifactStoreError('denied', url, `the server refused access (HTTP ${status}); an https:// store is read anonymously, so make the objects public or use s3://`);
  }
  if (status >= 500 || status === 408 || status === 429) return new ArtifactStoreError('unreachable', url, `the server failed (HTTP ${status}); try again later`);
  // Another 4xx (or a redirect fetch did not follow) says the request is wrong: retrying won't help.
  return new ArtifactStoreError('unsupported', url, `the server answered HTTP ${status}`);
}

/**
 * The body's length as sent, or `undefined` when it cannot be checked: `fetch` decompresses a
 * gzip or br body, and then Content-Length counts the compressed bytes, not those we read.
 */
function announcedLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return undefined;
  const length = response.headers.get('content-length');
  return length === null || !/^\d+$/.test(length) ? undefined : Number(length);
}

async function* rearming(body: ReadableStream<Uint8Array> | null, timer: NodeJS.Timeout): AsyncGenerator<Uint8Array> {
  if (body === null) return;
  for await (const chunk of body) {
    timer.refresh();
    yield chunk;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND…) as the cause.
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return cause === undefined ? error.message : `${code ?? cause.name}: ${cause.message}`;
}
