/** Argo CD Application reads gate the next step; a Lease elects one leader. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalForge } from '../../../controllers/forge/local/local-forge.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { ArgoCdClusterSource, LeaseElector } from '../../../controllers/sources/kubernetes.js';
import { watch } from '../../../controllers/watch.js';
import { startKubeApi, type FakeKubeApi } from '../../support/kube-api-server.js';
import { makeRepo, testRenderDist, type TestRepo } from '../fixtures.js';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const appName = (env: string) => `slipway-${env}`;

describe('cluster status through the Kubernetes API', () => {
  let kube: FakeKubeApi;
  before(async () => {
    kube = await startKubeApi();
  });
  after(() => kube.stop());

  describe('the Argo CD gate', () => {
    let repo: TestRepo;
    let baseSha: string;
    const run = () => reconcile({ forge: new LocalForge(repo.root), workDir: repo.workDir, renderDist: testRenderDist, cluster: new ArgoCdClusterSource(kube.kubeConfig, appName) });

    before(async () => {
      repo = await makeRepo();
      // Staging without a canary: dev's 2.0.0 is then due for staging.
      const file = path.join(repo.root, 'environments/staging.yaml');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/\n {6}canary: \{ version: 2\.0\.0, weight: 10 \}/, ''));
      baseSha = await repo.commit('Drop the staging canary', new Date(Date.now() - 20 * 24 * 3600_000));
    });
    after(() => repo.dispose());

    it('reports an unreadable Application as data, not an exception', async () => {
      const status = await new ArgoCdClusterSource(kube.kubeConfig, appName).applicationStatus({ name: 'dev', argocd: { namespace: 'argocd' } } as never);
      assert.ok('error' in status);
      assert.match(status.error, /reading Application argocd\/slipway-dev: HTTP 404/);
    });

    it('holds a promotion while the source environment is not Synced and Healthy at the merged revision', async () => {
      kube.setApplication('argocd', 'slipway-dev', { sync: 'OutOfSync', health: 'Healthy', revision: baseSha });
      let report = await run();
      assert.deepEqual(report.proposals, []);
      assert.deepEqual(report.waiting.find((wait) => wait.key === 'promote/fraud-detector/staging')?.reasons, ['Argo CD Application slipway-dev is OutOfSync/Healthy']);

      kube.setApplication('argocd', 'slipway-dev', { sync: 'Synced', health: 'Healthy', revision: 'f'.repeat(40) });
      report = await run();
      assert.deepEqual(report.proposals, []);
      assert.match(report.waiting.find((wait) => wait.key === 'promote/fraud-detector/staging')!.reasons[0], /is at ffffffffffff, not the merged/);
    });

    it('proposes once Argo CD has applied the merged revision', async () => {
      kube.setApplication('argocd', 'slipway-dev', { sync: 'Synced', health: 'Healthy', revision: baseSha });
      const report = await run();
      assert.deepEqual(report.proposals, [{ key: 'promote/fraud-detector/staging', outcome: 'opened', pr: 1 }]);
      assert.ok(kube.requests.some((request) => request.path === '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/slipway-dev'));
    });
  });

  describe('leader election on a Lease', () => {
    it('lets one replica lead, and another take over only after the lease expired', async () => {
      const settings = { namespace: 'ml-prod', name: 'slipway-controller', durationSeconds: 30 };
      let clock = Date.parse('2026-01-01T00:00:00Z');
      const now = () => new Date(clock);
      const a = new LeaseElector(kube.kubeConfig, { ...settings, identity: 'pod-a' }, now);
      const b = new LeaseElector(kube.kubeConfig, { ...settings, identity: 'pod-b' }, now);
      assert.deepEqual(await a.tryAcquireOrRenew(), { leader: true, holder: 'pod-a' });
      assert.deepEqual(await b.tryAcquireOrRenew(), { leader: false, holder: 'pod-a' });
      clock += 20_000;
      assert.equal((await a.tryAcquireOrRenew()).leader, true, 'the holder renews');
      clock += 20_000;
      assert.equal((await b.tryAcquireOrRenew()).leader, false, 'renewed 20 s ago: not expired');
      clock += 31_000;
      assert.deepEqual(await b.tryAcquireOrRenew(), { leader: true, holder: 'pod-b' });
      assert.equal((await a.tryAcquireOrRenew()).leader, false);
      const lease = kube.lease('ml-prod', 'slipway-controller') as unknown as { spec: { holderIdentity: string; leaseTransitions: number } };
      assert.equal(lease.spec.holderIdentity, 'pod-b');
      assert.equal(lease.spec.leaseTransitions, 1);
    });

    it('hands the lease to the next replica at once when its holder releases it', async () => {
      const settings = { namespace: 'ml-staging', name: 'slipway-controller', durationSeconds: 30 };
      const a = new LeaseElector(kube.kubeConfig, { ...settings, identity: 'pod-a' });
      const b = new LeaseElector(kube.kubeConfig, { ...settings, identity: 'pod-b' });
      assert.equal((await a.tryAcquireOrRenew()).leader, true);
      assert.equal(await b.release(), false, 'a follower has nothing to release');
      assert.equal((await b.tryAcquireOrRenew()).leader, false);
      assert.equal(await a.release(), true);
      assert.deepEqual(await b.tryAcquireOrRenew(), { leader: true, holder: 'pod-b' }, 'no wait for the 30 s lease to expire');
      const lease = kube.lease('ml-staging', 'slipway-controller') as unknown as { spec: { holderIdentity: string; leaseTransitions: number } };
      assert.equal(lease.spec.holderIdentity, 'pod-b');
      assert.equal(lease.spec.leaseTransitions, 1);
    });

    it('releases the lease when the watch loop stops, after the reconcile in flight', async () => {
      const settings = { namespace: 'ml-test', name: 'slipway-controller', durationSeconds: 30 };
      const elector = new LeaseElector(kube.kubeConfig, { ...settings, identity: 'pod-a' });
      const stop = new AbortController();
      const order: string[] = [];
      let reconciling: () => void = () => {};
      const started = new Promise<void>((resolve) => (reconciling = resolve));
      const loop = watch({
        reconcile: async () => {
          reconciling();
          await new Promise((resolve) => setTimeout(resolve, 100));
          order.push(`reconciled while held by ${(kube.lease('ml-test', 'slipway-controller') as unknown as { spec: { holderIdentity: string } }).spec.holderIdentity}`);
        },
        intervalMs: 60_000,
        elector,
        signal: stop.signal,
        log: (message) => order.push(message),
      });
      await started;
      stop.abort();
      await loop.done;
      assert.deepEqual(order, ['reconciled while held by pod-a', 'released the lease']);
      const lease = kube.lease('ml-test', 'slipway-controller') as unknown as { spec: { holderIdentity: string } };
      assert.equal(lease.spec.holderIdentity, '');
    });

    it('lets only one of two racing replicas win a free lease', async () => {
      const settings = { namespace: 'ml-dev', name: 'slipway-controller', durationSeconds: 30 };
      const results = await Promise.all(['pod-x', 'pod-y', 'pod-z'].map((identity) => new LeaseElector(kube.kubeConfig, { ...settings, identity }).tryAcquireOrRenew()));
      assert.equal(results.filter((result) => result.leader).length, 1);
    });
  });
});
