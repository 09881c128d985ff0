/**
 * bench/controller: how fast the bot turns evidence into a pull request on the local forge.
 *   1. new training result → opened PR (the issue asks < 5 s), warm controller (clone in place);
 *   2. crossed threshold → opened PR: drift above the act level in a real Prometheus → retrain PR
 *      (only when `prometheus` is installed);
 *   3. one steady-state reconcile of the example repository (the issue asks < 2 s).
 * Every proposal branch carries the re-rendered dist/ (the real generators). Baseline, measured in
 * the same run: a bare `git checkout -B` + the same edited files + `git commit` in a clone, i.e. the
 * Git work a person would do by hand for the same PR, without deciding anything.
 *   4. GitHub API calls per reconcile against the loopback GitHub holding 5,000 closed PRs: the
 *      reconcile as it is (look-ups by head branch and by label) and, in the same run, the listing
 *      of every PR the reconcile used to start with. Counts, not times; `--calls` runs only this.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { formatMarker } from '../controllers/body/marker.js';
import { GitHubForge } from '../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../controllers/forge/github/settings.js';
import { LocalForge } from '../controllers/forge/local/local-forge.js';
import { BRANCH_PREFIX } from '../controllers/proposals/proposal.js';
import { reconcile, type ReconcileOptions } from '../controllers/reconcile.js';
import { PrometheusSource } from '../controllers/sources/prometheus.js';
import { driftSamplesQuery } from '../controllers/sources/queries.js';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { render } from '../generators/render.js';
import { ensureDist } from '../generators/write-dist.js';
import { makeRepo, trainingResult, writeResult, type TestRepo } from '../test/controllers/fixtures.js';
import { startMetricsLab } from '../test/controllers/metrics-endpoint.js';
import { startGitHub, type RecordedRequest } from '../test/support/github-server.js';
import { median } from './median.js';

const RUNS = 5;

async function renderDist(root: string): Promise<void> {
  await ensureDist(path.join(root, 'dist'), render(await loadCatalogOrThrow(root)));
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** The same files committed on a branch by hand: the floor any bot pays for the Git work. */
async function baseline(repo: TestRepo, branch: string): Promise<number> {
  const clone = await mkdtemp(path.join(tmpdir(), 'slipway-bench-clone-'));
  try {
    await simpleGit().clone(repo.root, clone, ['--quiet']);
    const git = simpleGit(clone);
    const files = (await simpleGit(repo.root).raw(['diff', '--name-only', `main...${branch}`])).split('\n').filter((file) => file !== '');
    const contents = await Promise.all(files.map(async (file) => [file, await simpleGit(repo.root).show([`${branch}:${file}`])] as const));
    return await timed(async () => {
      await git.raw(['checkout', '--quiet', '-B', 'by-hand', 'origin/main']);
      for (const [file, text] of contents) await writeFile(path.join(clone, file), text);
      await git.raw(['add', '--all']);
      await git.raw(['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '-m', 'by hand']);
      await git.raw(['push', '--quiet', '--force', 'origin', 'by-hand']);
    });
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
}

async function resultToPr(): Promise<{ cold: number; warm: number[]; baseline: number[] }> {
  const warm: number[] = [];
  const baselines: number[] = [];
  let cold = 0;
  for (let run = 0; run < RUNS; run++) {
    const repo = await makeRepo();
    try {
      const options: ReconcileOptions = { forge: new LocalForge(repo.root), workDir: repo.workDir, renderDist, resultsDir: repo.results, cluster: null };
      if (run === 0) {
        await writeResult(repo.results, 'fraud-detector.json', trainingResult());
        cold = await timed(() => reconcile(options));
        continue;
      }
      await reconcile(options);
      await writeResult(repo.results, 'fraud-detector.json', trainingResult());
      let opened = false;
      warm.push(await timed(async () => (opened = (await reconcile(options)).proposals.some((proposal) => proposal.outcome === 'opened'))));
      if (!opened) throw new Error('the result did not open a PR');
      baselines.push(await baseline(repo, 'slipway/version/fraud-detector/dev'));
    } finally {
      await repo.dispose();
    }
  }
  return { cold, warm, baseline: baselines };
}

async function thresholdToPr(): Promise<number[] | null> {
  if (spawnSync('sh', ['-c', 'command -v prometheus']).status !== 0) return null;
  const times: number[] = [];
  for (let run = 0; run < RUNS - 2; run++) {
    // A fresh Prometheus per run: the drift rule asks for every sample of the span to be above the
    // act level, so the series must not have a calm past.
    const lab = await startMetricsLab();
    const repo = await makeRepo();
    try {
      const source = new PrometheusSource(lab.prometheus.url);
      const options: ReconcileOptions = { forge: new LocalForge(repo.root), workDir: repo.workDir, renderDist, metricsFor: (env) => (env.name === 'prod' ? source : null), cluster: null };
      await reconcile(options);
      lab.set('ml-prod', 'fraud-detector', '1.4.0', { requests: 5, errors: 0, latencySeconds: 0.002, scorePsi: 0.5, featurePsi: { 'transaction-features:amount': 0.6, 'behavioral-features:device_trust_score': 0.5 }, driftSamples: 1000 });
      // The threshold counts as crossed once Prometheus has scraped it; the clock starts there.
      await lab.waitFor(driftSamplesQuery({ namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0' }, 3000, 3000), (value) => value >= 1000, 60_000);
      let opened = false;
      times.push(await timed(async () => (opened = (await reconcile(options)).proposals.some((proposal) => proposal.key === 'retrain/fraud-detector/prod' && proposal.outcome === 'opened'))));
      if (!opened) throw new Error('the crossed threshold did not open a PR');
    } finally {
      await repo.dispose();
      await lab.stop();
    }
  }
  return times;
}

async function steadyReconcile(): Promise<{ times: number[]; baseline: number[] }> {
  const repo = await makeRepo();
  try {
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
    const options: ReconcileOptions = { forge: new LocalForge(repo.root), workDir: repo.workDir, renderDist, resultsDir: repo.results, cluster: null };
    await reconcile(options);
    const times: number[] = [];
    const baselines: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      times.push(await timed(() => reconcile(options)));
      baselines.push(await baseline(repo, 'slipway/version/fraud-detector/dev'));
    }
    return { times, baseline: baselines };
  } finally {
    await repo.dispose();
  }
}

const CLOSED_PULLS = 5000;

/** What one steady-state reconcile (one open PR) asks of GitHub, now and the way it used to. */
async function githubCallsPerReconcile(): Promise<{ after: number; lookups: number; listing: number; rest: number }> {
  const repo = await makeRepo();
  const github = await startGitHub(repo.root);
  try {
    // A busy repository: people's PRs, old bot PRs, a few merged rollbacks the bot must remember.
    for (let n = 0; n < CLOSED_PULLS; n++) {
      if (n % 500 === 0) {
        const marker = formatMarker({ key: 'rollback/fraud-detector/prod', subject: `1.${n}.0`, fingerprint: 'f', rollsBack: `1.${n}.0`, evidence: {} });
        await github.addPastPull({ branch: 'slipway/rollback/fraud-detector/prod', body: marker, merged: true, labels: ['slipway', 'slipway/rollback'] });
      } else if (n % 50 === 0) await github.addPastPull({ branch: 'slipway/version/fraud-detector/dev', labels: ['slipway', 'slipway/version'] });
      else await github.addPastPull({ branch: `feature/change-${n}`, merged: n % 3 === 0 });
    }
    const settings = githubSettingsFromEnv({ GITHUB_TOKEN: 'bench', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir });
    const forge = new GitHubForge(settings, () => {}, { pacing: 'none' });
    const options: ReconcileOptions = { forge, workDir: repo.workDir, renderDist, resultsDir: repo.results, cluster: null };
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
    await reconcile(options);
    const calls = async (work: () => Promise<unknown>): Promise<RecordedRequest[]> => {
      const start = github.requests.length;
      await work();
      return github.requests.slice(start);
    };
    const steady = await calls(() => reconcile(options));
    // What replaced the listing: the by-branch look-up per proposal (state=all) and the label look-ups.
    const lookups = steady.filter((request) => request.path.endsWith('/issues') || (request.path.endsWith('/pulls') && /[?&]state=all/.test(request.query))).length;
    const listing = (await calls(() => forge.listPullRequests(BRANCH_PREFIX))).length;
    return { after: steady.length, lookups, listing, rest: steady.length - lookups };
  } finally {
    await github.stop();
    await repo.dispose();
  }
}

function printCalls(counts: Awaited<ReturnType<typeof githubCallsPerReconcile>>): void {
  console.log(`GitHub API calls per reconcile, loopback GitHub with ${CLOSED_PULLS} closed PRs, 1 open proposal (steady state):`);
  console.log(`  before (list every PR): ${counts.listing + counts.rest} calls = ${counts.listing} listing pages + ${counts.rest} other`);
  console.log(`  after (by head branch and by label): ${counts.after} calls = ${counts.lookups} look-ups + ${counts.rest} other`);
}

if (process.argv.includes('--calls')) {
  printCalls(await githubCallsPerReconcile());
  process.exit(0);
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const result = await resultToPr();
console.log(`training result → opened PR (local forge): cold ${ms(result.cold)} (clone + first catalog load), warm median ${ms(median(result.warm))} of ${result.warm.length} [limit 5000 ms]`);
console.log(`  baseline, the same files committed on a branch by hand: median ${ms(median(result.baseline))}; ratio ${(median(result.warm) / median(result.baseline)).toFixed(1)}×`);
const threshold = await thresholdToPr();
if (threshold === null) console.log('crossed drift threshold → opened PR: skipped (prometheus not installed)');
else console.log(`crossed drift threshold (real Prometheus) → opened PR: median ${ms(median(threshold))} of ${threshold.length} [limit 5000 ms]; ratio ${(median(threshold) / median(result.baseline)).toFixed(1)}× the baseline`);
const steady = await steadyReconcile();
console.log(`one reconcile of the example repository (steady state, 1 open PR): median ${ms(median(steady.times))} of ${steady.times.length} [limit 2000 ms]`);
console.log(`  baseline: median ${ms(median(steady.baseline))}; ratio ${(median(steady.times) / median(steady.baseline)).toFixed(1)}×`);
printCalls(await githubCallsPerReconcile());
const over = median(result.warm) > 5000 || median(steady.times) > 2000 || (threshold !== null && median(threshold) > 5000);
if (over) console.log('over a limit (this machine may be loaded; see the numbers above)');
