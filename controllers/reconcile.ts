/**
 * One level-triggered reconcile: compute every desired proposal from Git (the base branch),
 * training results, metrics and cluster status, then make the forge match, idempotently. Killed at
 * any point and run again, it converges to the same PRs: branches are deterministic commits pushed
 * with a lease, and PRs are found by branch before one is created.
 */
import type { Catalog, Environment } from '../core/catalog.js';
import { environmentsInPromotionOrder } from '../core/catalog.js';
import { formatDiagnostic } from '../core/diagnostics.js';
import { loadCatalog } from '../core/load/load-catalog.js';
import { compareVersions } from '../core/units.js';
import { describeChanges, markerFor, parseMarker } from './body/marker.js';
import { renderBody } from './body/render-body.js';
import { applyEditsInDirectory } from './edits/edit-files.js';
import { autoMergeRefusalComment, refusalExplained } from './body/auto-merge-refusal.js';
import { branchInput, rebuildReason, type BranchFacts } from './branch-freshness.js';
import type { ControllerMetrics } from './controller-metrics.js';
import { TerminalForgeError, type AutoMergeResult, type Forge, type LabelledPullRequest, type PullRequest } from './forge/forge.js';
import { Workspace } from './git/workspace.js';
import { proposeCanaryStep } from './proposals/canary-step.js';
import { proposeDriftAction } from './proposals/drift.js';
import { promotionTargets, proposePromotion } from './proposals/promotion.js';
import { actionLabel, BOT_LABELS, proposalKey, REGENERATE_LABEL, SUPERSEDED_LABEL, type Decision, type Proposal } from './proposals/proposal.js';
import { proposeNewVersion } from './proposals/retrain-result.js';
import { readyAt, type ClusterSource } from './sources/cluster-source.js';
import { DeploymentHistories } from './sources/deployment-history.js';
import { analyseCanary, measureDrift, measureFiringAlerts } from './sources/gather-evidence.js';
import type { MetricsSource } from './sources/metrics-source.js';
import { readStoreResults, readTrainingResults, type ResultsRead } from './sources/training-results.js';
import type { ArtifactStore } from '../core/artifact-store/artifact-store.js';

/** Writes `dist/` for the repository checked out at `repoRoot` (injected: controllers never import generators). */
export type RenderDist = (repoRoot: string) => Promise<void>;

/** Structured logging: a fixed message plus fields. */
export type Log = (message: string, fields?: Record<string, unknown>) => void;

/** What one reconcile needs. */
export interface ReconcileOptions {
  readonly forge: Forge;
  /** Directory of the controller's working clone. */
  readonly workDir: string;
  readonly renderDist: RenderDist;
  /** Base branch; defaults to the project's `repository.branch`, then `main`. */
  readonly base?: string;
  /** Directory of training results to read, if any. */
  readonly resultsDir?: string;
  /** The artifact store training publishes to; its results of new versions are proposed. */
  readonly resultStore?: ArtifactStore | null;
  /** The metrics source of an environment; `null` when none is configured. */
  readonly metricsFor?: (env: Environment) => MetricsSource | null;
  /** Cluster status; without it the Argo CD gate is skipped and the PR says so. */
  readonly cluster?: ClusterSource | null;
  /** Only proposals targeting these environments (one controller per environment); all when absent. */
  readonly environments?: ReadonlySet<string>;
  readonly now?: () => number;
  readonly log?: Log;
  /** Where refusals and other events are counted (the controller's `/metrics`); none when absent. */
  readonly metrics?: ControllerMetrics;
}

/** What happened to one desired proposal. */
export type Outcome =
  | 'opened'
  | 'updated'
  | 'unchanged'
  | 'declined'
  | 'already-merged'
  | 'rolled-back'
  | 'person-pushed'
  | 'already-applied'
  | 'auto-merged'
  | 'auto-merge-refused'
  /** The forge or Git failed for this proposal (see `problems`); the others went on. */
  | 'failed';

/** The result of a reconcile, for logs, the CLI and tests. */
export interface ReconcileReport {
  readonly baseSha: string;
  readonly proposals: { readonly key: string; readonly outcome: Outcome; readonly pr: number | null }[];
  readonly waiting: { readonly key: string; readonly reasons: readonly string[] }[];
  readonly rejected: { readonly key: string; readonly reasons: readonly string[] }[];
  readonly superseded: number[];
  readonly problems: string[];
}

