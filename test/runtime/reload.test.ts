/** Hot reload from the bundle file under load: no failed request; a bad artifact never replaces a serving one. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RuntimeBundle } from '../../core/bundle.js';
import { buildTreeModel, FRAUD_INPUT_RANGES, writeArtifact, writeBundleFile } from '../support/onnx-fixture.js';
import { postJson, sampleUser, sampleValue, startFixtureRuntime } from './feature-fixture.js';
import { eventually, runLoad, sleep } from './load.js';

describe('hot reload of the bundle file', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let bundleFile: string;
  let original: RuntimeBundle;
  let configDir = '';

  before(async () => {
    // No online store: every stored input comes from defaults, which keeps this test about reloads.
    const prepared = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined }), { onlineStore: null });
    original = prepared.fixture.bundle;
    configDir = await mkdtemp(path.join(tmpdir(), 'slipway-config-'));
    bundleFile = path.join(configDir, 'bundle.json');
    await writeBundleFile(bundleFile, original);
    await prepared.dispose();
    started = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined }), { onlineStore: null, bundleFile, watchIntervalMs: 50, releaseGraceMs: 200 });
    await writeBundleFile(bundleFile, { ...started.fixture.bundle, onlineStore: undefined });
  });

  after(async () => {
    await started?.dispose();
    if (configDir !== '') await rm(configDir, { recursive: true, force: true });
  });

  const body = (index: number) => ({ entities: { user_id: `user-${index % 500}`, transaction_id: `t-${index}` }, features: sampleUser(index).transaction });
  const metrics = async () => (await fetch(`${started.runtime.url}/metrics`)).text();

  it('switches weights and versions under load without a failed request', async () => {
    const url = `${started.runtime.url}/v2/models/fraud-detector/score`;
    const load = runLoad(url, 8, body);
    await sleep(200);
    // Step 1: canary 10 % → 50 %.
    const current = started.fixture.bundle;
    const stepped: RuntimeBundle = { ...current, onlineStore: undefined, versions: current.versions.map((version) => ({ ...version, weight: version.role === 'canary' ? 50 : 50 })) };
    await writeBundleFile(bundleFile, stepped);
    await eventually(async () => sampleValue(await metrics(), 'slipway_model_info', { version: '2.0.0', weight: '50' }) === 1, 10_000, 'the canary at 50 %');
    await sleep(200);
    // Step 2: a new artifact for the canary (a retrained 2.0.0 under a new URI).
    const retrained = buildTreeModel({ inputs: 8, ranges: FRAUD_INPUT_RANGES, seed: 99 });
    await writeArtifact(started.root, 'models/fraud-detector/2.0.1/model.onnx', retrained.bytes);
    const promoted: RuntimeBundle = {
      ...stepped,
      versions: [{ ...stepped.versions[1], version: '2.0.1', role: 'stable', weight: 100, artifact: { uri: 'models/fraud-detector/2.0.1/model.onnx', sha256: retrained.sha256 } }],
    };
    await writeBundleFile(bundleFile, promoted);
    await eventually(async () => sampleValue(await metrics(), 'slipway_model_info', { version: '2.0.1', role: 'stable' }) === 1, 10_000, '2.0.1 serving');
    await sleep(300);
    const result = await load.stop();
    assert.deepEqual([...result.statuses].filter(([status]) => status !== 200), [], 'no request may fail during reloads');
    const versions = new Set(result.bodies.map((response) => response.model_version));
    assert.ok(versions.has('1.4.0') && versions.has('2.0.0') && versions.has('2.0.1'), `served ${[...versions].join(', ')}`);
    const last = await postJson(url, body(1));
    assert.equal(last.body.model_version, '2.0.1');
    assert.equal(sampleValue(await metrics(), 'slipway_model_info', { version: '1.4.0' }), null, 'the old stable is no longer listed');
  });

  it('keeps serving the current versions when a new bundle\'s artifact does not match its sha256', async () => {
    const before = await metrics();
    const serving = started.runtime.registry.current!;
    const tampered: RuntimeBundle = {
      ...serving.bundle,
      versions: [...serving.bundle.versions, { ...serving.bundle.versions[0], version: '2.0.2', role: 'canary', weight: 20, artifact: { uri: serving.bundle.versions[0].artifact.uri, sha256: 'f'.repeat(64) } }],
    };
    await writeBundleFile(bundleFile, tampered);
    await eventually(async () => sampleValue(await metrics(), 'slipway_bundle_reloads_total', { result: 'failed' }) === 1, 10_000, 'the reload being rejected');
    assert.equal(started.runtime.registry.current, serving, 'the serving set is unchanged');
    assert.ok(started.logs.some((line) => line.includes('sha256') && line.includes('refusing')));
    const response = await postJson(`${started.runtime.url}/v2/models/fraud-detector/score`, body(3));
    assert.equal(response.status, 200);
    assert.equal(response.body.model_version, '2.0.1');
    assert.equal(sampleValue(await metrics(), 'slipway_model_info', { version: '2.0.2' }), null);
    assert.ok(before.includes('slipway_model_info'));
  });

  it('keeps serving when the bundle file becomes invalid JSON', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(bundleFile, '{ not json');
    await eventually(async () => started.logs.some((line) => line.includes('bundle file unreadable')), 10_000, 'the bad file being noticed');
    assert.equal((await postJson(`${started.runtime.url}/v2/models/fraud-detector/score`, body(4))).status, 200);
  });
});
