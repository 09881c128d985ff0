/**
 * Redis over TLS (`rediss://`), as managed stores serve it: the materializer writes through it and
 * the runtime reads through it, trusting the store's CA from NODE_EXTRA_CA_CERTS (a mounted file);
 * without that CA both refuse the connection with the URL and the reason.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { runCli, CLI_PATH } from '../../support/cli.js';
import { copyExampleRepo } from '../../support/example-repo.js';
import { freePort } from '../../support/free-port.js';
import { writeBundleFile, writeFixtureBundle } from '../../support/onnx-fixture.js';
import { startRedis, type TestRedis } from '../../support/redis-server.js';
import { makeTestCertificates, type TestCertificates } from '../../support/tls-certificates.js';

const HEADER = 'transaction_id,user_id,event_time,amount,transaction_hour,merchant_category,foreign_transaction,location_mismatch,device_trust_score,velocity_last_24h,cardholder_age,is_fraud';

describe('Redis over TLS', () => {
  let certificates: TestCertificates;
  let redis: TestRedis;
  let tlsUrl: string;
  let repo: { root: string; dispose: () => Promise<void> };

  before(async () => {
    certificates = await makeTestCertificates();
    const tlsPort = await freePort();
    redis = await startRedis(['--tls-port', String(tlsPort), '--tls-cert-file', certificates.serverCert, '--tls-key-file', certificates.serverKey, '--tls-ca-cert-file', certificates.caCert, '--tls-auth-clients', 'no']);
    tlsUrl = `rediss://localhost:${tlsPort}`;
    repo = await copyExampleRepo();
    const now = new Date().toISOString();
    await writeFile(path.join(repo.root, 'tls.csv'), `${HEADER}\nt-1,user-7,${now},12.5,12,Travel,true,false,81,2,44,0\n`);
  });

  after(async () => {
    await redis?.stop();
    await repo?.dispose();
    if (certificates !== undefined) await rm(certificates.dir, { recursive: true, force: true });
  });

  const trusting = () => ({ NODE_EXTRA_CA_CERTS: certificates.caCert });

  it('materializes through rediss:// when the CA is trusted, and refuses naming the URL when it is not', async () => {
    const refused = await runCli(['materialize', repo.root, '--redis', tlsUrl, '--data', path.join(repo.root, 'tls.csv'), '--end', 'now'], { timeoutMs: 60_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`${tlsUrl.replace(/[/.]/g, '\\$&')}.*(self[- ]signed|unable to verify|certificate)`, 'i'));
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');

    const written = await runCli(['materialize', repo.root, '--redis', tlsUrl, '--data', path.join(repo.root, 'tls.csv'), '--end', 'now'], { env: trusting(), timeoutMs: 60_000 });
    assert.equal(written.code, 0, written.stderr);
    const plain = new Redis(redis.url);
    try {
      assert.ok((await plain.dbsize()) > 0, 'the values arrived in Redis');
    } finally {
      plain.disconnect();
    }
  });

  it('serves features read through rediss://', async () => {
    const fixture = await writeFixtureBundle(repo.root, 'dev', (bundle) => ({ ...bundle, onlineStore: undefined }));
    const bundleFile = await writeBundleFile(path.join(repo.root, 'bundle.json'), fixture.bundle);
    const port = await freePort();
    const child = spawn(process.execPath, [CLI_PATH, 'serve', '--bundle', bundleFile, '--port', String(port), '--host', '127.0.0.1', '--redis', tlsUrl], { env: { ...process.env, ...trusting() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('ready at')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const response = await fetch(`http://127.0.0.1:${port}/v2/models/fraud-detector/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entities: { user_id: 'user-7', transaction_id: 't-2' }, features: { amount: 20, transaction_hour: 3, merchant_category: 'Travel', foreign_transaction: false } }),
      });
      const body = (await response.json()) as { fallbacks: number };
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.equal(body.fallbacks, 0, 'every stored feature came from Redis over TLS');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
