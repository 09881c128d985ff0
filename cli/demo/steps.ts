/**
 * The story `slipway demo` tells, step by step, with the real parts: the data generator, the
 * materializer, `slipway train` and `slipway serve` as child processes, the controller's reconcile
 * against the local forge and a private Prometheus, and merges as a reviewer makes them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import type { ArtifactStore } from '../../core/artifact-store/artifact-store.js';
import { FileStore } from '../../core/artifact-store/file-store.js';
import { DEFAULT_ARTIFACT_STORE } from '../../core/load/resolve-environments.js';
import type { PullRecord } from '../../controllers/forge/local/pull-record.js';
import { reconcile, type ReconcileReport } from '../../controllers/reconcile.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { writeTransactionsCsv } from '../../features/generate.js';
import { materialize } from '../../features/materialize/materialize.js';
import { UserError } from '../command.js';
import { CLI_MAIN, freePort, type Managed, type Processes, requireFreePort, startPrometheus, startRedis, startRuntime } from './processes.js';
import { type Bar, type Progress } from './progress.js';
import { summarizeEvidence } from './pr-table.js';
import { DEFAULT_SETTINGS, DEMO_ENVIRONMENTS, DEMO_MODEL, type DemoEnvironment, type DemoSettings, FAST_SETTINGS } from './settings.js';
import { buildPools, Traffic } from './traffic.js';
import { bundleFile, checkRendered, commitSettings, createWorkspace, declaredVersions, renderInto, syncBundles, type Workspace } from './workspace.js';

/** The demo's flags. */
export interface DemoOptions {
  readonly fast: boolean;
  readonly keep: boolean;
  /** First runtime port (dev; staging +1, prod +2); 0 picks free ports. */
  readonly port: number;
}

/** What a version looks like from outside a runtime. */
export interface ServedVersion {
  readonly version: string;
  readonly role: string;
  readonly weight: number;
}

/** What the story left behind, for the table and the tests. */
export interface DemoOutcome {
  workspace: Workspace | null;
  prometheusUrl: string | null;
  runtimes: Map<DemoEnvironment, string>;
  /** What each runtime served at the end, read from its metadata endpoint. */
  serving: Map<DemoEnvironment, ServedVersion[]>;
  traffic: Traffic | null;
  /** Acts of the story that did not happen, with the reason. */
  notShown: string[];
}

const SEED = 1;
const VERSION_1 = '2.1.0';
const VERSION_2 = '2.2.0';
// Version 1 is a quick model (30 trees: holdout AUC 0.9978, F1 0.8613 on the demo's data);
// version 2 uses the card's parameters (100 trees: AUC 0.9982, F1 0.8734).
const VERSION_1_PARAMS = ['trees=30'];
const VERSION_2_PARAMS: string[] = [];

/** A step that did not happen in time: the rest of the story is skipped, the table still printed. */
class StoryStopped extends Error {}

