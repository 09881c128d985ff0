/** Choosing an adapter by URL, and the store a card's `artifact.uri` is read from. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ArtifactStoreError } from '../../../core/artifact-store/artifact-store.js';
import { FileStore } from '../../../core/artifact-store/file-store.js';
import { HttpsStore } from '../../../core/artifact-store/https-store.js';
import { openArtifactStore, resolveArtifact } from '../../../core/artifact-store/open-store.js';
import { S3Store } from '../../../core/artifact-store/s3-store.js';

let root: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-open-store-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('openArtifactStore', () => {
  it('resolves a relative directory against the repository root, not the working directory', () => {
    const store = openArtifactStore({ url: 'models' }, root);

    assert.ok(store instanceof FileStore);
    assert.equal(store.directory, path.join(root, 'models'));
  });

  it('opens a file:// URL as that directory', () => {
    const store = openArtifactStore({ url: 'file:///srv/artifacts' }, root);

    assert.ok(store instanceof FileStore);
    assert.equal(store.directory, '/srv/artifacts');
  });

  it('opens s3:// with its bucket, prefix and endpoint', () => {
    const store = openArtifactStore({ url: 's3://ml-artifacts/team-a/', endpoint: 'http://minio.local:9000' }, root);

    assert.ok(store instanceof S3Store);
    assert.equal(store.bucket, 'ml-artifacts');
    assert.equal(store.prefix, 'team-a/');
    assert.equal(store.endpoint, 'http://minio.local:9000');
    assert.equal(store.urlOf('m/1.0.0/model.onnx'), 's3://ml-artifacts/team-a/m/1.0.0/model.onnx');
  });

  it('opens a bucket without prefix with keys at the bucket root', () => {
    const store = openArtifactStore({ url: 's3://ml-artifacts' }, root);

    assert.ok(store instanceof S3Store);
    assert.equal(store.urlOf('m/1.0.0/model.onnx'), 's3://ml-artifacts/m/1.0.0/model.onnx');
  });

  it('opens https:// and http:// as the read-only store', () => {
    assert.ok(openArtifactStore({ url: 'https://cdn.example.com/models' }, root) instanceof HttpsStore);
    assert.ok(openArtifactStore({ url: 'http://mirror.internal/models' }, root) instanceof HttpsStore);
  });

  it('refuses an unknown scheme with a plain Error naming the URL and the accepted forms', () => {
    assert.throws(
      () => openArtifactStore({ url: 'gs://bucket/models' }, root),
      (error: unknown) => {
        assert.ok(error instanceof Error && !(error instanceof ArtifactStoreError));
        assert.match(error.message, /'gs:\/\/bucket\/models'/);
        assert.match(error.message, /s3:\/\/bucket\[\/prefix\], https:\/\/host/);
        return true;
      },
    );
  });

  it('refuses an endpoint beside a URL that is not s3://', () => {
    assert.throws(() => openArtifactStore({ url: 'models', endpoint: 'http://minio.local:9000' }, root), /'endpoint' .* applies to s3:\/\/ URLs only/);
  });
});

describe('resolveArtifact', () => {
  const s3 = new S3Store({ url: 's3://ml-artifacts/team-a', endpoint: 'http://minio.local:9000' });

  it('reads a key from the given store', () => {
    const resolved = resolveArtifact(s3, 'fraud-detector/1.0.0/model.onnx');

    assert.equal(resolved.store, s3);
    assert.equal(resolved.key, 'fraud-detector/1.0.0/model.onnx');
  });

  it('reads a full URL below the store’s own URL from that store, as a key', () => {
    const resolved = resolveArtifact(s3, 's3://ml-artifacts/team-a/fraud-detector/1.0.0/model.onnx');

    assert.equal(resolved.store, s3);
    assert.equal(resolved.key, 'fraud-detector/1.0.0/model.onnx');
  });

  it('keeps the endpoint for another prefix of the same bucket', () => {
    const resolved = resolveArtifact(s3, 's3://ml-artifacts/shared/fraud-detector/1.0.0/model.onnx');

    assert.ok(resolved.store instanceof S3Store);
    assert.equal(resolved.store.endpoint, 'http://minio.local:9000');
    assert.equal(resolved.store.urlOf(resolved.key), 's3://ml-artifacts/shared/fraud-detector/1.0.0/model.onnx');
  });

  it('drops the endpoint for another bucket (AWS S3 is what s3:// means by itself)', () => {
    const resolved = resolveArtifact(s3, 's3://public-models/fraud-detector/1.0.0/model.onnx');

    assert.ok(resolved.store instanceof S3Store);
    assert.equal(resolved.store.bucket, 'public-models');
    assert.equal(resolved.store.endpoint, undefined);
    assert.equal(resolved.key, 'model.onnx');
  });

  it('reads an https:// URI from its parent, decoding the file name', () => {
    const resolved = resolveArtifact(s3, 'https://cdn.example.com/models/fraud%20detector/model.onnx');

    assert.ok(resolved.store instanceof HttpsStore);
    assert.equal(resolved.key, 'model.onnx');
    assert.equal(resolved.store.urlOf(resolved.key), 'https://cdn.example.com/models/fraud%20detector/model.onnx');
  });

  it('reads a file:// URI outside the store from its own directory', async () => {
    const elsewhere = path.join(root, 'elsewhere', 'fraud-detector');
    await mkdir(elsewhere, { recursive: true });
    await writeFile(path.join(elsewhere, 'model.onnx'), 'bytes elsewhere');
    const store = openArtifactStore({ url: 'models' }, root);

    const resolved = resolveArtifact(store, pathToFileURL(path.join(elsewhere, 'model.onnx')).href);

    assert.notEqual(resolved.store, store);
    assert.equal((await resolved.store.get(resolved.key)).toString(), 'bytes elsewhere');
  });

  it('reads a file:// URI inside a directory store from that store', () => {
    const store = openArtifactStore({ url: 'models' }, root);

    const resolved = resolveArtifact(store, pathToFileURL(path.join(root, 'models', 'm', '1.0.0', 'model.onnx')).href);

    assert.equal(resolved.store, store);
    assert.equal(resolved.key, 'm/1.0.0/model.onnx');
  });

  it('refuses a URI of an unknown scheme', () => {
    assert.throws(() => resolveArtifact(s3, 'gs://bucket/model.onnx'), /unknown scheme/);
  });
});
