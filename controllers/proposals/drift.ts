/**
 * Drift: per-feature statistics (the policy's PSI, KS or Cramér's V, from the fleet's counts) and
 * the score PSI above the DriftPolicy's `act` level for the consecutive windows
 * proposes a retrain request (the card's training trigger id bumped, which the rendered Job turns
 * into exactly one run), or, when the version was deployed within `rollbackWithin` and degraded
 * against the one before it, a rollback to that last good version.
 */
import type { Catalog, DriftLevels, DriftPolicy, ModelCard } from '../../core/catalog.js';
import { decideDrift, driftInputType, type DriftDecision, type DriftWindowStatistics } from '../../core/drift-decision.js';
import { DRIFT_STATISTICS } from '../../core/statistics/drift-statistics.js';
import { formatDuration } from '../../core/units.js';
import { cardEdit, deploymentEdit, figure } from './catalog-lookup.js';
import type { Measurement } from './evidence.js';
import { proposalKey, type Chart, type Decision, type EvidenceRow } from './proposal.js';

/** The drift statistics of one policy window, as measured, with the queries behind them. */
export interface DriftWindow extends DriftWindowStatistics {
  /** How far back from now the window ends. */
  readonly offsetMs: number;
  readonly queries: { readonly features: string; readonly score: string; readonly samples: string };
  /** Why the window could not be read, if it could not. */
  readonly error?: string;
}

/** What drift decisions need besides the catalog. */
export interface DriftEvidence {
  readonly environment: string;
  readonly model: string;
  /** The policy's last `consecutiveWindows` windows, oldest first. */
  readonly windows: readonly DriftWindow[];
  /** How long ago the current stable version was deployed here; `null` when unknown. */
  readonly deployedAgoMs: number | null;
  /** The stable version before the current one in this environment, from Git. */
  readonly previousStable: string | null;
  /** Score PSI of the previous version before the switch, to judge degradation. */
  readonly previousScorePsi: Measurement;
  readonly errorRate: Measurement;
  /** Versions rolled back in this environment before: never a rollback target. */
  readonly rolledBack: ReadonlySet<string>;
}

