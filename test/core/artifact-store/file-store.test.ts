/** The directory store against a real temporary directory. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArtifactStoreError, sha256Hex } from '../../../core/artifact-store/artifact-store.js';
import { FileStore } from '../../../core/artifact-store/file-store.js';

let root: string;
let store: FileStore;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'slipway-file-store-'));
  store = new FileStore(path.join(root, 'models'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const bytesOf = (text: string) => Buffer.from(text, 'utf8');

async function failureOf(operation: Promise<unknown>): Promise<ArtifactStoreError> {
  const error = await operation.then(
    () => assert.fail('expected the operation to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ArtifactStoreError, `expected an ArtifactStoreError, got ${String(error)}`);
  return error;
}

describe('FileStore reads and writes', () => {
  it('writes an object, creating its folders, and reads the same bytes back', async () => {
    const bytes = bytesOf('onnx bytes v1');

    const outcome = await store.putImmutable('fraud-detector/1.0.0/model.onnx', bytes);

    assert.equal(outcome, 'written');
    assert.deepEqual(await store.get('fraud-detector/1.0.0/model.onnx'), bytes);
    assert.deepEqual(await readFile(path.join(root, 'models', 'fraud-detector', '1.0.0', 'model.onnx')), bytes);
  });

  it('downloads an object into a file, and a missing one as missing, writing nothing', async () => {
    const bytes = bytesOf('a,b\n1,2\n');
    await store.putImmutable('offline/small.csv', bytes);
    const staged = await mkdtemp(path.join(tmpdir(), 'slipway-staged-'));
    try {
      await store.download('offline/small.csv', path.join(staged, 'small.csv'));
      const error = await failureOf(store.download('offline/absent.csv', path.join(staged, 'absent.csv')));

      assert.deepEqual(await readFile(path.join(staged, 'small.csv')), bytes);
      assert.equal(error.failure, 'missing');
      assert.deepEqual(await readdir(staged), ['small.csv']);
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
  });

  it('leaves no temporary file beside the object', async () => {
    await store.putImmutable('fraud-detector/1.0.1/model.onnx', bytesOf('v1.0.1'));

    assert.deepEqual(await readdir(path.join(root, 'models', 'fraud-detector', '1.0.1')), ['model.onnx']);
  });

  it('answers unchanged when the same bytes are written twice', async () => {
    await store.putImmutable('fraud-detector/1.1.0/model.onnx', bytesOf('same'));

    const outcome = await store.putImmutable('fraud-detector/1.1.0/model.onnx', bytesOf('same'));

    assert.equal(outcome, 'unchanged');
  });

  it('names the URL of the store and of each object as file:// URLs', () => {
    assert.equal(store.url, `file://${path.join(root, 'models')}`);
    assert.equal(store.urlOf('a/b.onnx'), `file://${path.join(root, 'models', 'a', 'b.onnx')}`);
  });
});

describe('FileStore refuses', () => {
  it('other bytes at an existing key with a conflict naming both sha256s, and keeps the stored bytes', async () => {
    const original = bytesOf('original');
    const other = bytesOf('other');
    await store.putImmutable('fraud-detector/2.0.0/model.onnx', original);

    const error = await failureOf(store.putImmutable('fraud-detector/2.0.0/model.onnx', other));

    assert.equal(error.failure, 'conflict');
    assert.equal(error.retryable, false);
    assert.match(error.message, new RegExp(sha256Hex(original)));
    assert.match(error.message, new RegExp(sha256Hex(other)));
    assert.match(error.message, /immutable: publish a new version instead/);
    assert.deepEqual(await store.get('fraud-detector/2.0.0/model.onnx'), original);
  });

  it('a missing key with a missing failure that quotes the full file:// URL', async () => {
    const error = await failureOf(store.get('fraud-detector/9.9.9/model.onnx'));

    assert.equal(error.failure, 'missing');
    assert.equal(error.url, `file://${path.join(root, 'models', 'fraud-detector', '9.9.9', 'model.onnx')}`);
    assert.ok(error.message.startsWith(`${error.url}: no such object`), error.message);
    assert.match(error.message, /slipway publish/);
  });

  it('a key that is a folder as missing', async () => {
    const error = await failureOf(store.get('fraud-detector'));

    assert.equal(error.failure, 'missing');
  });

  it('keys that would leave the directory, without touching the disk', async () => {
    for (const key of ['../escape.onnx', '/etc/passwd', 'a//b', 'a/./b', '']) {
      const error = await failureOf(store.putImmutable(key, bytesOf('x')));
      assert.equal(error.failure, 'unsupported', key);
    }
    assert.deepEqual(await readdir(root), ['models']);
  });
});

describe('FileStore under concurrent writers', () => {
  it('lets exactly one of several writers of different bytes win, and keeps its bytes', async () => {
    const key = 'fraud-detector/3.0.0/model.onnx';
    const candidates = ['a', 'b', 'c', 'd', 'e', 'f'].map(bytesOf);

    const results = await Promise.allSettled(candidates.map((bytes) => store.putImmutable(key, bytes)));

    const written = results.flatMap((result, index) => (result.status === 'fulfilled' && result.value === 'written' ? [index] : []));
    assert.equal(written.length, 1, JSON.stringify(results));
    const losers = results.filter((result) => result.status === 'rejected');
    assert.equal(losers.length, candidates.length - 1);
    for (const loser of losers) assert.equal((loser as PromiseRejectedResult).reason.failure, 'conflict');
    assert.deepEqual(await store.get(key), candidates[written[0]]);
  });

  it('answers unchanged to every writer but one when all write the same bytes', async () => {
    const key = 'fraud-detector/3.1.0/model.onnx';

    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => store.putImmutable(key, bytesOf('same everywhere'))));

    assert.deepEqual([...outcomes].sort(), ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'written']);
  });
});

describe('FileStore lists', () => {
  it('every key under a prefix, recursively and sorted, with / separators', async () => {
    const listed = new FileStore(path.join(root, 'listing'));
    for (const key of ['m/2.0.0/model.onnx', 'm/1.0.0/training-result.json', 'm/1.0.0/model.onnx', 'm-other/1.0.0/model.onnx', 'top.txt']) {
      await listed.putImmutable(key, bytesOf(key));
    }

    assert.deepEqual(await listed.list('m/'), ['m/1.0.0/model.onnx', 'm/1.0.0/training-result.json', 'm/2.0.0/model.onnx']);
    assert.deepEqual(await listed.list(''), ['m-other/1.0.0/model.onnx', 'm/1.0.0/model.onnx', 'm/1.0.0/training-result.json', 'm/2.0.0/model.onnx', 'top.txt']);
  });

  it('nothing for a prefix that does not exist, and skips a crashed writer’s temporary file', async () => {
    const listed = new FileStore(path.join(root, 'leftovers'));
    await mkdir(path.join(root, 'leftovers', 'm'), { recursive: true });
    await writeFile(path.join(root, 'leftovers', 'm', 'model.onnx.0123456789abcdef.slipway-partial'), 'half');

    assert.deepEqual(await listed.list('m/'), []);
    assert.deepEqual(await listed.list('absent/'), []);
  });
});