/**
 * Runs one reconcile. Throws only when Git fails before any proposal, or the forge fails terminally
 * (credentials); one proposal's failure is reported (`failed`, `problems`) and the others proceed.
 * Metrics and cluster errors are data.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  options.forge.beginReconcile?.();
  const workspace = await Workspace.open(options.forge.remoteUrl, options.workDir, (await options.forge.gitConfig?.()) ?? [], await options.forge.identity());
  const base = options.base ?? 'main';
  const baseSha = await workspace.fetch(base);
  await workspace.checkoutClean(baseSha);
  const loaded = await loadCatalog(workspace.dir);
  if (!loaded.ok) {
    const problems = loaded.diagnostics.map(formatDiagnostic);
    log('the base branch does not validate; nothing proposed', { baseSha, problems: problems.length });
    return { baseSha, proposals: [], waiting: [], rejected: [], superseded: [], problems };
  }
  const catalog = loaded.catalog;
  const report: ReconcileReport = { baseSha, proposals: [], waiting: [], rejected: [], superseded: [], problems: [] };
  // The only look-up across PRs: merged aborts and rollbacks, by label. Everything else is by branch.
  const rolledBack = rolledBackByTarget(await mergedRollbacks(options.forge));
  const wanted = (key: string) => options.environments === undefined || options.environments.has(key.split('/')[2]);
  const decisions = (await decide(catalog, workspace, baseSha, options, now(), rolledBack, report)).filter((decision) =>
    wanted(decision.kind === 'propose' ? decision.proposal.key : decision.key),
  );
  const proposals: Proposal[] = [];
  for (const decision of decisions) {
    if (decision.kind === 'propose') proposals.push(decision.proposal);
    else if (decision.kind === 'wait') report.waiting.push({ key: decision.key, reasons: decision.reasons });
    else report.rejected.push({ key: decision.key, reasons: decision.reasons });
  }
  const context = { options, workspace, baseSha, base, log, rolledBack };
  for (const proposal of proposals) {
    let mine: PullRequest[] = [];
    try {
      report.superseded.push(...(await closeSuperseded(proposal, options.forge, log)));
      mine = await options.forge.listPullRequestsByBranch(proposal.branch);
      report.proposals.push(await ensureProposal(proposal, mine, context));
    } catch (error) {
      // Credentials that do not work fail every proposal alike: stop and say so once.
      if (isTerminal(error)) throw error;
      const problem = `${proposal.key}: ${describeError(error)}`;
      const open = mine.find((pr) => pr.state === 'open') ?? null;
      report.problems.push(problem);
      report.proposals.push({ key: proposal.key, outcome: 'failed', pr: open?.number ?? null });
      log('proposal failed; the others proceed', { key: proposal.key, pr: open?.number ?? null, error: problem });
    }
  }
  await workspace.checkoutClean(baseSha);
  log('reconciled', { baseSha, proposals: report.proposals.length, waiting: report.waiting.length, rejected: report.rejected.length });
  return report;
}

async function decide(catalog: Catalog, workspace: Workspace, baseSha: string, options: ReconcileOptions, nowMs: number, rolledBack: Map<string, Set<string>>, report: ReconcileReport): Promise<Decision[]> {
  const decisions: Decision[] = [];
  decisions.push(...(await resultDecisions(catalog, options, report)));
  const histories = new DeploymentHistories(workspace, baseSha);
  const retrainProposed = new Set<string>();
  for (const env of environmentsInPromotionOrder(catalog)) {
    const mine = options.environments === undefined || options.environments.has(env.name);
    if (!mine && !promotionTargets(catalog, env.name).some((target) => options.environments!.has(target.name))) continue;
    const metrics = options.metricsFor?.(env) ?? null;
    const gate = options.cluster ? await readyAt(options.cluster, env, baseSha) : null;
    for (const deployment of env.deployments) {
      const history = await histories.of(env, deployment.model);
      if (mine && deployment.canary !== undefined && deployment.rollout !== undefined && metrics !== null) {
        const analysis = await analyseCanary(catalog, env, deployment, metrics, nowMs);
        const stepAgeMs = history.canaryStepSinceMs === null ? null : nowMs - history.canaryStepSinceMs;
        const decision = proposeCanaryStep(catalog, { environment: env.name, model: deployment.model, analysis, stepAgeMs });
        decisions.push(gated(decision, gate));
      }
      for (const target of promotionTargets(catalog, env.name)) {
        const firingAlerts = metrics === null ? { value: null, query: 'no Prometheus configured for this environment' } : await measureFiringAlerts(env, deployment.model, metrics);
        const servedForMs = history.stableSinceMs === null ? null : nowMs - history.stableSinceMs;
        decisions.push(gated(proposePromotion(catalog, { from: env.name, to: target.name, model: deployment.model, servedForMs, firingAlerts }), gate));
      }
      if (mine && deployment.drift !== undefined && metrics !== null) {
        const deployedAgoMs = history.stableSinceMs === null ? null : nowMs - history.stableSinceMs;
        const drift = await measureDrift(catalog, env, deployment, metrics, { version: history.previousStable, deployedAgoMs });
        const decision = proposeDriftAction(catalog, {
          environment: env.name,
          model: deployment.model,
          ...drift,
          deployedAgoMs,
          previousStable: history.previousStable,
          rolledBack: rolledBack.get(env.name) ?? new Set(),
        });
        // One retrain request per model, from the first environment (in promotion order) that asks.
        if (decision.kind === 'propose' && decision.proposal.action === 'retrain') {
          if (retrainProposed.has(deployment.model)) continue;
          retrainProposed.add(deployment.model);
        }
        decisions.push(decision);
      }
    }
  }
  return decisions;
}

// The next step in an environment waits for Argo CD to have applied the last one; making the
// cluster safe (abort, rollback) never waits.
function gated(decision: Decision, gate: { ready: boolean; reason: string } | null): Decision {
  if (decision.kind !== 'propose' || gate === null || gate.ready) return decision;
  if (decision.proposal.action === 'abort' || decision.proposal.action === 'rollback') return decision;
  return { kind: 'wait', key: decision.proposal.key, reasons: [gate.reason] };
}

async function resultDecisions(catalog: Catalog, options: ReconcileOptions, report: ReconcileReport): Promise<Decision[]> {
  const reads: ResultsRead[] = [];
  if (options.resultStore) reads.push(await readStoreResults(options.resultStore, catalog));
  if (options.resultsDir !== undefined) reads.push(await readTrainingResults(options.resultsDir));
  const results = reads.flatMap((read) => read.results);
  report.problems.push(...reads.flatMap((read) => read.problems));
  const byModel = new Map<string, Decision>();
  const sorted = [...results].sort((a, b) => compareVersions(b.result.candidateVersion, a.result.candidateVersion) || a.origin.localeCompare(b.origin));
  const decisions: Decision[] = [];
  for (const evidence of sorted) {
    const decision = proposeNewVersion(catalog, evidence);
    // The newest passing result of a model wins; every failing one is reported with its reasons.
    if (decision.kind === 'reject') decisions.push(decision);
    else if (decision.kind === 'propose' && !byModel.has(evidence.result.model)) byModel.set(evidence.result.model, decision);
  }
  return [...decisions, ...byModel.values()];
}

/** The merged PRs that may take a version out of a target: aborts and rollbacks, found by label. */
async function mergedRollbacks(forge: Forge): Promise<LabelledPullRequest[]> {
  const found = await Promise.all([forge.listMergedByLabel(actionLabel('abort')), forge.listMergedByLabel(actionLabel('rollback'))]);
  return found.flat();
}