/** Decides what drift in one deployment proposes, by the shared rule of `core/drift-decision.ts`. */
export function proposeDriftAction(catalog: Catalog, evidence: DriftEvidence): Decision {
  const env = catalog.environments.get(evidence.environment)!;
  const deployment = env.deployments.find((candidate) => candidate.model === evidence.model)!;
  const policy = deployment.drift === undefined ? undefined : catalog.driftPolicies.get(deployment.drift);
  const card = catalog.models.get(evidence.model)!;
  const waitKey = proposalKey('retrain', evidence.model, env.name).key;
  if (policy === undefined) return { kind: 'wait', key: waitKey, reasons: ['no drift policy'] };
  const decision = decideDrift(policy, evidence.windows);
  if (decision.verdict !== 'act') {
    const latest = evidence.windows.at(-1);
    const why = latest?.error !== undefined && decision.verdict === 'wait' ? `${decision.reason} (${latest.error})` : decision.reason;
    return { kind: 'wait', key: waitKey, reasons: [`drift ${decision.verdict}: ${why}`] };
  }
  const rows = driftRows(card, deployment.stable, policy, evidence, decision);
  const latestScore = evidence.windows.at(-1)?.score ?? null;
  const scorePsi: Measurement = { value: latestScore, query: evidence.windows.at(-1)?.queries.score ?? '' };
  const charts = [statisticChart(evidence, policy)];
  const rollback = rollbackTarget(card, policy, evidence, scorePsi, deployment.stable, rows);
  const drifting = decision.acting;
  const scoreDrifting = decision.scoreActing;
  if (rollback !== null && policy.actions.includes('rollback')) {
    const { key, branch } = proposalKey('rollback', evidence.model, env.name);
    const edits = [deploymentEdit(env, evidence.model, 'set', ['stable'], rollback)];
    if (deployment.canary !== undefined) edits.push(deploymentEdit(env, evidence.model, 'delete', ['canary']));
    return {
      kind: 'propose',
      proposal: {
        key,
        branch,
        action: 'rollback',
        model: evidence.model,
        target: env.name,
        subject: deployment.stable,
        version: rollback,
        rollsBack: deployment.stable,
        title: `Roll back ${evidence.model} in ${env.name} from ${deployment.stable} to ${rollback}`,
        summary:
          `${evidence.model} ${deployment.stable} was deployed to ${env.name} ${formatDuration(Math.max(1000, Math.floor((evidence.deployedAgoMs ?? 0) / 1000) * 1000))} ago ` +
          `(within the ${formatDuration(policy.rollbackWithinMs ?? 0)} of DriftPolicy \`${policy.name}\`), its inputs drifted and it degraded against ${rollback}. ` +
          `This PR puts ${rollback} back as stable; ${deployment.stable} will not be proposed for ${env.name} again automatically.` +
          (policy.autoMerge.rollback ? ' The policy allows the bot to merge this rollback on its own (`autoMerge.rollback: true`).' : ''),
        evidence: rows,
        charts,
        edits,
        labels: ['slipway', 'slipway/rollback'],
        autoMerge: policy.autoMerge.rollback,
      },
    };
  }
  if (!policy.actions.includes('retrain')) return { kind: 'wait', key: waitKey, reasons: ['drift acts, but the policy allows no retrain and no rollback applies'] };
  const { key, branch } = proposalKey('retrain', evidence.model, env.name);
  const trigger = bumpTriggerId(card.training.triggerId);
  return {
    kind: 'propose',
    proposal: {
      key,
      branch,
      action: 'retrain',
      model: evidence.model,
      target: env.name,
      subject: card.training.triggerId,
      title: `Retrain ${evidence.model}: inputs drifted in ${env.name}`,
      summary:
        `${drifting.length} input${drifting.length === 1 ? '' : 's'}${scoreDrifting ? ' and the prediction score' : ''} of ${evidence.model} ${deployment.stable} drifted in ${env.name} ` +
        `above the act level of DriftPolicy \`${policy.name}\` for ${policy.consecutiveWindows} consecutive windows of ${formatDuration(policy.windowMs)}. ` +
        `This PR bumps the card's training trigger id from \`${card.training.triggerId}\` to \`${trigger}\`; after the merge the rendered Job runs one training, whose result comes back as its own PR.`,
      evidence: rows,
      charts,
      edits: [cardEdit(card, 'set', ['training', 'triggerId'], trigger)],
      labels: ['slipway', 'slipway/retrain'],
      autoMerge: false,
    },
  };
}

function driftRows(card: ModelCard, stable: string, policy: DriftPolicy, evidence: DriftEvidence, decision: DriftDecision): EvidenceRow[] {
  const windows = evidence.windows;
  const span = windows.map((window) => (window.offsetMs === 0 ? 'now' : `−${formatDuration(window.offsetMs)}`)).join(', ');
  const rows: EvidenceRow[] = [
    { name: 'samples per window', observed: windows.map((window) => window.samples).join(', '), threshold: `≥ ${policy.minSamples} in each`, pass: windows.every((window) => window.samples >= policy.minSamples), source: windows.map((window) => window.queries.samples).join('\n') },
  ];
  for (const input of (card.versions.get(stable) ?? card.current).inputs) {
    const values = windows.map((window) => window.inputs.find((statistic) => statistic.ref === input.ref)?.value);
    if (values.every((value) => value === undefined)) continue;
    const levels: DriftLevels = driftInputType(input.dtype) === 'categorical' ? policy.categorical : policy.numeric;
    rows.push({
      name: input.ref,
      observed: values.map((value) => (value === undefined ? 'no data' : figure(value))).join(', '),
      threshold: `${DRIFT_STATISTICS[levels.statistic].title} < ${levels.act} (warn ${levels.warn})`,
      pass: !decision.acting.includes(input.ref),
      source: windows.map((window) => window.queries.features).join('\n'),
    });
  }
  if (policy.score !== undefined && windows.some((window) => window.score !== null)) {
    rows.push({
      name: 'prediction score',
      observed: windows.map((window) => (window.score === null ? 'no data' : figure(window.score))).join(', '),
      threshold: `PSI < ${policy.score.act} (warn ${policy.score.warn})`,
      pass: !decision.scoreActing,
      source: windows.map((window) => window.queries.score).join('\n'),
    });
  }
  rows.unshift({ name: 'drift rule', observed: decision.reason, threshold: `${policy.minFeatures} input(s) or the score above act in ${policy.consecutiveWindows} windows (${span})`, pass: false, source: 'core/drift-decision.ts' });
  return rows;
}