/** Runs the whole story; `outcome` is filled as it goes so that the caller can clean up and report. */
export async function runStory(options: DemoOptions, progress: Progress, processes: Processes, outcome: DemoOutcome): Promise<void> {
  const settings = options.fast ? FAST_SETTINGS : DEFAULT_SETTINGS;
  const ports = await progress.run('check ports', () => runtimePorts(options.port), (chosen) => DEMO_ENVIRONMENTS.map((env) => `${env} :${chosen[env]}`).join(', '));

  progress.section('Set up: a private copy of the example repository, Redis and Prometheus');
  const workspace = await progress.run('copy the example repository into a temporary Git repository (the local forge)', () => createWorkspace(), (ws) => ws.repo);
  outcome.workspace = workspace;
  const changes = await progress.run('commit the demo settings (shorter waits) in the copy', () => commitSettings(workspace, settings), (list) => `${list.length} files`);
  for (const change of changes) progress.note(`${change.file}: ${change.what}`);
  const dataFile = path.join(workspace.repo, 'data', 'transactions.csv');
  await progress.run(`generate ${settings.rows.toLocaleString('en')} transactions (slipway data generate, seed ${SEED})`, () => writeTransactionsCsv(dataFile, { rows: settings.rows, seed: SEED }), (r) => `${r.frauds} fraud (${((100 * r.frauds) / r.rows).toFixed(2)} %)`);
  const redis = await progress.run('start a private redis-server', () => startRedis(processes, workspace.runDir), (r) => r.url);
  await progress.run(
    'materialize the online feature views into Redis (slipway materialize)',
    async (bar) => {
      const catalog = await loadCatalogOrThrow(workspace.repo);
      return materialize({ catalog, redisUrl: redis.url, onProgress: ({ bytes, totalBytes, rows }) => bar.update(totalBytes > 0 ? bytes / totalBytes : null, `${rows} rows`) });
    },
    (summary) => summary.views.map((view) => `${view.view} ${view.written}`).join(', '),
  );
  const prometheus = await progress.run(
    'start a private prometheus scraping the three runtimes every second',
    () => startPrometheus(processes, workspace.runDir, DEMO_ENVIRONMENTS.map((env) => ({ environment: env, namespace: `ml-${env}`, port: ports[env] }))),
    (p) => p.url,
  );
  outcome.prometheusUrl = prometheus.url;
  await syncBundles(workspace);
  await progress.run(
    'start the runtimes of dev, staging and prod (slipway serve --bundle, hot reload)',
    async () => {
      await Promise.all(
        DEMO_ENVIRONMENTS.map(async (env) => {
          const runtime = await startRuntime(processes, env, { bundleFile: bundleFile(workspace, env), port: ports[env], redisUrl: redis.url, repository: workspace.repo });
          outcome.runtimes.set(env, runtime.url);
        }),
      );
    },
    () => DEMO_ENVIRONMENTS.map((env) => `${env} ${outcome.runtimes.get(env)}`).join(', '),
  );

  const story = new Story(settings, progress, processes, workspace, prometheus.url, outcome);
  progress.section(`Version 1: train, propose, review, serve`);
  await story.train(VERSION_1, VERSION_1_PARAMS);
  await story.proposeAndMerge('version/fraud-detector/dev', 'the controller proposes the training result (slipway controller --once)');
  await story.startTraffic(settings);

  progress.section('Version 2: a better model, through the same pull-request loop');
  await story.train(VERSION_2, VERSION_2_PARAMS);
  await story.proposeAndMerge('version/fraud-detector/dev', 'the controller proposes the training result');

  try {
    progress.section('Staging: promoted as a canary, advanced by the controller on Prometheus metrics');
    await story.proposeAndMerge('promote/fraud-detector/staging', `after the ${settings.stagingSoak} soak in dev the controller proposes ${VERSION_2} to staging`);
    await story.driveCanary('staging');

    progress.section('Prod: promoted after the soak in staging');
    await story.proposeAndMerge('promote/fraud-detector/prod', `after the ${settings.prodSoak} soak in staging the controller proposes ${VERSION_2} to prod`);

    progress.section('Drift: the traffic shifts; the controller asks for a retraining and rolls back prod');
    await story.drift();
  } catch (error) {
    if (!(error instanceof StoryStopped)) throw error;
    outcome.notShown.push(error.message);
    progress.note(`not shown: ${error.message}`);
  }
  await progress.run('read what each runtime serves now', () => story.readServing(), () => DEMO_ENVIRONMENTS.map((env) => `${env} ${formatServing(outcome.serving.get(env) ?? [])}`).join('; '));
}

/** `2.0.0 stable, 2.2.0 canary 10 %`. */
export function formatServing(versions: readonly ServedVersion[]): string {
  if (versions.length === 0) return 'nothing';
  return versions.map((one) => `${one.version} ${one.role}${one.role === 'canary' ? ` ${one.weight} %` : ''}`).join(', ');
}

async function runtimePorts(first: number): Promise<Record<DemoEnvironment, number>> {
  const ports = {} as Record<DemoEnvironment, number>;
  for (const [index, env] of DEMO_ENVIRONMENTS.entries()) {
    ports[env] = first === 0 ? await freePort() : first + index;
    await requireFreePort(ports[env], `the ${env} runtime`);
  }
  return ports;
}

/** The acts of the story, sharing the forge, the controller's options and the traffic. */
class Story {
  private readonly forge: LocalForge;
  /** The project's artifact store, where `slipway train` publishes and the controller finds results. */
  private readonly store: ArtifactStore;
  private readonly metrics: PrometheusSource;
  private traffic: Traffic | null = null;

