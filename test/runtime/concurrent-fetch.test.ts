/**
 * A bundle's versions are fetched from the artifact store at the same time, so a stable and a
 * canary on a slow store start in the time of the slowest, not of their sum; one artifact shared
 * by two versions is fetched once. The store is a loopback HTTP server that answers each object
 * after a delay and records how many requests it holds at once.
 */
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RuntimeBundle } from '../../core/bundle.js';
import { startFixtureRuntime } from './feature-fixture.js';

/** Serves files below `root()` after `delayMs`, tracking requests in flight. */
function slowStore(delayMs: number) {
  let root = '';
  const state = { inFlight: 0, mostInFlight: 0, requests: [] as string[] };
  const server: Server = createServer(async (request, response) => {
    state.inFlight++;
    state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
    state.requests.push(request.url ?? '');
    await sleep(delayMs);
    const file = path.join(root, decodeURIComponent(new URL(request.url ?? '/', 'http://store').pathname));
    const done = () => state.inFlight--;
    if (!file.startsWith(root) || !existsSync(file)) {
      done();
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).on('end', done).pipe(response);
  });
  return {
    state,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    /** Points the bundle at this server, serving the directory store the fixture wrote. */
    serve(bundle: RuntimeBundle, url: string): RuntimeBundle {
      root = fileURLToPath(bundle.artifactStore.url);
      return { ...bundle, onlineStore: undefined, artifactStore: { url } };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('fetching a bundle with several versions from a slow store', () => {
  let store: ReturnType<typeof slowStore>;
  let url: string;
  let dispose: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    store = slowStore(300);
    url = await store.listen();
  });
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
    await store.close();
  });

  it('fetches the stable and the canary at the same time, and serves both', async () => {
    const started = await startFixtureRuntime('staging', (bundle) => store.serve(bundle, url), { onlineStore: null, artifactRoot: undefined, cacheDir: null });
    dispose = started.dispose;
    const versions = started.fixture.bundle.versions.map((version) => version.version);
    assert.equal(versions.length, 2, 'staging serves a stable and a canary');
    assert.equal(store.state.requests.length, 2, store.state.requests.join(', '));
    assert.equal(store.state.mostInFlight, 2, 'both artifacts were requested before either arrived');
    for (const version of versions) {
      const answer = await fetch(`${started.runtime.url}/v2/models/fraud-detector/versions/${version}/ready`);
      assert.equal(answer.status, 200, `${version} is ready`);
    }
  });

  it('fetches an artifact two versions share once', async () => {
    const started = await startFixtureRuntime('staging', (bundle) => {
      const [stable] = bundle.versions;
      const shared = bundle.versions.map((version) => ({ ...version, artifact: stable!.artifact, inputs: stable!.inputs }));
      return store.serve({ ...bundle, versions: shared }, url);
    }, { onlineStore: null, artifactRoot: undefined, cacheDir: null });
    dispose = started.dispose;
    assert.equal(store.state.requests.length, 1, store.state.requests.join(', '));
  });
});
