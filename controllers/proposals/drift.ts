/**
 * Drift: per-feature and score PSI above the DriftPolicy's `act` level for the consecutive windows
 * proposes a retrain request (the card's training trigger id bumped, which the rendered Job turns
 * into exactly one run), or, when the version was deployed within `rollbackWithin` and degraded
 * against the one before it, a rollback to that last good version.
 */
import type { Catalog, DriftLevels, DriftPolicy, ModelCard } from '../../core/catalog.js';
import { formatDuration } from '../../core/units.js';
import { cardEdit, deploymentEdit, figure } from './catalog-lookup.js';
import { describeMeasurement, type Measurement } from './evidence.js';
import { proposalKey, type Chart, type Decision, type EvidenceRow } from './proposal.js';

/** One input's PSI: the lowest over the consecutive windows, so "above" means "above every time". */
export interface FeatureDrift {
  /** `<view>:<feature>`. */
  readonly input: string;
  readonly psi: Measurement;
}

/** What drift decisions need besides the catalog. */
export interface DriftEvidence {
  readonly environment: string;
  readonly model: string;
  readonly features: readonly FeatureDrift[];
  readonly scorePsi: Measurement;
  /** Fewest samples in a drift window over the period. */
  readonly samples: Measurement;
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

/** Decides what drift in one deployment proposes. */
export function proposeDriftAction(catalog: Catalog, evidence: DriftEvidence): Decision {
  const env = catalog.environments.get(evidence.environment)!;
  const deployment = env.deployments.find((candidate) => candidate.model === evidence.model)!;
  const policy = deployment.drift === undefined ? undefined : catalog.driftPolicies.get(deployment.drift);
  const card = catalog.models.get(evidence.model)!;
  const waitKey = proposalKey('retrain', evidence.model, env.name).key;
  if (policy === undefined) return { kind: 'wait', key: waitKey, reasons: ['no drift policy'] };
  if (evidence.samples.value === null || evidence.samples.value < policy.minSamples) {
    return { kind: 'wait', key: waitKey, reasons: [`samples per drift window: ${describeMeasurement(evidence.samples)}; the policy needs ${policy.minSamples}`] };
  }
  const rows = featureRows(card, policy, evidence);
  const drifting = rows.filter((row) => row.pass === false && row.name !== 'prediction score');
  const scoreDrifting = rows.some((row) => row.name === 'prediction score' && row.pass === false);
  if (drifting.length < policy.minFeatures && !scoreDrifting) return { kind: 'wait', key: waitKey, reasons: ['no drift above the act level'] };
  rows.unshift({ name: 'samples per window (min)', observed: evidence.samples.value, threshold: `≥ ${policy.minSamples}`, pass: true, source: evidence.samples.query });
  const charts = [psiChart(evidence, policy)];
  const rollback = rollbackTarget(card, policy, evidence, deployment.stable, rows);
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

function featureRows(card: ModelCard, policy: DriftPolicy, evidence: DriftEvidence): EvidenceRow[] {
  const rows: EvidenceRow[] = [];
  for (const feature of evidence.features) {
    const input = card.current.inputs.find((candidate) => candidate.ref === feature.input);
    const levels: DriftLevels = input?.dtype === 'string' || input?.dtype === 'bool' ? policy.categorical : policy.numeric;
    const value = feature.psi.value;
    rows.push({ name: feature.input, observed: value === null ? null : figure(value), threshold: `< ${levels.act} (warn ${levels.warn})`, pass: value === null ? null : value < levels.act, source: feature.psi.query });
  }
  if (policy.score !== undefined) {
    const value = evidence.scorePsi.value;
    rows.push({ name: 'prediction score', observed: value === null ? null : figure(value), threshold: `< ${policy.score.act} (warn ${policy.score.warn})`, pass: value === null ? null : value < policy.score.act, source: evidence.scorePsi.query });
  }
  return rows;
}

function rollbackTarget(card: ModelCard, policy: DriftPolicy, evidence: DriftEvidence, stable: string, rows: EvidenceRow[]): string | null {
  if (policy.rollbackWithinMs === undefined || evidence.deployedAgoMs === null || evidence.deployedAgoMs > policy.rollbackWithinMs) return null;
  const candidate =
    evidence.previousStable !== null && evidence.previousStable !== stable && !evidence.rolledBack.has(evidence.previousStable)
      ? evidence.previousStable
      : (card.history.find((version) => version.version !== stable && !evidence.rolledBack.has(version.version))?.version ?? null);
  if (candidate === null || !card.versions.has(candidate)) return null;
  let degraded = false;
  const now = evidence.scorePsi.value;
  const before = evidence.previousScorePsi.value;
  if (policy.degradation.maxScorePsiIncrease !== undefined && now !== null && before !== null) {
    const pass = now - before <= policy.degradation.maxScorePsiIncrease;
    degraded ||= !pass;
    rows.push({ name: `score PSI increase vs ${candidate}`, observed: figure(now - before), threshold: `≤ ${policy.degradation.maxScorePsiIncrease}`, pass, source: `now: ${evidence.scorePsi.query}\nbefore: ${evidence.previousScorePsi.query}` });
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

function psiChart(evidence: DriftEvidence, policy: DriftPolicy): Chart {
  const names = evidence.features.map((feature) => feature.input.split(':')[1] ?? feature.input);
  const values = evidence.features.map((feature) => Number((feature.psi.value ?? 0).toPrecision(3)));
  return {
    title: `PSI per input (bars) against the act level ${policy.numeric.act} (line)`,
    mermaid: [
      'xychart-beta',
      `  title "${evidence.model} in ${evidence.environment}: PSI per input"`,
      `  x-axis [${names.map((name) => `"${name}"`).join(', ')}]`,
      '  y-axis "PSI"',
      `  bar [${values.join(', ')}]`,
      `  line [${names.map(() => policy.numeric.act).join(', ')}]`,
    ].join('\n'),
  };
}

