/**
 * An abort judged from a real Prometheus, on a loopback GitHub with its default settings: the
 * refused auto-merge is one comment and a counter on the controller's /metrics, never a crashed
 * reconcile; auto-merge once the repository allows it; off again when a person pushes.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createControllerMetrics, withMetricsEndpoint, type ControllerMetrics } from '../../../controllers/controller-metrics.js';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { PrometheusSource } from '../../../controllers/sources/prometheus.js';
import { errorRateQuery } from '../../../controllers/sources/queries.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, type TestRepo } from '../fixtures.js';
import { serveAsDeclared, startMetricsLab, type MetricsLab } from '../metrics-endpoint.js';

const ABORT = 'abort/fraud-detector/staging';

describe('an abort on GitHub with default repository settings', () => {
  let lab: MetricsLab;
  let repo: TestRepo;
  let github: FakeGitHub;
  let metrics: ControllerMetrics;
  let server: Server;
  let metricsUrl = '';
  const canary = { namespace: 'ml-staging', model: 'fraud-detector', version: '2.0.0' };
  const run = async () => {
    const forge = new GitHubForge(githubSettingsFromEnv({ GITHUB_TOKEN: 't', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir }), () => {}, { retryAfterBaseValue: 20, pacing: 'none' });
    const report = await reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, metricsFor: () => new PrometheusSource(lab.prometheus.url), metrics });
    return report.proposals.find((proposal) => proposal.key === ABORT)!;
  };
  const abortPull = () => github.pulls.find((pull) => pull.head.ref === `slipway/${ABORT}` && pull.state === 'open')!;
  const refusals = async () => {
    const text = await (await fetch(metricsUrl)).text();
    return Number(/^slipway_controller_automerge_refusals_total\{reason="auto-merge-not-allowed"\} (\d+)$/m.exec(text)?.[1]);
  };

  before(async () => {
    lab = await startMetricsLab();
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    github.protection = { requiredChecks: ['test'], strict: false };
    metrics = createControllerMetrics();
    server = createServer(withMetricsEndpoint(metrics.registry, (_request, response) => response.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metricsUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`;
    await serveAsDeclared(lab, PROJECT_ROOT, 'staging');
    lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 20, latencySeconds: 0.002, scorePsi: 0.05 });
    lab.set('ml-staging', 'fraud-detector', '1.4.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.04 });
    await lab.waitFor(errorRateQuery(canary, 600_000), (value) => value > 0.08);
  });
  after(async () => {
    server.close();
    await github.stop();
    await repo.dispose();
    await lab.stop();
  });

  it('opens the abort, is refused auto-merge, and says so in one comment and a counter', async () => {
    const first = await run();
    assert.equal(first.outcome, 'auto-merge-refused');
    const pull = abortPull();
    assert.equal(pull.number, first.pr);
    assert.equal(pull.comments.length, 1);
    assert.match(pull.comments[0], /Auto-merge was refused.*auto-merge-not-allowed.*Required status check "test" is expected/s);
    assert.match(pull.comments[0], /Allow auto-merge/);
    assert.equal(await refusals(), 1);
    assert.deepEqual(github.invalidBodies, []);
  });

  it('does not repeat the comment on the next reconcile, and counts the refusal again', async () => {
    const second = await run();
    assert.equal(second.outcome, 'auto-merge-refused');
    assert.equal(abortPull().comments.length, 1);
    assert.equal(await refusals(), 2);
  });

  it('enables auto-merge once a person allows it in the repository settings', async () => {
    github.settings.allow_auto_merge = true;
    const third = await run();
    assert.equal(third.outcome, 'auto-merged');
    assert.deepEqual(abortPull().auto_merge, { merge_method: 'merge' });
    assert.equal(await refusals(), 2);
  });

  it('turns auto-merge off when a person pushes to the branch, and leaves the branch theirs', async () => {
    const pushed = await github.pushAsPerson(`slipway/${ABORT}`, 'notes/why.md', 'a person takes over\n');
    const fourth = await run();
    assert.equal(fourth.outcome, 'person-pushed');
    assert.equal(abortPull().auto_merge, null);
    assert.equal(abortPull().state, 'open');
    assert.equal(await github.branchSha(`slipway/${ABORT}`), pushed);
    assert.match(abortPull().body ?? '', /Auto-merge is off while the branch holds commits the bot did not write/);
  });
});
