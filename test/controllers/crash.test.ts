/**
 * Killed at any point and restarted, the controller converges to the same PRs, none lost or
 * doubled and no branch left without its PR, on either forge: reconciles run in child processes
 * that are SIGKILLed (with their git children) at random delays, and on GitHub also right after a
 * branch was written and before its PR exists; then one runs to the end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { requestsQuery, driftSamplesQuery } from '../../controllers/sources/queries.js';
import { startGitHub, type FakeGitHub } from '../support/github-server.js';
import { makeRepo, trainingResult, writeResult, type TestRepo } from './fixtures.js';
import { serveAsDeclared, startMetricsLab, type MetricsLab } from './metrics-endpoint.js';
import type { ChildForge } from './reconcile-child.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reconcile-child.js');
const ROUNDS = 5;
const KILLS_PER_ROUND = 10;
const EXPECTED = ['canary/fraud-detector/staging', 'retrain/fraud-detector/prod', 'version/fraud-detector/dev'];

/** When to kill a child: after a delay, or as soon as a condition holds (polled every 2 ms). */
type KillAt = number | (() => boolean) | null;

/** Runs one reconcile child; kills its whole process group at `killAt` unless it finished. */
function runChild(args: object, killAt: KillAt): Promise<{ killed: boolean; ms: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let killed = false;
    const kill = () => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = killAt === null ? null : typeof killAt === 'number' ? setTimeout(kill, killAt) : setInterval(() => killAt() && (clearInterval(timer!), kill()), 2);
    child.on('exit', (code) => {
      if (timer !== null) clearInterval(timer);
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
    await lab.waitFor(driftSamplesQuery({ namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0' }, 3000), (value) => value >= 1000);
  });
  after(() => lab.stop());

  /** One round's forge: where the child writes, and what the test reads back afterwards. */
  interface RoundForge {
    readonly child: ChildForge;
    /** Every PR of the round as [key, state], and every bot branch with its commits ahead of main. */
    pulls(): Promise<{ key: string; state: string }[]>;
    branches(): Promise<Map<string, number>>;
    /** A kill point right after a bot branch was written, before its PR exists; null if none. */
    afterBranchWrite(): (() => boolean) | null;
    dispose(): Promise<void>;
  }

  const botBranches = async (gitDir: string) => {
    const git = simpleGit(gitDir);
    const refs = (await git.raw(['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads/slipway/'])).split('\n').filter((line) => line !== '');
    const ahead = new Map<string, number>();
    for (const branch of refs) ahead.set(branch.replace(/^slipway\//, ''), Number((await git.raw(['rev-list', '--count', `main..${branch}`])).trim()));
    return ahead;
  };

  const localForge = async (repo: TestRepo): Promise<RoundForge> => ({
    child: { kind: 'local', root: repo.root },
    pulls: async () => (await new LocalForge(repo.root).records()).map((record) => ({ key: record.branch.replace(/^slipway\//, ''), state: record.state })),
    branches: () => botBranches(repo.root),
    afterBranchWrite: () => null,
    dispose: async () => {},
  });

  const githubForge = async (repo: TestRepo): Promise<RoundForge> => {
    const github: FakeGitHub = await startGitHub(repo.root);
    return {
      child: { kind: 'github', url: github.url, gitDir: github.gitDir },
      pulls: async () => github.pulls.map((pull) => ({ key: pull.head.ref.replace(/^slipway\//, ''), state: pull.merged_at !== null ? 'merged' : pull.state })),
      branches: () => botBranches(github.gitDir),
      afterBranchWrite: () => {
        const seen = github.requests.length;
        return () => github.requests.slice(seen).some((request) => request.method === 'post' && request.path.endsWith('/git/refs') && request.status === 201);
      },
      dispose: () => github.stop(),
    };
  };

  for (const [name, makeForge] of [['local', localForge], ['GitHub', githubForge]] as const) {
    it(`converges on the ${name} forge to exactly the expected PRs over ${ROUNDS} rounds of ${KILLS_PER_ROUND} kills`, async () => {
      let typicalMs = 3000;
      const killPoints: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const repo: TestRepo = await makeRepo();
        const forge = await makeForge(repo);
        try {
          await writeResult(repo.results, 'fraud-detector.json', trainingResult());
          const args = { forge: forge.child, workDir: repo.workDir, results: repo.results, prometheus: lab.prometheus.url };
          for (let kill = 0; kill < KILLS_PER_ROUND; kill++) {
            // The first kill of a round lands between a branch write and its PR where the forge tells us when.
            const condition = kill === 0 ? forge.afterBranchWrite() : null;
            const delay = Math.floor(Math.random() * typicalMs);
            const run = await runChild(args, condition ?? delay);
            if (run.killed) killPoints.push(condition === null ? `${delay} ms` : 'after a branch write');
          }
          const final = await runChild(args, null);
          assert.ok(!final.killed && final.stdout !== '', `the last run finishes: ${final.stderr.slice(-2000)}`);
          typicalMs = Math.max(500, final.ms);
          const pulls = await forge.pulls();
          assert.deepEqual(pulls.map((pull) => pull.key).sort(), EXPECTED, `round ${round}: exactly one PR per proposal; last run: ${final.stdout}`);
          assert.ok(pulls.every((pull) => pull.state === 'open'), JSON.stringify(pulls));
          const branches = await forge.branches();
          assert.deepEqual([...branches.keys()].sort(), EXPECTED, 'no bot branch without its PR');
          for (const [branch, ahead] of branches) assert.equal(ahead, 1, `${branch} is one bot commit on main`);
          const again = await runChild(args, null);
          const outcomes = (JSON.parse(again.stdout.split('\n')[0]) as { key: string; outcome: string }[]).map((proposal) => proposal.outcome);
          assert.deepEqual(outcomes, ['unchanged', 'unchanged', 'unchanged'], 'a converged state stays put');
        } finally {
          await forge.dispose();
          await repo.dispose();
        }
      }
      assert.ok(killPoints.length >= ROUNDS * 2, `most runs were killed mid-way (killed at ${killPoints.join(', ')})`);
      if (name === 'GitHub') assert.ok(killPoints.filter((point) => point === 'after a branch write').length >= ROUNDS / 2, 'kills between a branch write and its PR happened');
    });
  }
});
