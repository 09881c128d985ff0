/**
 * `slipway demo`: the whole loop on this machine in a few minutes, in a temporary copy of the
 * example repository. The steps live in `cli/demo/`; this file parses flags, owns the processes
 * and makes sure every one of them stops, on success, on error and on Ctrl-C.
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { type Command, parseFlags, UsageError } from '../command.js';
import { Processes } from '../demo/processes.js';
import { ensureSystemTools } from '../system-tools.js';
import { prTable } from '../demo/pr-table.js';
import { Progress } from '../demo/progress.js';
import { type DemoOutcome, formatServing, runStory } from '../demo/steps.js';
import { DEMO_ENVIRONMENTS, DEMO_MODEL } from '../demo/settings.js';

export const command: Command = {
  summary: 'run the whole loop locally: train, PRs, canary, promotion and drift, on real Redis and Prometheus',
  usage: `
usage: slipway demo [--fast] [--keep] [--port P]

In a temporary copy of the example repository (a Git repository whose refs are the local forge):
generates data, materializes it into a private redis-server, trains version 1, lets the controller
propose it, merges the PR as a reviewer would, renders and serves it, sends traffic with feedback
labels, trains a better version 2, promotes it to staging as a canary that the controller advances
on metrics from a private prometheus, promotes it to prod after the soak, then shifts the traffic
and shows the drift PRs (a retraining request and a rollback). Ends with a table of every PR.
Needs git, redis-server and prometheus; installs the missing ones (Debian packages) when run as
root or with passwordless sudo, and otherwise prints the command to run.
  --fast     shorten every wait (soaks, canary steps, analysis and drift windows), for tests
  --keep     leave the servers, runtimes and repository running, and print how to stop them
  --port P   first runtime port: dev P, staging P+1, prod P+2 (default 8080; 0 picks free ports)`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { fast: { type: 'boolean' }, keep: { type: 'boolean' }, port: { type: 'string' } }, false);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const port = values.port === undefined ? 8080 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65533) throw new UsageError(`--port must be a port number from 0 to 65533 (got '${values.port}')`);
    ensureSystemTools(['git', 'redis-server', 'prometheus'], 'the demo keeps its repository in Git and starts a private Redis and Prometheus');
    return runDemo({ fast: values.fast ?? false, keep: values.keep ?? false, port });
  },
};

async function runDemo(options: { fast: boolean; keep: boolean; port: number }): Promise<number> {
  const progress = new Progress();
  const outcome: DemoOutcome = { workspace: null, prometheusUrl: null, runtimes: new Map(), serving: new Map(), traffic: null, notShown: [] };
  const processes = new Processes(() => (outcome.workspace === null ? path.join(tmpdir(), 'slipway-demo-logs') : path.join(outcome.workspace.runDir, 'logs')));
  let cleaned: Promise<void> | null = null;
  const cleanUp = (keep: boolean) => {
    cleaned ??= (async () => {
      outcome.traffic?.stop();
      if (keep) {
        processes.release();
        return;
      }
      await processes.stopAll();
      if (outcome.workspace !== null) await rm(outcome.workspace.root, { recursive: true, force: true });
    })();
    return cleaned;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress.write(`\nslipway demo: ${signal}: stopping every process it started…\n`);
    void cleanUp(false).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const onExit = () => processes.killAllNow();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  progress.write(`slipway demo${options.fast ? ' --fast' : ''}: the whole loop on this machine\n`);
  let completed = false;
  let keep = false;
  try {
    await runStory(options, progress, processes, outcome);
    completed = outcome.notShown.length === 0;
    // A story that stopped early is kept too: that is when a person most wants to look around.
    keep = options.keep;
    await finalReport(progress, outcome, keep, processes);
  } finally {
    await cleanUp(keep);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
  progress.write(`\n${completed ? 'The whole loop ran' : 'The loop ran up to the step above'} in ${progress.elapsed()}.${keep ? '' : ' Every process the demo started has stopped.'}\n`);
  return completed ? 0 : 1;
}

async function finalReport(progress: Progress, outcome: DemoOutcome, keep: boolean, processes: Processes): Promise<void> {
  const workspace = outcome.workspace!;
  const records = await new LocalForge(workspace.repo).records();
  progress.section(`Every pull request the controller opened (${records.length})`);
  progress.write(`${prTable(records, Math.max(120, process.stdout.columns ?? 160))}\n`);
  progress.section('What serves now');
  for (const env of DEMO_ENVIRONMENTS) progress.write(`  ${env.padEnd(8)} ${formatServing(outcome.serving.get(env) ?? [])}   (traffic: ${outcome.traffic?.describe(env) ?? 'none'})\n`);
  for (const reason of outcome.notShown) progress.write(`  not shown: ${reason}\n`);
  progress.section('Where to look');
  const repo = workspace.repo;
  const lines = [
    `slipway pr list --repo ${repo}          every PR; 'slipway pr show N --repo ${repo}' for its evidence and diff`,
    `${path.join(repo, 'dist')}/<env>/   the rendered manifests Argo CD would sync; git -C ${repo} log --oneline --graph`,
    ...DEMO_ENVIRONMENTS.map((env) => `${outcome.runtimes.get(env) ?? '(not started)'}/metrics   the ${env} runtime's metrics (${outcome.runtimes.get(env) ?? ''}/v2/models/${DEMO_MODEL})`),
    `${outcome.prometheusUrl ?? '(not started)'}/graph   Prometheus, e.g. sum by (version) (rate(slipway_request_duration_seconds_count[1m]))`,
  ];
  for (const line of lines) progress.write(`  ${line}\n`);
  if (keep) {
    const pids = processes.list().map((one) => one.child.pid);
    progress.write(`\n--keep: the repository, Redis, Prometheus and the runtimes keep running (without traffic). Stop them with:\n  kill ${pids.join(' ')} && rm -rf ${workspace.root}\n`);
  } else {
    progress.write(`\n(These addresses stop with the demo; run 'slipway demo --keep' to explore them.)\n`);
  }
}
