/**
 * Promotion between environments: a version that has served as stable in an environment is
 * proposed to every environment that promotes from it, as a canary there when a RolloutPolicy
 * applies, once the target's PromotionPolicy holds (`promotion-judgement.ts`: the card's figures
 * against thresholds, slices and the target's current version; soak; firing alerts).
 */
import type { Catalog, Environment } from '../../core/catalog.js';
import { formatDuration } from '../../core/units.js';
import { deploymentIndex } from './catalog-lookup.js';
import type { Measurement } from './evidence.js';
import { cardFigures, holdingReasons, judgePromotionPolicy } from './promotion-judgement.js';
import { proposalKey, type Decision } from './proposal.js';
import { deploymentEdits } from './retrain-result.js';

/** What promotion from one environment needs to know. */
export interface PromotionEvidence {
  /** The environment the version serves in. */
  readonly from: string;
  /** The environment it would be promoted to (one that `promotesFrom` `from`). */
  readonly to: string;
  readonly model: string;
  /** How long the current stable version has served in `from`; `null` when unknown. */
  readonly servedForMs: number | null;
  /** Firing alerts for the model in `from`. */
  readonly firingAlerts: Measurement;
}

/** Decides whether `from`'s stable version moves on to `to`. */
export function proposePromotion(catalog: Catalog, evidence: PromotionEvidence): Decision {
  const from = catalog.environments.get(evidence.from)!;
  const to = catalog.environments.get(evidence.to)!;
  const { key, branch } = proposalKey('promote', evidence.model, to.name);
  const source = from.deployments.find((deployment) => deployment.model === evidence.model);
  if (source === undefined || deploymentIndex(to, evidence.model) === -1) return { kind: 'wait', key, reasons: [`${evidence.model} is not deployed in both ${from.name} and ${to.name}`] };
  const target = to.deployments[deploymentIndex(to, evidence.model)];
  const version = source.stable;
  if (target.stable === version) return { kind: 'wait', key, reasons: [`${to.name} already serves ${version}`] };
  if (target.canary !== undefined) return { kind: 'wait', key, reasons: [`${to.name} already runs canary ${target.canary.version}`] };
  const card = catalog.models.get(evidence.model)!;
  const modelVersion = card.versions.get(version)!;
  const policy = to.promotion === undefined ? undefined : catalog.promotionPolicies.get(to.promotion.policy);
  const soakMs = to.promotion?.soakMs ?? policy?.soakMs ?? 0;
  const judgement = judgePromotionPolicy(policy, {
    candidate: cardFigures(card, modelVersion),
    incumbent: cardFigures(card, card.versions.get(target.stable)),
    soak: { environment: from.name, servedForMs: evidence.servedForMs, requiredMs: soakMs, source: `git log of ${from.declaredAt.file}` },
    firingAlerts: { environment: from.name, model: evidence.model, measurement: evidence.firingAlerts },
  });
  const rows = [...judgement.rows];
  if (modelVersion.artifact.sha256 === undefined) rows.push({ name: 'artifact sha256', observed: null, threshold: 'present', pass: false, source: card.declaredAt.file });
  const held = holdingReasons(rows);
  if (held.length > 0) return { kind: 'wait', key, reasons: held };
  const alertsRequired = policy?.requireNoFiringAlerts ?? false;
  const edits = deploymentEdits(catalog, to, evidence.model, version);
  const asCanary = edits.some((edit) => edit.path.includes('canary'));
  return {
    kind: 'propose',
    proposal: {
      key,
      branch,
      action: 'promote',
      model: evidence.model,
      target: to.name,
      subject: version,
      version,
      title: `Promote ${evidence.model} ${version} from ${from.name} to ${to.name}${asCanary ? ' as a canary' : ''}`,
      summary:
        `${evidence.model} ${version} has served as stable in ${from.name} for ${rows.find((row) => row.name.startsWith('served'))?.observed} ` +
        `(soak ${formatDuration(soakMs || 1000)}) ${alertsRequired ? 'without a firing alert' : ''}. This PR deploys it to ${to.name}` +
        (asCanary ? ` as a canary at the first step of RolloutPolicy \`${target.rollout}\`, next to stable ${target.stable}.` : `, replacing ${target.stable}.`) +
        (policy?.manualApproval ? ` PromotionPolicy \`${policy.name}\` requires a person to approve by merging.` : ''),
      evidence: rows,
      charts: [],
      edits,
      labels: ['slipway', 'slipway/promote'],
      autoMerge: false,
    },
  };
}

/** Environments promoting directly from `env`, by name. */
export function promotionTargets(catalog: Catalog, env: string): Environment[] {
  return [...catalog.environments.values()].filter((candidate) => candidate.promotesFrom === env).sort((a, b) => a.name.localeCompare(b.name));
}

