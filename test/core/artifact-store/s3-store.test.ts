/**
 * The S3 store against a real S3-compatible server (test/support/s3-server.ts) speaking the
 * real protocol to the real SDK; failures come from real sockets, never from stubs.
 */
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArtifactStoreError, sha256Hex } from '../../../core/artifact-store/artifact-store.js';
import { resolveArtifact } from '../../../core/artifact-store/open-store.js';
import { S3Store } from '../../../core/artifact-store/s3-store.js';
import { freePort } from '../../support/free-port.js';
import { startS3, type TestS3 } from '../../support/s3-server.js';

let s3: TestS3;
let store: S3Store;
const savedEnv = { ...process.env };

before(async () => {
  s3 = await startS3({ bucket: 'slipway-artifacts' });
  setEnv(s3.env);
  store = new S3Store({ url: `s3://${s3.bucket}/team-a`, endpoint: s3.endpoint });
});

after(async () => {
  await s3.stop();
  restoreEnv();
});

const bytesOf = (text: string) => Buffer.from(text, 'utf8');

describe('S3Store reads and writes', () => {
  it('uploads an object below the store prefix, recording its sha256, and downloads the same bytes', async () => {
    const bytes = bytesOf('onnx bytes v1');

    const outcome = await store.putImmutable('fraud-detector/1.0.0/model.onnx', bytes);

    assert.equal(outcome, 'written');
    assert.deepEqual(await store.get('fraud-detector/1.0.0/model.onnx'), bytes);
    const head = await rawClient().send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'team-a/fraud-detector/1.0.0/model.onnx' }));
    assert.equal(head.Metadata?.sha256, sha256Hex(bytes));
    assert.equal(head.ContentType, 'application/octet-stream');
  });

  it('answers unchanged to the same bytes twice, without a second upload', async () => {
    await store.putImmutable('fraud-detector/1.1.0/model.onnx', bytesOf('same'));
    const before = s3.requests.length;

    const outcome = await store.putImmutable('fraud-detector/1.1.0/model.onnx', bytesOf('same'));

    assert.equal(outcome, 'unchanged');
    assert.deepEqual(methodsSince(before), ['HEAD']);
  });

  it('trusts the recorded sha256 metadata of an existing object, without downloading it', async () => {
    const bytes = bytesOf('published before');
    await s3.putRaw('team-a/fraud-detector/1.2.0/model.onnx', bytes, { sha256: sha256Hex(bytes) });
    const before = s3.requests.length;

    assert.equal(await store.putImmutable('fraud-detector/1.2.0/model.onnx', bytes), 'unchanged');
    assert.deepEqual(methodsSince(before), ['HEAD']);
  });

  it('compares the bytes of an object uploaded by another tool (no sha256 metadata)', async () => {
    await s3.putRaw('team-a/fraud-detector/1.3.0/model.onnx', bytesOf('from the console'));
    const before = s3.requests.length;

    assert.equal(await store.putImmutable('fraud-detector/1.3.0/model.onnx', bytesOf('from the console')), 'unchanged');
    assert.deepEqual(methodsSince(before), ['HEAD', 'GET']);
    const error = await failureOf(store.putImmutable('fraud-detector/1.3.0/model.onnx', bytesOf('something else')));
    assert.equal(error.failure, 'conflict');
    assert.deepEqual(await store.get('fraud-detector/1.3.0/model.onnx'), bytesOf('from the console'));
  });

  it('reads a card’s s3:// URI elsewhere in the same bucket through the configured endpoint', async () => {
    await s3.putRaw('shared/fraud-detector/0.9.0/model.onnx', bytesOf('shared'));

    const { store: resolved, key } = resolveArtifact(store, `s3://${s3.bucket}/shared/fraud-detector/0.9.0/model.onnx`);

    assert.equal(key, 'model.onnx');
    assert.deepEqual(await resolved.get(key), bytesOf('shared'));
  });
});

