/**
 * The runtime, run from its rendered Deployment as the kubelet runs it (its args, env, Secret,
 * ConfigMap volume with the `..data` swap, emptyDirs, user and read-only root, in the image the
 * Dockerfile builds): it fetches its artifacts from the S3-compatible store, becomes ready and
 * serves; a ConfigMap change to a 10 % canary fetches the new version and switches with no failed
 * request under load; bytes that differ from the card's sha256 are never served, and the metric
 * and the log say why, until the right bytes arrive.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '../support/kubelet/pod.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startS3, type TestS3 } from '../support/s3-server.js';
import { postJson, sampleUser, sampleValue } from '../runtime/feature-fixture.js';
import { BUNDLE_CONFIG_MAP as BUNDLE, clusterRepo, configMapData, runRenderedRuntime, RUNTIME_URL as RUNTIME, STORE_PREFIX, uploadExampleArtifacts, type ClusterRepo } from './cluster-repo.js';

async function metrics(): Promise<string> {
  return (await fetch(`${RUNTIME}/metrics`)).text();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sends requests from `workers` loops until stopped; counts what did not answer 200. */
function load(workers: number): { stop: () => Promise<{ sent: number; failed: string[]; versions: Set<string> }> } {
  let running = true;
  const failed: string[] = [];
  const versions = new Set<string>();
  let sent = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let index = worker; running; index += workers) {
      const sample = sampleUser(index % 500);
      const response = await postJson(`${RUNTIME}/v2/models/fraud-detector/score`, { entities: { user_id: `user-${index % 500}`, transaction_id: `t-${index}` }, features: sample.transaction }).catch(
        (error: Error) => ({ status: 0, body: { error: error.message } as Record<string, unknown> }),
      );
      sent++;
      if (response.status !== 200) failed.push(`${response.status} ${JSON.stringify(response.body)}`);
      else versions.add(String(response.body.model_version));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { sent, failed, versions };
    },
  };
}

describe('the runtime pod, as the kubelet runs it', () => {
  let s3: TestS3;
  let redis: TestRedis;
  let repo: ClusterRepo;
  let pod: Pod;
  const logs: string[] = [];

  before(async () => {
    s3 = await startS3();
    redis = await startRedis();
    repo = await clusterRepo(s3, redis.url);
    await uploadExampleArtifacts(s3, repo.root, ['2.0.0']);
  });
  after(async () => {
    await pod?.stop();
    await repo?.dispose();
    await redis?.stop();
    await s3?.stop();
  });

  it('fetches its stable artifact from the store, becomes ready and serves', async () => {
    const rendered = await repo.render('dev');
    // No cap on the grace period: the rendered one covers preStop and drain, and the last test checks the exit.
    pod = await runRenderedRuntime(rendered, repo, { podName: 'fraud-detector-7d9f8-abcde', namespace: 'ml-dev', log: (line) => logs.push(line) });

    const answer = await postJson(`${RUNTIME}/v2/models/fraud-detector/score`, { entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.model_version, '2.0.0');
    const exposition = await metrics();
    assert.equal(sampleValue(exposition, 'slipway_artifact_fetches_total', { version: '2.0.0', result: 'ok' }), 1);
    // Fetched over S3 with the Secret's credentials, from the key the card names under the project's prefix.
    assert.ok(s3.requests.some((request) => request.method === 'GET' && request.path === `/${s3.bucket}/${STORE_PREFIX}/fraud-detector/2.0.0/model.onnx` && request.status === 200));
    assert.ok((await pod.volumeUsage('artifacts')) > 0, 'the artifact is kept on the cache volume');
  });

  it('never serves a canary whose bytes differ from its sha256, says why, and switches once the right bytes arrive, with no failed request', async () => {
    const right = await readFile(path.join(repo.root, 'models/fraud-detector/1.4.0/model.onnx'));
    const tampered = Buffer.from(right);
    tampered[tampered.length - 1] ^= 0xff;
    await s3.putRaw(`${STORE_PREFIX}/fraud-detector/1.4.0/model.onnx`, tampered);
    await repo.edit('environments/dev.yaml', (text) => text.replace('      stable: 2.0.0\n', '      stable: 2.0.0\n      canary: { version: 1.4.0, weight: 10 }\n      rollout: fraud-canary\n'));
    const rendered = await repo.render('dev');

    const traffic = load(4);
    await pod.updateConfigMap(BUNDLE, configMapData(rendered, BUNDLE));
    await waitFor('the sha256 mismatch to be counted', async () => (sampleValue(await metrics(), 'slipway_artifact_fetches_total', { version: '1.4.0', result: 'sha256-mismatch' }) ?? 0) >= 1);
    const refused = await metrics();
    assert.equal(sampleValue(refused, 'slipway_model_info', { version: '1.4.0' }), null, 'the tampered canary is not loaded');
    assert.equal(sampleValue(refused, 'slipway_model_info', { version: '2.0.0', weight: '100' }), 1, 'stable keeps all the traffic');
    assert.ok(
      logs.some((line) => line.includes('sha256 is') && line.includes('fraud-detector/1.4.0/model.onnx') && line.includes('refusing to load it')),
      'the log names the object and the mismatch',
    );

    await s3.putRaw(`${STORE_PREFIX}/fraud-detector/1.4.0/model.onnx`, right);
    await waitFor('the canary to serve after the retry', async () => sampleValue(await metrics(), 'slipway_model_info', { version: '1.4.0', role: 'canary', weight: '10' }) === 1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const outcome = await traffic.stop();

    assert.deepEqual(outcome.failed, [], `${outcome.failed.length} of ${outcome.sent} requests failed`);
    assert.ok(outcome.sent > 100, `${outcome.sent} requests were sent during the switch`);
    assert.ok(outcome.versions.has('1.4.0') && outcome.versions.has('2.0.0'), 'both versions answered after the switch');
    assert.equal(sampleValue(await metrics(), 'slipway_artifact_fetches_total', { version: '1.4.0', result: 'ok' }), 1);
  });

  it('stops as the kubelet stops it (preStop, SIGTERM, drain), exiting 0 before the grace period ends', async () => {
    const runtime = pod.containers.get('runtime')!;
    await pod.stop();
    const exit = await runtime.exited;
    assert.equal(exit.code, 0, runtime.stderr.slice(-2_000));
  });
});
