/**
 * `slipway controller`: the bot. `--once` runs one reconcile (a scheduled CI job); `--watch` keeps
 * reconciling on a timer and on merged-PR webhooks, under a Lease when in a cluster. This file only
 * wires: the forge, the metrics and cluster sources, and the generators' renderer for `dist/`.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Catalog, Environment } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { parseDuration } from '../../core/units.js';
import { GitHubForge } from '../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../controllers/forge/github/settings.js';
import { TerminalForgeError, type Forge } from '../../controllers/forge/forge.js';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { createControllerMetrics, withMetricsEndpoint } from '../../controllers/controller-metrics.js';
import { reconcile, type Log, type ReconcileOptions, type ReconcileReport } from '../../controllers/reconcile.js';
import { ArgoCdClusterSource, LeaseElector, loadKubeConfig } from '../../controllers/sources/kubernetes.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import type { ClusterSource } from '../../controllers/sources/cluster-source.js';
import { createWebhookHandler } from '../../controllers/webhook.js';
import { Workspace } from '../../controllers/git/workspace.js';
import type { ArtifactStore } from '../../core/artifact-store/artifact-store.js';
import { openArtifactStore } from '../../core/artifact-store/open-store.js';
import { watch } from '../../controllers/watch.js';
import { environmentApplicationName } from '../../generators/names.js';
import { render } from '../../generators/render.js';
import { ensureRendered } from '../../generators/write-dist.js';
import { type Command, oneOf, parseFlags, UsageError, UserError } from '../command.js';

const FORGES = ['local', 'github'] as const;
const CLUSTER = ['auto', 'off'] as const;
const FORMATS = ['text', 'json'] as const;

export const command: Command = {
  summary: 'the bot: propose retraining results, canary steps, promotions and drift actions as pull requests',
  usage: `
usage: slipway controller --once|--watch [path] [--forge local|github] [--prometheus URL] [--results DIR]
                          [--env E]... [--cluster auto|off] [--interval 60s] [--port 8080] [--format text|json]
       slipway controller --once|--watch --clone [--branch main] [--work-dir DIR] [--env E]... (in a cluster)

Reads the repository's base branch, training results, Prometheus and Argo CD, and opens or updates
one pull request per proposal (branch slipway/<action>/<model>/<env>). It never writes to a cluster
and merges nothing, except aborts and rollbacks whose policy sets auto-merge.
  --once             one reconcile, then exit (exit 1 when the base branch does not validate)
  --watch            reconcile every --interval and on merged-PR webhooks (POST /webhook on --port,
                     verified with SLIPWAY_WEBHOOK_SECRET); under a Lease when in a cluster; the
                     controller's metrics at GET /metrics on --port
  --forge F          local (PRs kept in the repository's refs; see 'slipway pr') or github
                     (GITHUB_TOKEN, or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY + GITHUB_APP_INSTALLATION_ID;
                     GITHUB_API_URL for Enterprise; GITHUB_REPOSITORY or slipway.yaml forge.repository).
                     Default: github when slipway.yaml says so and credentials are set, else local
  --prometheus URL   query this Prometheus for every environment (default: each environment's own)
  --results DIR      training results to propose as new versions, besides those in the project's
                     artifact store (DIR/*.json, or DIR/<model>/<version>/training-result.json)
  --clone            no local checkout: clone the forge's repository into --work-dir and read the
                     catalog from it (GITHUB_REPOSITORY, SLIPWAY_GIT_URL, credentials as for github)
  --branch B         the base branch to read with --clone (default main)
  --env E            only proposals targeting environment E (repeatable; the in-cluster controller)
  --cluster auto     read Argo CD Applications in-cluster or via $KUBECONFIG when present (default); off
  --work-dir DIR     the controller's working clone (default: .git/slipway/workspace, or a temp dir)`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      once: { type: 'boolean' },
      watch: { type: 'boolean' },
      forge: { type: 'string' },
      prometheus: { type: 'string' },
      results: { type: 'string' },
      env: { type: 'string', multiple: true },
      cluster: { type: 'string' },
      interval: { type: 'string' },
      port: { type: 'string' },
      format: { type: 'string' },
      'work-dir': { type: 'string' },
      clone: { type: 'boolean' },
      branch: { type: 'string' },
    });
    if (values.once === values.watch) throw new UsageError('pass exactly one of --once and --watch');
    if (positionals.length > 1) throw new UsageError('controller takes at most one path');
    if (values.clone && positionals.length > 0) throw new UsageError('--clone reads the repository from the forge; give no path');
    if (values.branch !== undefined && !values.clone) throw new UsageError('--branch is only used with --clone (otherwise slipway.yaml names it)');
    const format = oneOf('format', values.format, FORMATS, 'text');
    const intervalMs = values.interval === undefined ? 60_000 : parseDuration(values.interval);
    if (intervalMs === null || intervalMs <= 0) throw new UsageError(`--interval must be a duration such as 60s (got '${values.interval}')`);
    const log = makeLog(format);
    const { root, catalog, forge, workDir } = values.clone
      ? await cloneFromForge(values.forge, values.branch ?? 'main', values['work-dir'], log)
      : await openLocal(positionals[0], values.forge, values['work-dir'], log);
    const environments = values.env === undefined ? undefined : new Set(values.env);
    for (const name of environments ?? []) if (!catalog.environments.has(name)) throw new UserError(`--env ${name}: no such environment in ${root}`);
    const options: ReconcileOptions = {
      forge,
      workDir,
      renderDist,
      base: catalog.project.repository.branch,
      resultsDir: values.results === undefined ? undefined : path.resolve(values.results),
      resultStore: openResultStore(catalog, root),
      metricsFor: metricsFor(values.prometheus),
      cluster: makeCluster(oneOf('cluster', values.cluster, CLUSTER, 'auto')),
      environments,
      log,
    };
    if (values.once) return runOnce(options, format);
    return runWatch(options, intervalMs, Number(values.port ?? '8080'), log);
  },
};

/** What the controller works on: the catalog, where it was read, the forge and the working clone. */
interface Setup {
  readonly root: string;
  readonly catalog: Catalog;
  readonly forge: Forge;
  readonly workDir: string;
}

