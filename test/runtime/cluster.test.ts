/** A real three-node Redis Cluster on loopback: the runtime reads features through the cluster client. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { freePort } from '../support/free-port.js';
import { requireBinary, spawnServer, stopServer, waitForPort } from '../support/processes.js';
import { assertScore, expectedScore, postJson, sampleUser, startFixtureRuntime, writeFeatures } from './feature-fixture.js';
import { eventually } from './load.js';

describe('the runtime on a Redis Cluster', () => {
  const servers: ReturnType<typeof spawnServer>[] = [];
  const nodes: string[] = [];
  let dir = '';
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let cluster: Cluster;

  before(async () => {
    requireBinary('redis-server', 'redis-server');
    requireBinary('redis-cli', 'redis-tools');
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-cluster-'));
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      const child = spawnServer('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
        '--save', '', '--appendonly', 'no', '--dir', dir,
      ]);
      await waitForPort(port, child);
      servers.push(child);
      nodes.push(`127.0.0.1:${port}`);
    }
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    assert.equal(created.status, 0, created.stdout + created.stderr);
    await eventually(async () => spawnSync('redis-cli', ['-p', nodes[0].split(':')[1], 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'), 20_000, 'the cluster becoming ok');
    started = await startFixtureRuntime('dev', (bundle) => ({ ...bundle, onlineStore: { redis: { nodes }, timeoutMs: 1_000 } }));
    cluster = new Cluster(nodes.map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })));
  });

  after(async () => {
    cluster?.disconnect();
    await started?.dispose();
    for (const server of servers) await stopServer(server);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reads every cardholder\'s features, whichever node holds its slot', async () => {
    await writeFeatures(cluster, started.fixture.bundle, Array.from({ length: 30 }, (_, index) => sampleUser(index).user));
    const url = `${started.runtime.url}/v2/models/fraud-detector/score`;
    await eventually(async () => (await postJson(url, { entities: { user_id: 'user-0', transaction_id: 't' }, features: sampleUser(0).transaction })).body.fallbacks === 0, 20_000, 'the runtime reaching the cluster');
    // Concurrent requests share a batch whose keys span the three nodes.
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) => postJson(url, { entities: { user_id: `user-${index}`, transaction_id: `t-${index}` }, features: sampleUser(index).transaction })),
    );
    responses.forEach((response, index) => {
      assert.equal(response.status, 200);
      assert.equal(response.body.fallbacks, 0, `user-${index} fell back`);
      const { user, transaction } = sampleUser(index);
      const values = { ...user.values, ...Object.fromEntries(Object.entries(transaction).map(([name, value]) => [`transaction-features:${name}`, value])) };
      assertScore(response.body.score, expectedScore(started.fixture, '2.0.0', values));
    });
  });

  it('keeps prediction records on whichever node holds their slot, and joins each label once', async () => {
    const base = `${started.runtime.url}/v2/models/fraud-detector`;
    const ids = Array.from({ length: 20 }, (_, index) => `cluster-${index}`);
    const scored = await Promise.all(ids.map((id, index) => postJson(`${base}/score`, { id, entities: { user_id: `user-${index}`, transaction_id: id }, features: sampleUser(index).transaction })));
    assert.ok(scored.every((response) => response.status === 200));
    for (const id of ids) assert.equal((await postJson(`${base}/feedback`, { id, label: 1 })).status, 200, id);
    for (const id of ids) assert.equal((await postJson(`${base}/feedback`, { id, label: 1 })).status, 404, `${id} a second time`);
  });
});