/** Versions taken out of each target by merged aborts and rollbacks: never proposed there again. */
function rolledBackByTarget(merged: readonly LabelledPullRequest[]): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const pr of merged) {
    const marker = parseMarker(pr.body);
    if (marker?.rollsBack === undefined) continue;
    const target = marker.key.split('/')[2];
    if (!result.has(target)) result.set(target, new Set());
    result.get(target)!.add(marker.rollsBack);
  }
  return result;
}

// An abort or rollback makes the open canary or promotion PR for the same model and target moot.
async function closeSuperseded(proposal: Proposal, forge: Forge, log: Log): Promise<number[]> {
  if (proposal.action !== 'abort' && proposal.action !== 'rollback') return [];
  const closed: number[] = [];
  for (const action of ['canary', 'promote'] as const) {
    const { key, branch } = proposalKey(action, proposal.model, proposal.target);
    const pr = await forge.findPullRequestByBranch(branch);
    if (pr === null || pr.state !== 'open' || parseMarker(pr.body)?.key !== key) continue;
    await forge.comment(pr.number, `Superseded by the ${proposal.action} proposal \`${proposal.key}\`: ${proposal.title}.`);
    await forge.ensurePullRequest({ branch: pr.branch, base: pr.base, title: pr.title, body: pr.body, labels: [...new Set([...pr.labels, SUPERSEDED_LABEL])], managedLabels: BOT_LABELS });
    await forge.close(pr.number);
    log('closed a superseded pull request', { pr: pr.number, by: proposal.key });
    closed.push(pr.number);
  }
  return closed;
}