  constructor(
    private readonly settings: DemoSettings,
    private readonly progress: Progress,
    private readonly processes: Processes,
    private readonly workspace: Workspace,
    prometheusUrl: string,
    private readonly outcome: DemoOutcome,
  ) {
    this.forge = new LocalForge(workspace.repo);
    this.store = new FileStore(path.join(workspace.repo, DEFAULT_ARTIFACT_STORE.url));
    this.metrics = new PrometheusSource(prometheusUrl);
  }

  /** `slipway train` in a child process, its result put where the controller reads results. */
  async train(version: string, params: readonly string[]): Promise<void> {
    const args = [CLI_MAIN, 'train', DEMO_MODEL, this.workspace.repo, '--version', version, ...params.flatMap((param) => ['--param', param])];
    await this.progress.run(
      `train ${DEMO_MODEL} ${version} (slipway train${params.map((param) => ` --param ${param}`).join('')})`,
      async (bar) => {
        const managed = await this.processes.start(`train-${version}`, process.execPath, args, { cwd: this.workspace.repo });
        const ticker = setInterval(() => bar.update(null, 'gradient-boosted trees on the point-in-time training set'), 500);
        try {
          await exited(managed);
        } finally {
          clearInterval(ticker);
        }
        const text = await readFile(managed.logFile, 'utf8');
        if (managed.child.exitCode !== 0) throw new UserError(`slipway train failed (exit ${managed.child.exitCode}); see ${managed.logFile}:\n${text.trim().split('\n').slice(-5).join('\n')}`);
        return text;
      },
      (text) => /auc [\d.]+, f1 [\d.]+/.exec(text)?.[0] ?? 'done',
    );
  }

  /** Reconciles until the controller opens the PR `key`, then merges it as a reviewer and applies it. */
  async proposeAndMerge(key: string, title: string): Promise<PullRecord> {
    const pr = await this.awaitProposal(key, title);
    await this.mergeAndApply(pr);
    return pr;
  }

  /** Lets the controller advance the canary in `env` step by step, merging each step. */
  async driveCanary(env: DemoEnvironment): Promise<void> {
    for (let step = 0; step < 5; step++) {
      const pr = await this.awaitProposal(`canary/fraud-detector/${env}`, `the controller judges the canary in ${env} on Prometheus metrics`);
      await this.mergeAndApply(pr);
      const declared = await declaredVersions(this.workspace, env);
      if (!declared.some((one) => one.role === 'canary')) return;
    }
  }

  /** Starts the load generator against all three runtimes and waits for version 1 to answer. */
  async startTraffic(settings: DemoSettings): Promise<void> {
    const traffic = await this.progress.run(
      `send traffic with feedback labels (${settings.rates.dev}/${settings.rates.staging}/${settings.rates.prod} requests/s to dev/staging/prod)`,
      async (bar) => {
        const traffic = new Traffic(buildPools(settings.rows, SEED), DEMO_MODEL);
        this.outcome.traffic = traffic;
        for (const env of DEMO_ENVIRONMENTS) traffic.add({ environment: env, url: this.outcome.runtimes.get(env)!, rate: settings.rates[env] });
        const want = settings.rates.dev * 3;
        await this.until(
          () => (traffic.stats.get('dev')!.byVersion.get(VERSION_1) ?? 0) >= want,
          30_000,
          () => {
            const stats = traffic.stats.get('dev')!;
            bar.update((stats.byVersion.get(VERSION_1) ?? 0) / want, traffic.describe('dev'));
          },
          () => `dev did not answer with ${VERSION_1} within 30 s: ${traffic.describe('dev')}; last error: ${traffic.stats.get('dev')!.lastError}`,
        );
        return traffic;
      },
      (t) => `dev serves version 1: ${t.describe('dev')}`,
    );
    this.traffic = traffic;
  }

