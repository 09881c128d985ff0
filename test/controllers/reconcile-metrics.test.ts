/**
 * Canary steps, aborts, promotions and drift on the local forge, judged from a real Prometheus
 * scraping a metrics endpoint the test controls.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { reconcile, type ReconcileOptions } from '../../controllers/reconcile.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import { driftSamplesQuery, errorRateQuery, requestsQuery } from '../../controllers/sources/queries.js';
import { loadCatalog, loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { makeRepo, testRenderDist, type TestRepo } from './fixtures.js';
import { serveAsDeclared, startMetricsLab, type MetricsLab } from './metrics-endpoint.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

const HOUR = 3600_000;

async function edit(repo: TestRepo, file: string, from: string | RegExp, to: string): Promise<void> {
  const absolute = path.join(repo.root, file);
  const text = await readFile(absolute, 'utf8');
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `the edit of ${file} applies`);
  await writeFile(absolute, changed);
}

describe('proposals judged from Prometheus', () => {
  let lab: MetricsLab;
  const repos: TestRepo[] = [];
  const options = (repo: TestRepo, forge: LocalForge, extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({
    forge,
    workDir: repo.workDir,
    renderDist: testRenderDist,
    metricsFor: () => new PrometheusSource(lab.prometheus.url),
    ...extra,
  });
  const fresh = async () => {
    const repo = await makeRepo();
    repos.push(repo);
    return { repo, forge: new LocalForge(repo.root) };
  };

  before(async () => {
    lab = await startMetricsLab();
  });
  after(async () => {
    await lab.stop();
    for (const repo of repos) await repo.dispose();
  });

  describe('a canary in staging', () => {
    let repo: TestRepo;
    let forge: LocalForge;
    const canary = { namespace: 'ml-staging', model: 'fraud-detector', version: '2.0.0' };

    before(async () => {
      ({ repo, forge } = await fresh());
      await serveAsDeclared(lab, PROJECT_ROOT, 'staging');
      lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.05 });
      lab.set('ml-staging', 'fraud-detector', '1.4.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.04 });
      await lab.waitFor(requestsQuery(canary, 600_000), (value) => value > 600);
    });

    it('passing the checks for the step duration proposes the next weight', async () => {
      const report = await reconcile(options(repo, forge));
      assert.deepEqual(report.proposals, [{ key: 'canary/fraud-detector/staging', outcome: 'opened', pr: 1 }]);
      const pr = (await forge.record(1))!;
      assert.equal(pr.title, 'Raise fraud-detector 2.0.0 canary to 50 % in staging');
      assert.match(pr.body, /\| error rate \(canary\) \| 0 % \(stable 0 %\) \| ≤ 5 % \| ✅ pass \|/);
      assert.match(pr.body, /\| p99 latency \(canary\) \| [\d.]+ ms \(stable [\d.]+ ms\) \| ≤ 10 ms \| ✅ pass \|/);
      assert.match(pr.body, /\| F1 drop vs stable \| no data \| ≤ 5 % \| ➖ n\/a \|/);
      assert.match(pr.body, /histogram_quantile\(0\.99, sum by \(le\) \(rate\(slipway_request_duration_seconds_bucket\{namespace="ml-staging",model="fraud-detector",version="2\.0\.0",route=~"infer\|score"\}\[10m\]\)\)\)/);
      assert.match(pr.body, /Cluster status was not checked/);
      const staging = await simpleGit(repo.root).show([`${pr.branch}:environments/staging.yaml`]);
      assert.match(staging, /^ {6}canary: \{ version: 2\.0\.0, weight: 50 \}$/m);
    });

    it('running again changes nothing', async () => {
      const report = await reconcile(options(repo, forge));
      assert.deepEqual(report.proposals, [{ key: 'canary/fraud-detector/staging', outcome: 'unchanged', pr: 1 }]);
      assert.equal((await forge.records()).length, 1);
    });

    it('a failing canary is aborted, auto-merged as the policy allows, and never proposed there again', async () => {
      // Ten times as many probes, metadata reads and feedback posts as predictions: counted as
      // requests, they would hold the error rate under 5 % (20 / 440) and the canary would pass.
      lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 20, latencySeconds: 0.002, scorePsi: 0.05, otherRequests: 400 });
      await lab.waitFor(errorRateQuery(canary, 600_000), (value) => value > 0.08);
      const report = await reconcile(options(repo, forge));
      assert.deepEqual(report.proposals, [{ key: 'abort/fraud-detector/staging', outcome: 'auto-merged', pr: 2 }]);
      assert.deepEqual(report.superseded, [1]);
      const step = (await forge.record(1))!;
      assert.equal(step.state, 'closed');
      assert.ok(step.labels.includes('slipway/superseded'));
      const abort = (await forge.record(2))!;
      assert.equal(abort.state, 'merged');
      assert.match(abort.body, /\| error rate \(canary\) \| [\d.]+ % \(stable 0 %\) \| ≤ 5 % \| ❌ fail \|/);
      const loaded = await loadCatalog(repo.root);
      assert.ok(loaded.ok);
      assert.equal(loaded.catalog.environments.get('staging')!.deployments[0].canary, undefined);

      const again = await reconcile(options(repo, forge));
      assert.deepEqual(again.proposals, [{ key: 'promote/fraud-detector/staging', outcome: 'rolled-back', pr: null }]);
      assert.equal((await forge.records()).length, 2);
    });
  });

  describe('promotion between environments', () => {
    it('waits for the soak time, then proposes the version to the next environment as a canary', async () => {
      const { repo, forge } = await fresh();
      await edit(repo, 'environments/staging.yaml', /stable: 1\.4\.0\n {6}canary: \{ version: 2\.0\.0, weight: 10 \}/, 'stable: 2.0.0');
      await repo.commit('Promote 2.0.0 to stable in staging');
      const early = await reconcile(options(repo, forge));
      assert.deepEqual(early.proposals, []);
      const soak = early.waiting.find((wait) => wait.key === 'promote/fraud-detector/prod');
      assert.match(soak!.reasons.join('\n'), /served as stable in staging: \d+s does not meet ≥ 1d/);

      const report = await reconcile(options(repo, forge, { now: () => Date.now() + 25 * HOUR }));
      assert.deepEqual(report.proposals, [{ key: 'promote/fraud-detector/prod', outcome: 'opened', pr: 1 }]);
      const pr = (await forge.record(1))!;
      assert.equal(pr.title, 'Promote fraud-detector 2.0.0 from staging to prod as a canary');
      assert.match(pr.body, /\| firing alerts for fraud-detector in staging \| 0 \| = 0 \| ✅ pass \|/);
      assert.match(pr.body, /count\(ALERTS\{alertstate="firing",slipway_environment="staging",model="fraud-detector"\}\) or vector\(0\)/);
      await forge.merge(1);
      const loaded = await loadCatalog(repo.root);
      assert.ok(loaded.ok);
      assert.deepEqual(loaded.catalog.environments.get('prod')!.deployments[0].canary, { version: '2.0.0', weight: 10 });
    });
  });

  describe('drift in prod', () => {
    // Only prod's metrics: the staging canary of the tests above is no business of these.
    const prodOnly = (env: { name: string }) => (env.name === 'prod' ? new PrometheusSource(lab.prometheus.url) : null);

    it('asks for a retraining by bumping the trigger id when a long-serving version drifts', async () => {
      const { repo, forge } = await fresh();
      lab.set('ml-prod', 'fraud-detector', '1.4.0', {
        requests: 10,
        errors: 0,
        latencySeconds: 0.002,
        scorePsi: 0.05,
        featurePsi: { 'transaction-features:amount': 0.45, 'transaction-features:merchant_category': 0.05, 'behavioral-features:device_trust_score': 0.3 },
        driftSamples: 1000,
      });
      await lab.waitFor(driftSamplesQuery({ namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0' }, 3000, 3000), (value) => value >= 1000);
      const report = await reconcile(options(repo, forge, { metricsFor: prodOnly }));
      assert.deepEqual(report.proposals, [{ key: 'retrain/fraud-detector/prod', outcome: 'opened', pr: 1 }]);
      const pr = (await forge.record(1))!;
      assert.match(pr.body, /\| transaction-features:amount \| 0\.45, 0\.45 \| PSI < 0\.2 \(warn 0\.1\) \| ❌ fail \|/);
      assert.match(pr.body, /\| transaction-features:merchant_category \| 0\.05, 0\.05 \| PSI < 0\.2 \(warn 0\.1\) \| ✅ pass \|/);
      assert.match(pr.body, /\| drift rule \| [^|]*transaction-features:amount[^|]* above the act level in 2 consecutive windows \|/);
      assert.match(pr.body, /  bar \[0\.45, /, "the PSI chart shows the drifting input");
      const card = await simpleGit(repo.root).show([`${pr.branch}:catalog/models/fraud-detector.yaml`]);
      assert.match(card, /^ {4}triggerId: t2$/m);
      await forge.merge(1);
      assert.ok((await loadCatalog(repo.root)).ok);
    });

    it('rolls back a version deployed within the window that degraded, auto-merged as the policy allows', async () => {
      const { repo, forge } = await fresh();
      await edit(repo, 'environments/prod.yaml', 'stable: 1.4.0', 'stable: 2.0.0');
      await repo.commit('Ship 2.0.0 to prod');
      lab.set('ml-prod', 'fraud-detector', '2.0.0', {
        requests: 40,
        errors: 8,
        latencySeconds: 0.002,
        scorePsi: 0.35,
        featurePsi: { 'transaction-features:amount': 0.5 },
        driftSamples: 1000,
      });
      const selector = { namespace: 'ml-prod', model: 'fraud-detector', version: '2.0.0' };
      await lab.waitFor(driftSamplesQuery(selector, 3000, 3000), (value) => value >= 1000);
      await lab.waitFor(errorRateQuery(selector, HOUR), (value) => value > 0.05);
      const report = await reconcile(options(repo, forge, { metricsFor: prodOnly }));
      const rollback = report.proposals.find((proposal) => proposal.key === 'rollback/fraud-detector/prod');
      assert.deepEqual(rollback, { key: 'rollback/fraud-detector/prod', outcome: 'auto-merged', pr: 1 });
      const pr = (await forge.record(1))!;
      assert.equal(pr.state, 'merged');
      assert.equal(pr.title, 'Roll back fraud-detector in prod from 2.0.0 to 1.4.0');
      assert.match(pr.body, /\| error rate \| 20 % \| ≤ 5 % \| ❌ fail \|/);
      const loaded = await loadCatalog(repo.root);
      assert.ok(loaded.ok);
      assert.equal(loaded.catalog.environments.get('prod')!.deployments[0].stable, '1.4.0');
    });
  });

  describe('a canary whose pods do not serve what Git declares', () => {
    it('waits, naming the pod and the weights it serves, instead of aborting on that evidence', async () => {
      const { repo, forge } = await fresh();
      // Evidence that would abort (half the predictions fail), from two pods of which one lags.
      lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 20, latencySeconds: 0.002, scorePsi: 0.05 });
      await serveAsDeclared(lab, repo.root, 'staging', 'runtime-a');
      const card = (await loadCatalogOrThrow(repo.root)).models.get('fraud-detector')!;
      const sha = (version: string) => card.versions.get(version)!.artifact.sha256!;
      const canaryWaits = async () => {
        const report = await reconcile(options(repo, forge));
        assert.deepEqual(report.proposals.filter((proposal) => /^(canary|abort)\//.test(proposal.key)), [], 'neither a step nor an abort');
        return report.waiting.find((wait) => wait.key === 'canary/fraud-detector/staging')?.reasons ?? [];
      };

      // A pod whose ConfigMap has not brought the canary yet.
      lab.serve('ml-staging', 'fraud-detector', 'runtime-b', [{ version: '1.4.0', sha256: sha('1.4.0'), role: 'stable', weight: 100 }]);
      await lab.waitFor('count(slipway_model_info{pod="runtime-b"})', (value) => value === 1);
      assert.deepEqual(await canaryWaits(), ['pod runtime-b does not serve canary 2.0.0 yet (it serves 1.4.0 as stable)']);

      // A pod that serves other bytes under the canary's version.
      const other = 'f'.repeat(64);
      lab.serve('ml-staging', 'fraud-detector', 'runtime-b', [
        { version: '1.4.0', sha256: sha('1.4.0'), role: 'stable', weight: 90 },
        { version: '2.0.0', sha256: other, role: 'canary', weight: 10 },
      ]);
      await lab.waitFor(`count(slipway_model_info{pod="runtime-b",sha256="${other}"})`, (value) => value === 1);
      const mixed = await canaryWaits();
      assert.equal(mixed[0], `pod runtime-b serves 2.0.0 with sha256 ffffffffffff, the card declares ${sha('2.0.0').slice(0, 12)}`);
      assert.match(mixed[1], /^in the analysis window 2\.0\.0 was also served with sha256 ffffffffffff .*: its metrics mix artifacts; max by \(version, sha256\) \(max_over_time\(slipway_model_info/);

      // Git's bytes everywhere now, but the window still holds metrics of the other bytes.
      await serveAsDeclared(lab, repo.root, 'staging', 'runtime-b');
      await lab.waitFor(`count(slipway_model_info{pod="runtime-b",sha256="${sha('2.0.0')}"})`, (value) => value === 1);
      const window = await canaryWaits();
      assert.equal(window.length, 1, window.join('\n'));
      assert.match(window[0], /^in the analysis window 2\.0\.0 was also served with sha256 ffffffffffff/);
      assert.deepEqual((await forge.records()).filter((record) => /^slipway\/(canary|abort)\//.test(record.branch)).map((record) => record.title), [], 'no canary pull request was opened');
    });
  });
});