describe('S3Store refuses', () => {
  it('other bytes at an existing key with a conflict naming both sha256s, and keeps the stored bytes', async () => {
    const original = bytesOf('original');
    const other = bytesOf('other');
    await store.putImmutable('fraud-detector/2.0.0/model.onnx', original);

    const error = await failureOf(store.putImmutable('fraud-detector/2.0.0/model.onnx', other));

    assert.equal(error.failure, 'conflict');
    assert.match(error.message, new RegExp(`sha256 ${sha256Hex(original)}`));
    assert.match(error.message, new RegExp(`sha256 ${sha256Hex(other)}`));
    assert.deepEqual(await store.get('fraud-detector/2.0.0/model.onnx'), original);
  });

  it('a missing key with a missing failure that quotes the full s3:// URL', async () => {
    const error = await failureOf(store.get('fraud-detector/9.9.9/model.onnx'));

    assert.equal(error.failure, 'missing');
    assert.ok(error.message.startsWith(`s3://${s3.bucket}/team-a/fraud-detector/9.9.9/model.onnx: no such object`), error.message);
  });

  it('a bucket that does not exist as missing', async () => {
    const elsewhere = new S3Store({ url: 's3://no-such-bucket/models', endpoint: s3.endpoint });

    const error = await failureOf(elsewhere.get('fraud-detector/1.0.0/model.onnx'));

    assert.equal(error.failure, 'missing');
  });

  it('a wrong secret as denied, for reads and writes, saying which credentials to check', async () => {
    const wrong = await withEnv({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, async () => {
      const denied = new S3Store({ url: `s3://${s3.bucket}/team-a`, endpoint: s3.endpoint });
      return [await failureOf(denied.get('fraud-detector/1.0.0/model.onnx')), await failureOf(denied.putImmutable('fraud-detector/5.0.0/model.onnx', bytesOf('x')))];
    });

    for (const error of wrong) {
      assert.equal(error.failure, 'denied');
      assert.equal(error.retryable, false);
      assert.match(error.message, /AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/);
      assert.match(error.message, /IRSA/);
    }
    assert.match(wrong[0].message, /SignatureDoesNotMatch/);
    await failureOf(store.get('fraud-detector/5.0.0/model.onnx')).then((error) => assert.equal(error.failure, 'missing'));
  });

  it('an unknown access key id as denied', async () => {
    const error = await withEnv({ AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN' }, () =>
      failureOf(new S3Store({ url: `s3://${s3.bucket}/team-a`, endpoint: s3.endpoint }).get('fraud-detector/1.0.0/model.onnx')),
    );

    assert.equal(error.failure, 'denied');
    assert.match(error.message, /InvalidAccessKeyId/);
  });

  it('absent credentials (the SDK chain finds none) as denied, before any request', async () => {
    const before = s3.requests.length;
    const error = await withEnv(
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/slipway/credentials',
        AWS_CONFIG_FILE: '/nonexistent/slipway/config',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      () => failureOf(new S3Store({ url: `s3://${s3.bucket}/team-a`, endpoint: s3.endpoint }).get('fraud-detector/1.0.0/model.onnx')),
    );

    assert.equal(error.failure, 'denied');
    assert.match(error.message, /CredentialsProviderError/);
    assert.equal(s3.requests.length, before);
  });

  it('a closed port as unreachable within a few seconds', async () => {
    const port = await freePort();
    const closed = new S3Store({ url: 's3://slipway-artifacts/team-a', endpoint: `http://127.0.0.1:${port}` });
    const started = Date.now();

    const error = await failureOf(closed.get('fraud-detector/1.0.0/model.onnx'));

    assert.equal(error.failure, 'unreachable');
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  it('a download cut short of its Content-Length as corrupt', async () => {
    const bytes = Buffer.alloc(64 * 1024, 7);
    await store.putImmutable('fraud-detector/6.0.0/model.onnx', bytes);
    const proxy = await startTruncatingProxy(new URL(s3.endpoint), 1_000);
    try {
      const behind = new S3Store({ url: `s3://${s3.bucket}/team-a`, endpoint: proxy.endpoint });

      const error = await failureOf(behind.get('fraud-detector/6.0.0/model.onnx'));

      assert.equal(error.failure, 'corrupt');
      assert.equal(error.retryable, true);
      assert.match(error.message, new RegExp(`truncated download: got 1000 of ${bytes.length} bytes`));

      // Streamed to a file, the same cut leaves neither the file nor a partial one.
      const folder = await mkdtemp(path.join(tmpdir(), 'slipway-download-'));
      const cut = await failureOf(behind.download('fraud-detector/6.0.0/model.onnx', path.join(folder, 'model.onnx')));
      assert.equal(cut.failure, 'corrupt');
      assert.deepEqual(await readdir(folder), []);
      await rm(folder, { recursive: true });
    } finally {
      await proxy.stop();
    }
  });
});

describe('S3Store.download', () => {
  it('streams an object larger than one chunk into a file, byte for byte, creating its folder', async () => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, index) => (index * 31) % 251));
    await store.putImmutable('offline/transactions.csv', bytes);
    const folder = await mkdtemp(path.join(tmpdir(), 'slipway-download-'));
    try {
      const file = path.join(folder, 'sources', 'transactions.csv');

      await store.download('offline/transactions.csv', file);

      assert.equal(sha256Hex(await readFile(file)), sha256Hex(bytes));
      assert.deepEqual(await readdir(path.dirname(file)), ['transactions.csv']);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a missing object as missing, writing nothing', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'slipway-download-'));
    try {
      const error = await failureOf(store.download('offline/absent.csv', path.join(folder, 'absent.csv')));

      assert.equal(error.failure, 'missing');
      assert.deepEqual(await readdir(folder), []);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('S3Store under a racing writer', () => {
  it('judges against the object another writer uploaded between our look-up and our upload (412)', async () => {
    const key = 'fraud-detector/7.0.0/model.onnx';
    s3.beforeRequest(async ({ method }) => {
      if (method !== 'PUT') return;
      s3.beforeRequest(null);
      await s3.putRaw(`team-a/${key}`, bytesOf('the other writer'));
    });
    const before = s3.requests.length;

    const error = await failureOf(store.putImmutable(key, bytesOf('ours')));

    assert.equal(error.failure, 'conflict');
    assert.deepEqual(await store.get(key), bytesOf('the other writer'));
    assert.ok(
      s3.requests.slice(before).some((request) => request.method === 'PUT' && request.status === 412),
      'the server refused the conditional upload',
    );
  });

  it('answers unchanged when the other writer uploaded the same bytes', async () => {
    const key = 'fraud-detector/7.1.0/model.onnx';
    s3.beforeRequest(async ({ method }) => {
      if (method !== 'PUT') return;
      s3.beforeRequest(null);
      await s3.putRaw(`team-a/${key}`, bytesOf('identical'));
    });

    assert.equal(await store.putImmutable(key, bytesOf('identical')), 'unchanged');
  });

  it('lets exactly one of several concurrent writers win', async () => {
    const key = 'fraud-detector/7.2.0/model.onnx';
    const candidates = ['a', 'b', 'c', 'd'].map(bytesOf);

    const results = await Promise.allSettled(candidates.map((bytes) => store.putImmutable(key, bytes)));

    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    assert.equal(winners.length, 1, JSON.stringify(results));
    for (const result of results) {
      if (result.status === 'rejected') assert.equal(result.reason.failure, 'conflict');
    }
    assert.deepEqual(await store.get(key), candidates[winners[0]]);
  });
});

describe('S3Store lists', () => {
  it('only the prefix’s keys in a bucket of 3,000 unrelated objects, over several ListObjectsV2 pages', async () => {
    const ours = Array.from({ length: 1_100 }, (_, index) => `listing/${String(index).padStart(4, '0')}/model.onnx`);
    const unrelated = Array.from({ length: 3_000 }, (_, index) =>
      [`team-a/listing-old/${index}/model.onnx`, `team-b/listing/${index}/model.onnx`, `listing/${index}.onnx`][index % 3],
    );
    await inBatches([...ours.map((key) => `team-a/${key}`), ...unrelated], (key) => s3.putRaw(key, bytesOf(key)));
    const before = s3.requests.length;

    const keys = await store.list('listing/');

    assert.deepEqual(keys, ours);
    const pages = s3.requests.slice(before).filter((request) => request.method === 'GET' && /(^|&)list-type=2(&|$)/.test(request.query));
    assert.equal(pages.length, 2, 'S3 answers at most 1,000 keys a page');
    assert.match(pages[1].query, /continuation-token=/);
  });

  it('nothing under a prefix that holds no object', async () => {
    assert.deepEqual(await store.list('nothing-here/'), []);
  });
});

// --- helpers ---

function rawClient(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
}

function methodsSince(index: number): string[] {
  return s3.requests.slice(index).map((request) => request.method);
}

async function failureOf(operation: Promise<unknown>): Promise<ArtifactStoreError> {
  const error = await operation.then(
    () => assert.fail('expected the operation to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ArtifactStoreError, `expected an ArtifactStoreError, got ${String(error)}`);
  return error;
}

function setEnv(values: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

function restoreEnv(): void {
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  setEnv(savedEnv);
}

// The SDK reads credentials from the environment on a client's first request, and keeps them.
async function withEnv<T>(values: Readonly<Record<string, string | undefined>>, run: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  setEnv(values);
  try {
    return await run();
  } finally {
    setEnv(previous);
  }
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>, size = 64): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(work));
}

/**
 * A loopback proxy that forwards every request untouched (the signature covers the Host header,
 * which it keeps), but passes on only the first `limit` bytes of a response body, then closes the
 * connection: what a dropped link mid-download looks like to the client.
 */
async function startTruncatingProxy(target: URL, limit: number): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server: Server = createServer((incoming, outgoing) => {
    const upstream = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      let sent = 0;
      response.on('data', (chunk: Buffer) => {
        const part = chunk.subarray(0, Math.max(0, limit - sent));
        sent += part.length;
        if (sent < limit) {
          outgoing.write(part);
          return;
        }
        response.destroy();
        // Close only once the bytes we pass on are out, so the client sees exactly `limit`.
        outgoing.write(part, () => outgoing.socket?.destroy());
      });
      response.on('end', () => outgoing.end());
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
