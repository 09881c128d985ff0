/**
 * Killed at any point and restarted, the controller converges to the same PRs, none lost or
 * doubled: reconciles run in child processes that are SIGKILLed (with their git children) at
 * random delays, then one runs to the end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { requestsQuery, driftSamplesQuery } from '../../controllers/sources/queries.js';
import { makeRepo, trainingResult, writeResult, type TestRepo } from './fixtures.js';
import { serveAsDeclared, startMetricsLab, type MetricsLab } from './metrics-endpoint.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reconcile-child.js');
const ROUNDS = 5;
const KILLS_PER_ROUND = 3;
const EXPECTED = ['canary/fraud-detector/staging', 'retrain/fraud-detector/prod', 'version/fraud-detector/dev'];

/** Runs one reconcile child; kills its whole process group after `killAfterMs` unless it finished. */
function runChild(args: object, killAfterMs: number | null): Promise<{ killed: boolean; ms: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let killed = false;
    const timer = killAfterMs === null ? null : setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, killAfterMs);
    child.on('exit', (code) => {
      if (timer !== null) clearTimeout(timer);
      if (!killed && code !== 0) stderr += `\n(exit ${code})`;
      resolve({ killed: killed && code !== 0, ms: Date.now() - started, stdout, stderr });
    });
  });
}

describe('a controller killed at random points', () => {
  let lab: MetricsLab;
  before(async () => {
    lab = await startMetricsLab();
    await serveAsDeclared(lab, PROJECT_ROOT, 'staging');
    lab.set('ml-staging', 'fraud-detector', '2.0.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.05 });
    lab.set('ml-staging', 'fraud-detector', '1.4.0', { requests: 40, errors: 0, latencySeconds: 0.002, scorePsi: 0.04 });
    lab.set('ml-prod', 'fraud-detector', '1.4.0', { requests: 5, errors: 0, latencySeconds: 0.002, scorePsi: 0.05, featurePsi: { 'transaction-features:amount': 0.6, 'behavioral-features:device_trust_score': 0.4 }, driftSamples: 1000 });
    await lab.waitFor(requestsQuery({ namespace: 'ml-staging', model: 'fraud-detector', version: '2.0.0' }, 600_000), (value) => value > 600);
    await lab.waitFor(driftSamplesQuery({ namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0' }, 3000, 3000), (value) => value >= 1000);
  });
  after(() => lab.stop());

  it(`converges to exactly the expected PRs over ${ROUNDS} rounds of ${KILLS_PER_ROUND} kills`, async () => {
    let typicalMs = 3000;
    const killPoints: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const repo: TestRepo = await makeRepo();
      try {
        await writeResult(repo.results, 'fraud-detector.json', trainingResult());
        const args = { root: repo.root, workDir: repo.workDir, results: repo.results, prometheus: lab.prometheus.url };
        for (let kill = 0; kill < KILLS_PER_ROUND; kill++) {
          const delay = Math.floor(Math.random() * typicalMs);
          const run = await runChild(args, delay);
          if (run.killed) killPoints.push(delay);
        }
        const final = await runChild(args, null);
        assert.ok(!final.killed && final.stdout !== '', `the last run finishes: ${final.stderr.slice(-2000)}`);
        typicalMs = Math.max(500, final.ms);
        const forge = new LocalForge(repo.root);
        const records = await forge.records();
        const keys = records.map((record) => record.branch.replace(/^slipway\//, '')).sort();
        assert.deepEqual(keys, EXPECTED, `round ${round}: exactly one PR per proposal; last run: ${final.stdout}`);
        assert.ok(records.every((record) => record.state === 'open'));
        const git = simpleGit(repo.root);
        for (const record of records) {
          const count = (await git.raw(['rev-list', '--count', `main..${record.branch}`])).trim();
          assert.equal(count, '1', `${record.branch} is one bot commit on main`);
        }
        const again = await runChild(args, null);
        const outcomes = (JSON.parse(again.stdout.split("\n")[0]) as { key: string; outcome: string }[]).map((proposal) => proposal.outcome);
        assert.deepEqual(outcomes, ['unchanged', 'unchanged', 'unchanged'], 'a converged state stays put');
      } finally {
        await repo.dispose();
      }
    }
    assert.ok(killPoints.length >= ROUNDS, `most runs were killed mid-way (killed at ${killPoints.join(', ')} ms)`);
  });
});