function rollbackTarget(card: ModelCard, policy: DriftPolicy, evidence: DriftEvidence, scorePsi: Measurement, stable: string, rows: EvidenceRow[]): string | null {
  if (policy.rollbackWithinMs === undefined || evidence.deployedAgoMs === null || evidence.deployedAgoMs > policy.rollbackWithinMs) return null;
  const candidate =
    evidence.previousStable !== null && evidence.previousStable !== stable && !evidence.rolledBack.has(evidence.previousStable)
      ? evidence.previousStable
      : (card.history.find((version) => version.version !== stable && !evidence.rolledBack.has(version.version))?.version ?? null);
  if (candidate === null || !card.versions.has(candidate)) return null;
  let degraded = false;
  const now = scorePsi.value;
  const before = evidence.previousScorePsi.value;
  if (policy.degradation.maxScorePsiIncrease !== undefined && now !== null && before !== null) {
    const pass = now - before <= policy.degradation.maxScorePsiIncrease;
    degraded ||= !pass;
    rows.push({ name: `score PSI increase vs ${candidate}`, observed: figure(now - before), threshold: `≤ ${policy.degradation.maxScorePsiIncrease}`, pass, source: `now: ${scorePsi.query}\nbefore: ${evidence.previousScorePsi.query}` });
  }
  if (policy.degradation.maxErrorRate !== undefined && evidence.errorRate.value !== null) {
    const pass = evidence.errorRate.value <= policy.degradation.maxErrorRate;
    degraded ||= !pass;
    rows.push({ name: 'error rate', observed: `${figure(evidence.errorRate.value * 100)} %`, threshold: `≤ ${figure(policy.degradation.maxErrorRate * 100)} %`, pass, source: evidence.errorRate.query });
  }
  return degraded ? candidate : null;
}

/** `t1` → `t2`, `nightly` → `nightly-2`: a new trigger id that still fits the schema. */
export function bumpTriggerId(current: string): string {
  const match = /^(.*?)(\d+)$/.exec(current);
  if (match !== null) return `${match[1]}${Number(match[2]) + 1}`;
  return `${current.slice(0, 18)}-2`;
}

/** The numeric inputs' statistic in the latest window against the numeric act level. */
function statisticChart(evidence: DriftEvidence, policy: DriftPolicy): Chart {
  const latest = evidence.windows.at(-1);
  const inputs = (latest?.inputs ?? []).filter((input) => input.type === 'numeric');
  const names = inputs.map((input) => input.ref.split(':')[1] ?? input.ref);
  const values = inputs.map((input) => Number(input.value.toPrecision(3)));
  const title = DRIFT_STATISTICS[policy.numeric.statistic].title;
  return {
    title: `${title} per numeric input in the latest window (bars) against the act level ${policy.numeric.act} (line)`,
    mermaid: [
      'xychart-beta',
      `  title "${evidence.model} in ${evidence.environment}: ${title} per numeric input"`,
      `  x-axis [${names.map((name) => `"${name}"`).join(', ')}]`,
      `  y-axis "${title}"`,
      `  bar [${values.join(', ')}]`,
      `  line [${names.map(() => policy.numeric.act).join(', ')}]`,
    ].join('\n'),
  };
}