  /** Shifts dev's and prod's traffic and waits for the retrain request and prod's rollback. */
  async drift(): Promise<void> {
    const traffic = this.traffic!;
    traffic.setMode('dev', 'drift');
    traffic.setMode('prod', 'drift');
    this.progress.note(`dev and prod now receive the data generator's sudden-drift stream (amounts ×1.8, device trust −15, more electronics)`);
    // Prod's fresh version degraded against the one before it: a rollback. Dev's drift asks for a
    // retraining (its DriftPolicy never rolls back); one retrain request per model.
    const wanted = [
      { name: 'rollback of prod', matches: (key: string) => key === 'rollback/fraud-detector/prod', env: 'prod' },
      { name: 'retrain request', matches: (key: string) => key.startsWith('retrain/fraud-detector/'), env: 'dev' },
    ];
    const seen = new Map<string, PullRecord>();
    await this.progress.run(
      'the controller measures drift per input on Prometheus and proposes',
      async (bar) => {
        const deadline = Date.now() + this.settings.proposalTimeoutMs;
        for (;;) {
          // Once an environment has its drift PR, the controller looks only at the others (its
          // --env option): a second drift decision there would only restate the first.
          const pending = wanted.filter((one) => !seen.has(one.name));
          const report = await this.reconcile(new Set(pending.map((one) => one.env)));
          for (const entry of report.proposals) {
            const want = pending.find((one) => one.matches(entry.key));
            if (want === undefined || entry.pr === null || seen.has(want.name)) continue;
            const record = (await this.forge.record(entry.pr))!;
            seen.set(want.name, record);
            this.progress.note(`#${record.number} ${record.state === 'merged' ? 'opened and auto-merged (the policy allows it)' : 'opened'}: ${record.title}`);
            this.progress.note(`    evidence: ${clip(summarizeEvidence(record.body))}`);
            if (record.state === 'merged') this.progress.note(`    ${await this.apply(record)}`);
          }
          const missing = wanted.filter((one) => !seen.has(one.name));
          if (missing.length === 0) break;
          const keys = missing.map((one) => (one.env === 'prod' ? 'rollback/fraud-detector/prod' : 'retrain/fraud-detector/dev'));
          if (Date.now() > deadline) throw new StoryStopped(`the ${missing.map((one) => one.name).join(' and ')} did not come within ${this.settings.proposalTimeoutMs / 1000} s (${reasonsFor(report, keys)})`);
          bar.update(null, `${[...seen.keys()].join(', ') || 'no drift PR yet'}; ${reasonsFor(report, keys)}`);
          await sleep(this.settings.reconcileEveryMs);
        }
        return seen;
      },
      () => [...seen.values()].map((record) => `#${record.number} ${record.state}`).join(', '),
    );
    traffic.setMode('dev', 'normal');
    traffic.setMode('prod', 'normal');
  }

  /** Reads every runtime's metadata: which versions answer, in which role and weight. */
  async readServing(): Promise<void> {
    for (const env of DEMO_ENVIRONMENTS) this.outcome.serving.set(env, await servedBy(this.outcome.runtimes.get(env)!));
  }

  private async awaitProposal(key: string, title: string): Promise<PullRecord> {
    return this.progress.run(
      title,
      async (bar) => {
        const deadline = Date.now() + this.settings.proposalTimeoutMs;
        for (;;) {
          const report = await this.reconcile();
          const abort = report.proposals.find((entry) => entry.key.startsWith('abort/') && entry.pr !== null);
          if (abort !== undefined) {
            const record = (await this.forge.record(abort.pr!))!;
            await this.apply(record);
            throw new StoryStopped(`the canary was aborted by #${record.number} (${summarizeEvidence(record.body)}), so the promotions after it did not happen`);
          }
          const entry = report.proposals.find((one) => one.key === key && one.pr !== null && ['opened', 'updated', 'unchanged'].includes(one.outcome));
          if (entry !== undefined) {
            return (await this.forge.record(entry.pr!))!;
          }
          const rejected = report.rejected.find((one) => one.key === key);
          if (rejected !== undefined) throw new UserError(`the controller rejected ${key}: ${rejected.reasons.join('; ')}`);
          if (Date.now() > deadline) throw new StoryStopped(`${key} was not proposed within ${this.settings.proposalTimeoutMs / 1000} s (${reasonsFor(report, [key])})`);
          bar.update(null, `waiting: ${reasonsFor(report, [key])}${this.traffic === null ? '' : ` · traffic ${this.traffic.describe('staging')}`}`.slice(0, 220));
          await sleep(this.settings.reconcileEveryMs);
        }
      },
      (pr) => `#${pr.number} ${pr.title}`,
    ).then((pr) => {
      this.progress.note(`evidence: ${clip(summarizeEvidence(pr.body))}`);
      return pr;
    });
  }