/** A local checkout (a laptop, CI): the catalog at `rootArg`, the forge slipway.yaml names. */
async function openLocal(rootArg: string | undefined, forgeFlag: string | undefined, workDirFlag: string | undefined, log: Log): Promise<Setup> {
  const root = path.resolve(rootArg ?? '.');
  const catalog = await loadCatalogOrThrow(root);
  const forge = makeForge(forgeFlag, catalog, root, log);
  return { root, catalog, forge, workDir: workDirFlag ?? defaultWorkDir(root, forge) };
}

/**
 * In a cluster nothing of the catalog is in the image: clone the forge's repository into the work
 * directory (the pod's volume) and read the catalog from the base branch. Every reconcile fetches.
 */
async function cloneFromForge(forgeFlag: string | undefined, branch: string, workDirFlag: string | undefined, log: Log): Promise<Setup> {
  if (forgeFlag !== undefined && forgeFlag !== 'github') throw new UsageError('--clone needs --forge github: the local forge is a directory on this machine');
  let forge: Forge;
  try {
    forge = new GitHubForge(githubSettingsFromEnv(process.env), log);
  } catch (error) {
    throw new UserError(`--clone: ${(error as Error).message}`);
  }
  const workDir = path.resolve(workDirFlag ?? defaultWorkDir('', forge));
  try {
    const workspace = await Workspace.open(forge.remoteUrl, workDir, (await forge.gitConfig?.()) ?? []);
    await workspace.checkoutClean(await workspace.fetch(branch));
  } catch (error) {
    throw new UserError(`cannot read the repository ${forge.remoteUrl}: ${explain(error)} (check SLIPWAY_GIT_URL and the credentials in the Secret slipway-controller)`);
  }
  const catalog = await loadCatalogOrThrow(workDir);
  log('cloned', { repository: forge.remoteUrl, branch, workDir });
  return { root: workDir, catalog, forge, workDir };
}

/** The project's artifact store, where training results are found; a store that cannot be opened is reported once. */
function openResultStore(catalog: Catalog, root: string): ArtifactStore | null {
  try {
    return openArtifactStore(catalog.project.artifacts, root);
  } catch (error) {
    throw new UserError(`slipway.yaml spec.artifacts: ${(error as Error).message}`);
  }
}

/** The generators' renderer, injected into the controller (which may not import generators). */
async function renderDist(repoRoot: string): Promise<void> {
  const catalog = await loadCatalogOrThrow(repoRoot);
  // The whole rendering, so a proposal that changes a card also refreshes its page (and CODEOWNERS).
  await ensureRendered(repoRoot, render(catalog));
}