interface EnsureContext {
  readonly options: ReconcileOptions;
  readonly workspace: Workspace;
  readonly baseSha: string;
  readonly base: string;
  readonly log: Log;
  readonly rolledBack: Map<string, Set<string>>;
}

/** Makes the forge match one proposal; `mine` are the PRs from its branch, newest first. */
async function ensureProposal(proposal: Proposal, mine: readonly PullRequest[], context: EnsureContext): Promise<{ key: string; outcome: Outcome; pr: number | null }> {
  const { options, workspace, baseSha, log } = context;
  const forge = options.forge;
  const open = mine.find((pr) => pr.state === 'open') ?? null;
  const sameSubject = (pr: PullRequest) => parseMarker(pr.body)?.subject === proposal.subject;
  const result = (outcome: Outcome, pr: number | null) => {
    log('proposal', { key: proposal.key, outcome, pr });
    return { key: proposal.key, outcome, pr };
  };
  if (open === null) {
    const declined = mine.find((pr) => pr.state === 'closed' && sameSubject(pr) && !pr.labels.includes(SUPERSEDED_LABEL));
    if (declined !== undefined) return result('declined', declined.number);
    const merged = mine.find((pr) => pr.state === 'merged' && sameSubject(pr));
    if (merged !== undefined) return result('already-merged', merged.number);
  }
  if (proposal.version !== undefined && context.rolledBack.get(proposal.target)?.has(proposal.version)) return result('rolled-back', open?.number ?? null);

  const remoteSha = await workspace.remoteBranchSha(proposal.branch);
  // A person hands a branch back with a label; until then their commits keep the bot off it.
  const handedBack = open?.labels.includes(REGENERATE_LABEL) ?? false;
  const pushed = open !== null && remoteSha !== null ? await workspace.foreignCommits(baseSha, remoteSha) : [];
  const foreign = handedBack ? [] : pushed;
  await workspace.checkoutClean(baseSha);
  const changes = await applyEditsInDirectory(workspace.dir, proposal.edits);
  if (changes.length === 0) return result('already-applied', open?.number ?? null);
  const notes: string[] = [];
  if (foreign.length > 0) notes.push(personPushedNote(proposal, foreign));
  if ((proposal.action === 'canary' || proposal.action === 'promote') && !options.cluster) notes.push('Cluster status was not checked (no Kubernetes access configured).');
  let rendered: string[] = [];
  // The commit the bot stands behind: only this head may be merged without a person.
  let head = remoteSha;
  // The base the branch is built on: the body and marker describe the branch, not the newest base.
  let builtOn = baseSha;
  if (foreign.length === 0) {
    const parents = remoteSha === null ? [] : await workspace.parentsOf(remoteSha);
    const facts: BranchFacts = {
      head: remoteSha,
      builtOn: parents.length === 1 ? parents[0] : null,
      message: remoteSha === null ? '' : await workspace.messageOf(remoteSha),
      baseSha,
      handedBack,
      mergesCleanly: () => workspace.mergesCleanly(baseSha, remoteSha!),
      requiresUpToDate: () => forge.requiresUpToDate(context.base),
    };
    const reason = await rebuildReason(facts, proposal.edits);
    if (reason === null) {
      builtOn = facts.builtOn!;
      rendered = await workspace.changedFiles(builtOn, remoteSha!, 'dist');
    } else {
      await options.renderDist(workspace.dir);
      const tree = await workspace.writeTree();
      rendered = await workspace.changedFiles(baseSha, tree, 'dist');
      const message = `${proposal.title}\n\nSlipway-Proposal: ${proposal.key}\nSlipway-Subject: ${proposal.subject}\nSlipway-Input: ${branchInput(baseSha, proposal.edits)}\n`;
      const commit = await workspace.commitTree(tree, baseSha, message);
      head = commit;
      if (commit !== remoteSha) {
        const { iso } = await workspace.dateOf(baseSha);
        head = await forge.ensureBranch({
          branch: proposal.branch,
          commit,
          parent: baseSha,
          tree,
          message,
          date: iso,
          expected: remoteSha,
          objectsDir: workspace.dir,
          changedFiles: () => workspace.filesChanged(baseSha, tree),
        });
        await workspace.noteRemoteBranch(proposal.branch, commit);
        log('wrote proposal branch', { branch: proposal.branch, commit, base: baseSha, because: reason });
      }
    }
  }
  const previous = open === null ? null : parseMarker(open.body);
  const next = markerFor(proposal, { baseSha: builtOn, notes });
  // Same verdicts, base and notes: keep the body as it is rather than churn it with new figures.
  const body = previous?.basis === next.basis && open !== null ? open.body : renderBody(proposal, { baseSha: builtOn, changes, renderedFiles: rendered, notes, links: [] });
  const { pr, created, updated } = await forge.ensurePullRequest({ branch: proposal.branch, base: context.base, title: proposal.title, body, labels: proposal.labels, managedLabels: BOT_LABELS });
  if (handedBack) {
    const dropped = pushed.length === 0 ? '' : ` The commit${pushed.length === 1 ? '' : 's'} a person pushed (${pushed.map((sha) => sha.slice(0, 12)).join(', ')}) ${pushed.length === 1 ? 'is' : 'are'} no longer on it.`;
    await forge.comment(pr.number, `Rebuilt \`${proposal.branch}\` from the base as asked with the \`${REGENERATE_LABEL}\` label, and removed the label.${dropped}`);
    log('rebuilt a branch a person handed back', { key: proposal.key, pr: pr.number, dropped: pushed });
  }
  if (!created && previous !== null && previous.fingerprint !== next.fingerprint) {
    const lines = describeChanges(previous, next);
    await forge.comment(pr.number, `Updated this PR because the evidence changed:\n\n${lines.map((line) => `- ${line}`).join('\n') || '- the proposed change itself'}`);
  }
  if (foreign.length > 0) {
    // The person's commits are theirs to merge: GitHub's auto-merge would merge them unreviewed.
    if (pr.autoMerge) {
      await forge.disableAutoMerge(pr.number);
      log('disabled auto-merge after a person pushed', { key: proposal.key, pr: pr.number });
    }
    return result('person-pushed', pr.number);
  }
  if (proposal.autoMerge && head !== null) {
    const merged = await forge.enableAutoMerge(pr.number, head);
    if (merged.kind !== 'refused') return result('auto-merged', pr.number);
    await explainRefusal(pr.number, merged, context);
    return result('auto-merge-refused', pr.number);
  }
  return result(created ? 'opened' : updated ? 'updated' : 'unchanged', pr.number);
}