  private async mergeAndApply(pr: PullRecord): Promise<void> {
    await this.progress.run(
      `review and merge #${pr.number} as a person would (slipway pr merge ${pr.number})`,
      async (bar) => {
        const merged = await this.forge.merge(pr.number);
        bar.update(null, 'render --check, then apply the rendered bundles');
        return this.apply(merged);
      },
      (applied) => applied,
    );
  }

  /** After a merge: `render --check` on main, then Argo CD's part, then wait for the runtimes to serve it. */
  private async apply(record: PullRecord): Promise<string> {
    let rendered = await checkRendered(this.workspace.repo);
    if (!rendered.inSync) {
      // The branch carries its rendered dist/; this only happens if main moved underneath.
      await renderInto(this.workspace.repo);
      rendered = await checkRendered(this.workspace.repo);
    }
    const changed = await syncBundles(this.workspace);
    const lines: string[] = [];
    for (const env of changed as DemoEnvironment[]) {
      const declared = await declaredVersions(this.workspace, env);
      const url = this.outcome.runtimes.get(env);
      if (url !== undefined) await this.waitServing(url, declared, env);
      lines.push(`${env} serves ${formatServing(declared)}`);
    }
    return `merged ${record.mergedSha?.slice(0, 12) ?? ''}; dist/ ${rendered.inSync ? 'up to date' : 'STALE'} (${rendered.files} files)${lines.length > 0 ? `; ${lines.join('; ')}` : ''}`;
  }

  private async waitServing(url: string, declared: readonly ServedVersion[], env: string): Promise<void> {
    const want = formatServing(declared);
    let got = '';
    await this.until(
      async () => {
        got = formatServing(await servedBy(url).catch(() => []));
        return got === want;
      },
      60_000,
      () => {},
      () => `the ${env} runtime did not load ${want} within 60 s (it serves ${got}); see ${path.join(this.workspace.runDir, 'logs', `runtime-${env}.log`)}`,
    );
  }

  private reconcile(environments?: ReadonlySet<string>): Promise<ReconcileReport> {
    return reconcile({
      forge: this.forge,
      workDir: path.join(this.workspace.repo, '.git', 'slipway', 'workspace'),
      renderDist: async (root) => {
        await renderInto(root);
      },
      base: 'main',
      resultStore: this.store,
      metricsFor: () => this.metrics,
      cluster: null,
      environments,
    });
  }

  private async until(done: () => boolean | Promise<boolean>, timeoutMs: number, tick: () => void, failure: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new UserError(failure());
      tick();
      await sleep(200);
    }
  }
}

/** Evidence lines stay on one line of a wide terminal; the whole table is in the PR. */
function clip(text: string, width = 200): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function reasonsFor(report: ReconcileReport, keys: readonly string[]): string {
  const reasons = report.waiting.filter((wait) => keys.includes(wait.key)).flatMap((wait) => wait.reasons);
  const problems = report.problems.slice(0, 1);
  return [...reasons, ...problems].join('; ') || 'nothing to propose yet';
}

async function servedBy(url: string): Promise<ServedVersion[]> {
  const metadata = (await (await fetch(`${url}/v2/models/${DEMO_MODEL}`, { signal: AbortSignal.timeout(2_000) })).json()) as { versions: string[] };
  const versions: ServedVersion[] = [];
  for (const version of metadata.versions) {
    const one = (await (await fetch(`${url}/v2/models/${DEMO_MODEL}/versions/${version}`, { signal: AbortSignal.timeout(2_000) })).json()) as { properties: { role: string; weight: string } };
    versions.push({ version, role: one.properties.role, weight: Number(one.properties.weight) });
  }
  const order = { stable: 0, canary: 1, shadow: 2 } as Record<string, number>;
  return versions.sort((a, b) => (order[a.role] ?? 3) - (order[b.role] ?? 3));
}

function exited(managed: Managed): Promise<void> {
  if (managed.child.exitCode !== null || managed.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => managed.child.once('exit', () => resolve()));
}