async function runOnce(options: ReconcileOptions, format: (typeof FORMATS)[number]): Promise<number> {
  let report: ReconcileReport;
  try {
    report = await reconcile(options);
  } catch (error) {
    throw new UserError(explain(error));
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
  return report.problems.length > 0 && report.proposals.length === 0 && report.waiting.length === 0 ? 1 : 0;
}

async function runWatch(options: ReconcileOptions, intervalMs: number, port: number, log: Log): Promise<number> {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  const cluster = process.env.KUBERNETES_SERVICE_HOST !== undefined;
  const elector = cluster
    ? new LeaseElector(loadKubeConfig(), {
        namespace: process.env.POD_NAMESPACE ?? 'default',
        name: 'slipway-controller',
        identity: process.env.POD_NAME ?? `slipway-${process.pid}`,
        durationSeconds: Math.max(30, Math.ceil((2 * intervalMs) / 1000)),
      })
    : null;
  const metrics = createControllerMetrics();
  const loop = watch({ reconcile: () => reconcile({ ...options, metrics }).then(printReportQuietly(log)), intervalMs, elector, signal: controller.signal, log });
  const secret = process.env.SLIPWAY_WEBHOOK_SECRET;
  const server = createServer(
    withMetricsEndpoint(
      metrics.registry,
      secret === undefined
        ? (request, response) => {
            response.writeHead(request.url === '/healthz' ? 200 : 404).end();
          }
        : createWebhookHandler({ secret, onMerged: () => loop.trigger(), log }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(port, resolve));
  log('watching', { intervalMs, port, webhook: secret !== undefined, leaderElection: elector !== null });
  try {
    await loop.done;
    return 0;
  } catch (error) {
    throw new UserError(explain(error));
  } finally {
    server.close();
  }
}

function makeForge(flag: string | undefined, catalog: Catalog, root: string, log: Log): Forge {
  // An empty variable is no credential: CI systems often export GITHUB_TOKEN='' where none is granted.
  const configured = catalog.project.forge.type === 'github' && ((process.env.GITHUB_TOKEN ?? '') !== '' || (process.env.GITHUB_APP_ID ?? '') !== '');
  const kind = oneOf('forge', flag, FORGES, configured ? 'github' : 'local');
  if (kind === 'local') {
    if (!existsSync(path.join(root, '.git'))) throw new UserError(`${root} is not a Git repository; the local forge keeps pull requests in its refs`);
    return new LocalForge(root);
  }
  try {
    const repository = catalog.project.forge.type === 'github' ? catalog.project.forge.repository : undefined;
    return new GitHubForge(githubSettingsFromEnv(process.env, repository), log);
  } catch (error) {
    throw new UserError(`--forge github: ${(error as Error).message}`);
  }
}

function defaultWorkDir(root: string, forge: Forge): string {
  if (forge.name === 'local' && existsSync(path.join(root, '.git', 'HEAD'))) return path.join(root, '.git', 'slipway', 'workspace');
  const id = createHash('sha256').update(forge.remoteUrl).digest('hex').slice(0, 12);
  return path.join(tmpdir(), 'slipway-controller', id);
}

function metricsFor(override: string | undefined): (env: Environment) => PrometheusSource | null {
  const cache = new Map<string, PrometheusSource>();
  return (env) => {
    const url = override ?? env.prometheus?.url;
    if (url === undefined) return null;
    if (!cache.has(url)) cache.set(url, new PrometheusSource(url));
    return cache.get(url)!;
  };
}

function makeCluster(mode: (typeof CLUSTER)[number]): ClusterSource | null {
  if (mode === 'off') return null;
  const reachable = process.env.KUBERNETES_SERVICE_HOST !== undefined || process.env.KUBECONFIG !== undefined;
  return reachable ? new ArgoCdClusterSource(loadKubeConfig(), environmentApplicationName) : null;
}

function makeLog(format: (typeof FORMATS)[number]): Log {
  return (message, fields = {}) => {
    if (format === 'json' || process.env.SLIPWAY_LOG === 'json') process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n`);
    else if (process.env.SLIPWAY_LOG === 'debug') process.stderr.write(`${message} ${JSON.stringify(fields)}\n`);
  };
}

function printReport(report: ReconcileReport): void {
  for (const proposal of report.proposals) process.stdout.write(`${proposal.outcome.padEnd(15)} ${proposal.key}${proposal.pr === null ? '' : ` (#${proposal.pr})`}\n`);
  for (const number of report.superseded) process.stdout.write(`${'superseded'.padEnd(15)} #${number}\n`);
  for (const rejection of report.rejected) process.stdout.write(`${'rejected'.padEnd(15)} ${rejection.key}: ${rejection.reasons.join('; ')}\n`);
  for (const wait of report.waiting) process.stderr.write(`${'waiting'.padEnd(15)} ${wait.key}: ${wait.reasons.join('; ')}\n`);
  for (const problem of report.problems) process.stderr.write(`problem: ${problem}\n`);
  process.stderr.write(`base ${report.baseSha.slice(0, 12)}: ${report.proposals.length} proposal(s), ${report.waiting.length} waiting, ${report.rejected.length} rejected\n`);
}

function printReportQuietly(log: Log): (report: ReconcileReport) => void {
  return (report) => log('reconcile report', { proposals: report.proposals, waiting: report.waiting.length, rejected: report.rejected, problems: report.problems });
}

function explain(error: unknown): string {
  const parts: string[] = [];
  for (let current = error as Error | undefined; current !== undefined; current = current.cause as Error | undefined) {
    parts.push(current.message.split('\n')[0]);
    if (parts.length > 4) break;
  }
  const message = parts.join(': ');
  return error instanceof TerminalForgeError ? `${message} (check the GitHub credentials)` : message;
}
