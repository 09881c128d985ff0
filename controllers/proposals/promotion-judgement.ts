/**
 * The one judgement of a PromotionPolicy: thresholds, no regression against the version the
 * target environment serves now, slice minimums, required checks, soak and firing alerts. A new
 * training result entering the first environment and every promotion between environments are
 * judged by this function, so a rule written in a policy means the same wherever it applies.
 */
import type { ModelCard, ModelVersion, PromotionPolicy, Slice } from '../../core/catalog.js';
import { formatDuration } from '../../core/units.js';
import { figure } from './catalog-lookup.js';
import type { Measurement } from './evidence.js';
import { compare, type EvidenceRow } from './proposal.js';

/** Holdout figures of one version and the file they were read from. */
export interface VersionFigures {
  readonly version: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly slices: readonly Pick<Slice, 'name' | 'metrics'>[];
  /** The training result or model card the figures come from. */
  readonly source: string;
}

/** How long the candidate has served as stable where it comes from. */
export interface SoakEvidence {
  /** The environment it served in. */
  readonly environment: string;
  /** `null` when unknown. */
  readonly servedForMs: number | null;
  /** The soak the target requires (the environment's override or the policy's). */
  readonly requiredMs: number;
  readonly source: string;
}

/** A version's holdout figures as its model card records them. */
export function cardFigures(card: ModelCard, version: ModelVersion): VersionFigures;
export function cardFigures(card: ModelCard, version: ModelVersion | undefined): VersionFigures | null;
export function cardFigures(card: ModelCard, version: ModelVersion | undefined): VersionFigures | null {
  if (version === undefined) return null;
  return { version: version.version, metrics: version.metrics, slices: version.slices, source: card.declaredAt.file };
}

/** The state of one check on the pull request's head, as the forge reports it. */
export type CheckState = 'success' | 'failure' | 'pending' | 'missing';

/** What a policy is judged against. Soak and alerts exist only for a version that has served. */
export interface PolicyEvidence {
  readonly candidate: VersionFigures;
  /** The version the target environment serves now; `null` when it serves none of this model. */
  readonly incumbent: VersionFigures | null;
  readonly soak?: SoakEvidence;
  /** Firing alerts for the model where the candidate served, and that environment's name. */
  readonly firingAlerts?: { readonly environment: string; readonly model: string; readonly measurement: Measurement };
  /**
   * The state of each of the policy's `requiredChecks`; `undefined` until the forge reports them.
   * Hook for required checks: whoever reads check runs and statuses fills this in, and the rows follow.
   */
  readonly checks?: ReadonlyMap<string, CheckState>;
}

/** The rows of a judgement, and which of them hold the version back. */
export interface PolicyJudgement {
  readonly rows: readonly EvidenceRow[];
  /** Rows whose rule the evidence breaks. */
  readonly failures: readonly EvidenceRow[];
  /** Rules that cannot be judged yet (no data, a check still pending). */
  readonly pending: readonly EvidenceRow[];
}

/** A row that is shown but never holds a version back. */
export const INFORMATIONAL = 'informational';

/** Judges `policy` (none: nothing to judge) against `evidence`. */
export function judgePromotionPolicy(policy: PromotionPolicy | undefined, evidence: PolicyEvidence): PolicyJudgement {
  const rows: EvidenceRow[] = [];
  if (policy !== undefined) {
    rows.push(...thresholdRows(policy, evidence.candidate));
    rows.push(...noRegressionRows(policy, evidence.candidate, evidence.incumbent));
    rows.push(...sliceRows(policy, evidence.candidate));
    rows.push(...checkRows(policy, evidence.checks));
  }
  if (evidence.soak !== undefined) rows.push(soakRow(evidence.soak));
  if (evidence.firingAlerts !== undefined) rows.push(alertsRow(policy?.requireNoFiringAlerts ?? false, evidence.firingAlerts));
  return {
    rows,
    failures: rows.filter((row) => row.pass === false),
    pending: rows.filter((row) => row.pass === null && row.threshold !== INFORMATIONAL),
  };
}