// One comment per reason and PR, found again among the PR's comments; counted every time.
async function explainRefusal(number: number, refusal: Extract<AutoMergeResult, { kind: 'refused' }>, context: EnsureContext): Promise<void> {
  const { options, log } = context;
  options.metrics?.countAutoMergeRefusal(refusal.reason);
  log('auto-merge refused', { pr: number, reason: refusal.reason, message: refusal.message });
  if (refusalExplained(await options.forge.comments(number), refusal.reason)) return;
  await options.forge.comment(number, autoMergeRefusalComment(refusal.reason, refusal.message));
}

function isTerminal(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) if (current instanceof TerminalForgeError) return true;
  return false;
}

/** The first line of each message down the cause chain: what was being done, and why it failed. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error && parts.length < 5; current = current.cause) {
    const line = current.message.split('\n')[0];
    if (!parts.some((part) => part.includes(line))) parts.push(line);
  }
  return parts.length === 0 ? String(error) : parts.join(': ');
}

// What the person who took a branch over reads in the PR: what the bot no longer does, and the
// way back (GitHub closes a PR whose head branch is deleted, which the bot would read as declined).
function personPushedNote(proposal: Proposal, foreign: readonly string[]): string {
  const commits = `${foreign.length} commit${foreign.length === 1 ? '' : 's'}`;
  return (
    `A person pushed ${commits} to \`${proposal.branch}\` (${foreign.map((sha) => sha.slice(0, 12)).join(', ')}), so the bot leaves the branch alone: ` +
    `it no longer rebuilds it from the base. To hand it back, add the label \`${REGENERATE_LABEL}\`: the bot rebuilds the branch from the base ` +
    `(dropping the ${commits}) and removes the label. Closing this PR unmerged declines \`${proposal.subject}\`.` +
    (proposal.autoMerge ? ' Auto-merge is off while the branch holds commits the bot did not write: a person merges it.' : '')
  );
}
