/** The read-only HTTP(S) store against a real loopback `node:http` server (plain HTTP). */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type ArtifactStore, ArtifactStoreError } from '../../../core/artifact-store/artifact-store.js';
import { HttpsStore } from '../../../core/artifact-store/https-store.js';
import { freePort } from '../../support/free-port.js';

const MODEL = Buffer.from('onnx bytes served over http');
const LARGE = Buffer.alloc(32 * 1024, 3);

// Each path is one behaviour of a real server or link.
const ROUTES: Record<string, (response: ServerResponse) => void> = {
  '/models/fraud-detector/1.0.0/model.onnx': (response) => response.writeHead(200, { 'content-length': MODEL.length }).end(MODEL),
  '/models/with%20space/model.onnx': (response) => response.writeHead(200, { 'content-length': MODEL.length }).end(MODEL),
  '/models/gzipped/model.onnx': (response) => {
    const body = gzipSync(LARGE);
    response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
  },
  '/models/private/model.onnx': (response) => response.writeHead(403).end('forbidden'),
  '/models/login/model.onnx': (response) => response.writeHead(401).end('who are you'),
  '/models/broken/model.onnx': (response) => response.writeHead(503).end('try later'),
  '/models/truncated/model.onnx': (response) => {
    response.writeHead(200, { 'content-length': LARGE.length });
    // Send 1,000 bytes of the 32 KiB announced, then drop the connection.
    response.write(LARGE.subarray(0, 1_000), () => response.socket?.destroy());
  },
  '/models/silent/model.onnx': () => {
    // Never answer: the client's own timeout must end the wait.
  },
};

let server: Server;
let base: string;
const seen: string[] = [];

before(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    seen.push(`${request.method} ${request.url}`);
    const route = ROUTES[request.url ?? ''];
    if (route === undefined) response.writeHead(404).end('not found');
    else route(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failureOf(operation: Promise<unknown>): Promise<ArtifactStoreError> {
  const error = await operation.then(
    () => assert.fail('expected the operation to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ArtifactStoreError, `expected an ArtifactStoreError, got ${String(error)}`);
  return error;
}

describe('HttpsStore reads', () => {
  it('an object below the store URL', async () => {
    const store = new HttpsStore(base);

    assert.deepEqual(await store.get('fraud-detector/1.0.0/model.onnx'), MODEL);
  });

  it('a key with characters that need encoding, percent-encoded once', async () => {
    const store = new HttpsStore(`${base}/`);

    assert.equal(store.urlOf('with space/model.onnx'), `${base}/with%20space/model.onnx`);
    assert.deepEqual(await store.get('with space/model.onnx'), MODEL);
  });

  it('a gzip-encoded body whole, though its Content-Length counts compressed bytes', async () => {
    assert.deepEqual(await new HttpsStore(base).get('gzipped/model.onnx'), LARGE);
  });
});

describe('HttpsStore refuses', () => {
  it('a missing object as missing, quoting its full URL', async () => {
    const error = await failureOf(new HttpsStore(base).get('fraud-detector/9.9.9/model.onnx'));

    assert.equal(error.failure, 'missing');
    assert.ok(error.message.startsWith(`${base}/fraud-detector/9.9.9/model.onnx: no such object`), error.message);
  });

  it('403 and 401 as denied', async () => {
    const store = new HttpsStore(base);

    assert.equal((await failureOf(store.get('private/model.onnx'))).failure, 'denied');
    assert.equal((await failureOf(store.get('login/model.onnx'))).failure, 'denied');
  });

  it('5xx as unreachable, to be retried', async () => {
    const error = await failureOf(new HttpsStore(base).get('broken/model.onnx'));

    assert.equal(error.failure, 'unreachable');
    assert.equal(error.retryable, true);
    assert.match(error.message, /HTTP 503/);
  });

  it('a closed port as unreachable within a few seconds', async () => {
    const port = await freePort();
    const started = Date.now();

    const error = await failureOf(new HttpsStore(`http://127.0.0.1:${port}/models`).get('fraud-detector/1.0.0/model.onnx'));

    assert.equal(error.failure, 'unreachable');
    assert.match(error.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  it('a server that never answers as unreachable once the idle timeout passes', async () => {
    const started = Date.now();

    const error = await failureOf(new HttpsStore(base, 300).get('silent/model.onnx'));

    assert.equal(error.failure, 'unreachable');
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  });

  it('a body cut short of its Content-Length as corrupt', async () => {
    const error = await failureOf(new HttpsStore(base).get('truncated/model.onnx'));

    assert.equal(error.failure, 'corrupt');
    assert.match(error.message, new RegExp(`truncated download: got 1000 of ${LARGE.length} bytes`));
  });

  it('a download to a file cut short as corrupt, leaving no file and no partial one', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'slipway-download-'));
    try {
      const error = await failureOf(new HttpsStore(base).download('truncated/model.onnx', path.join(folder, 'model.onnx')));

      assert.equal(error.failure, 'corrupt');
      assert.deepEqual(await readdir(folder), []);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('writes and listings as unsupported, without sending a request', async () => {
    const store: ArtifactStore = new HttpsStore(base);
    const before = seen.length;

    const write = await failureOf(store.putImmutable('fraud-detector/2.0.0/model.onnx', MODEL));
    const listing = await failureOf(store.list('fraud-detector/'));

    assert.equal(write.failure, 'unsupported');
    assert.match(write.message, /an https:\/\/ store is read only; publish to s3:\/\/ or a directory/);
    assert.equal(listing.failure, 'unsupported');
    assert.equal(seen.length, before);
  });
});