/** One sentence per row that holds a version back: broken rules first, then rules not judged yet. */
export function holdingReasons(rows: readonly EvidenceRow[]): string[] {
  return [
    ...rows.filter((row) => row.pass === false).map((row) => `${row.name}: ${row.observed ?? 'no data'} does not meet ${row.threshold}`),
    ...rows.filter((row) => row.pass === null && row.threshold !== INFORMATIONAL).map((row) => `${row.name}: ${row.observed ?? 'no data'} (needs ${row.threshold})`),
  ];
}

function thresholdRows(policy: PromotionPolicy, candidate: VersionFigures): EvidenceRow[] {
  return policy.metrics.map((rule) => {
    const observed = candidate.metrics[rule.metric];
    return {
      name: rule.metric,
      observed: observed ?? null,
      threshold: `${rule.op} ${rule.value}`,
      pass: observed === undefined ? false : compare(observed, rule.op, rule.value),
      source: candidate.source,
    };
  });
}

// Against the version the environment serves now: that is what a reviewer would replace, and it
// may lag the card's current version (a promotion into prod compares with prod's stable).
function noRegressionRows(policy: PromotionPolicy, candidate: VersionFigures, incumbent: VersionFigures | null): EvidenceRow[] {
  const rule = policy.noRegression;
  if (rule === undefined || incumbent === null || incumbent.version === candidate.version) return [];
  const rows: EvidenceRow[] = [];
  for (const metric of rule.metrics) {
    const before = incumbent.metrics[metric];
    // A metric the incumbent never reported cannot regress; the absolute thresholds still apply.
    if (before === undefined) continue;
    const observed = candidate.metrics[metric];
    const floor = before - rule.margin;
    rows.push({
      name: `${metric} vs ${incumbent.version}`,
      observed: observed ?? null,
      threshold: `≥ ${figure(floor)} (${before} − margin ${rule.margin})`,
      pass: observed === undefined ? false : observed >= floor - 1e-12,
      source: candidate.source === incumbent.source ? candidate.source : `${candidate.source}, ${incumbent.source}`,
    });
  }
  return rows;
}

function sliceRows(policy: PromotionPolicy, candidate: VersionFigures): EvidenceRow[] {
  return policy.slices.map((rule) => {
    const observed = candidate.slices.find((slice) => slice.name === rule.slice)?.metrics[rule.metric];
    return {
      name: `${rule.metric} on slice ${rule.slice}`,
      observed: observed ?? null,
      threshold: `≥ ${rule.min}`,
      pass: observed === undefined ? false : observed >= rule.min,
      source: candidate.source,
    };
  });
}

function checkRows(policy: PromotionPolicy, checks: ReadonlyMap<string, CheckState> | undefined): EvidenceRow[] {
  if (checks === undefined) return [];
  return policy.requiredChecks.map((name) => {
    const state = checks.get(name) ?? 'missing';
    return { name: `check ${name}`, observed: state, threshold: 'success', pass: state === 'success' ? true : state === 'failure' ? false : null, source: 'pull request head' };
  });
}

function soakRow(soak: SoakEvidence): EvidenceRow {
  return {
    name: `served as stable in ${soak.environment}`,
    observed: soak.servedForMs === null ? null : formatDuration(Math.max(1000, Math.floor(soak.servedForMs / 1000) * 1000)),
    threshold: `≥ ${soak.requiredMs === 0 ? '0s' : formatDuration(soak.requiredMs)}`,
    pass: soak.servedForMs === null ? null : soak.servedForMs >= soak.requiredMs,
    source: soak.source,
  };
}

function alertsRow(required: boolean, alerts: NonNullable<PolicyEvidence['firingAlerts']>): EvidenceRow {
  const { measurement } = alerts;
  return {
    name: `firing alerts for ${alerts.model} in ${alerts.environment}`,
    observed: measurement.value,
    threshold: required ? '= 0' : INFORMATIONAL,
    pass: !required || measurement.value === null ? null : measurement.value === 0,
    source: measurement.query,
  };
}
