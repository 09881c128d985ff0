/**
 * An online store signed by a private CA: the environment names the Secret holding the CA
 * (`pods.trustedCAs`), and the runtime pod, run from its rendered Deployment as the kubelet runs
 * it, reads its features from Redis over TLS with that CA. Without the CA the same TLS handshake
 * fails and every stored input would be served from its default (`test/features/materialize/tls.test.ts`
 * shows that refusal).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { RuntimeBundle } from '../../core/bundle.js';
import type { Pod } from '../support/kubelet/pod.js';
import { freePort } from '../support/free-port.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startS3, type TestS3 } from '../support/s3-server.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certificates.js';
import { postJson, sampleUser, writeFeatures } from '../runtime/feature-fixture.js';
import { BUNDLE_CONFIG_MAP as BUNDLE, clusterRepo, configMapData, runRenderedRuntime, RUNTIME_URL as RUNTIME, uploadExampleArtifacts, type ClusterRepo } from './cluster-repo.js';

const CA_SECRET = 'internal-ca';

describe('a runtime pod whose Redis is signed by a private CA', () => {
  let certificates: TestCertificates;
  let s3: TestS3;
  let redis: TestRedis;
  let repo: ClusterRepo;
  let pod: Pod;
  const logs: string[] = [];

  before(async () => {
    certificates = await makeTestCertificates();
    const tlsPort = await freePort();
    redis = await startRedis(['--tls-port', String(tlsPort), '--tls-cert-file', certificates.serverCert, '--tls-key-file', certificates.serverKey, '--tls-ca-cert-file', certificates.caCert, '--tls-auth-clients', 'no']);
    s3 = await startS3();
    repo = await clusterRepo(s3, `rediss://localhost:${tlsPort}`);
    await repo.edit('environments/dev.yaml', (text) => text.replace('  deployments:\n', `  pods:\n    trustedCAs: { name: ${CA_SECRET}, key: ca.crt }\n  deployments:\n`));
    repo.secrets.set(CA_SECRET, { 'ca.crt': await readFile(certificates.caCert, 'utf8') });
    await uploadExampleArtifacts(s3, repo.root, ['2.0.0']);
  });
  after(async () => {
    await pod?.stop();
    await repo?.dispose();
    await s3?.stop();
    await redis?.stop();
    if (certificates !== undefined) await rm(certificates.dir, { recursive: true, force: true });
  });

  it('reads the stored features over TLS, trusting the CA from the Secret', async () => {
    const rendered = await repo.render('dev');
    const bundle = JSON.parse(configMapData(rendered, BUNDLE)['bundle.json'] as string) as RuntimeBundle;
    // Written over the plain port: what is under test is the pod's side of the TLS connection.
    const writer = new Redis(redis.url);
    try {
      await writeFeatures(writer, bundle, [sampleUser(1).user]);
    } finally {
      writer.disconnect();
    }
    pod = await runRenderedRuntime(rendered, repo, { podName: 'fraud-detector-7d9f8-cafe1', namespace: 'ml-dev', maxGracePeriodSeconds: 5, log: (line) => logs.push(line) });

    const answer = await postJson(`${RUNTIME}/v2/models/fraud-detector/score`, { entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const exposition = await (await fetch(`${RUNTIME}/metrics`)).text();
    const lookups = exposition.split('\n').filter((line) => line.startsWith('slipway_feature_lookups_total{'));
    assert.ok(lookups.length > 0, 'the stored inputs were looked up');
    const fallbacks = exposition.split('\n').filter((line) => line.startsWith('slipway_feature_fallbacks_total{') && !line.endsWith(' 0'));
    assert.deepEqual(fallbacks, [], `no stored input fell back to its default; pod log:\n${logs.slice(-20).join('\n')}`);
  });
});
