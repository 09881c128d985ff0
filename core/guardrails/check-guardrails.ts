/**
 * Evaluates every `GuardrailPolicy` against a loaded catalog. A broken rule is a blocking
 * problem that names the policy, so a reviewer knows which organisational rule said no.
 */
import type { Catalog, Deployment, Environment, GuardrailPolicy, ModelCard, ModelCardSection } from '../catalog.js';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { isPinnedImage } from '../load/resolve-environments.js';
import { type ServedVersions, servedKey } from './served-history.js';

/** The problems the catalog's guardrails find; `served` comes from `readServedVersions`. */
export function checkGuardrails(catalog: Catalog, served: ServedVersions): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const policy of catalog.guardrailPolicies.values()) {
    const report = (at: SourcePosition, path: string, message: string) =>
      problems.push({ ...at, path, message: `guardrail '${policy.name}': ${message}`, rule: 'guardrail' });
    for (const env of environmentsOf(catalog, policy)) {
      env.deployments.forEach((deployment, index) => {
        const at = deployment.declaredAt;
        const path = `spec.deployments[${index}]`;
        const card = catalog.models.get(deployment.model)!;
        if (policy.completeModelCard !== undefined) {
          const missing = missingSections(card, deployment, policy.completeModelCard.sections);
          if (missing.length > 0) report(at, path, `model card '${card.name}' deployed in ${env.name} lacks ${missing.join(', ')}`);
        }
        if (policy.promotionPath && env.promotesFrom !== undefined) {
          for (const version of versionsServedBy(deployment)) {
            if (!served.get(env.promotesFrom)?.has(servedKey(deployment.model, version))) {
              report(at, path, `${deployment.model} ${version} reaches ${env.name} before ${env.promotesFrom} (its promotesFrom) has served it`);
            }
          }
        }
        if (policy.resourceLimits && (deployment.resources.limits.cpu === undefined || deployment.resources.limits.memory === undefined)) {
          report(at, `${path}.resources.limits`, `runtime containers of ${deployment.model} in ${env.name} must set cpu and memory limits`);
        }
        if (policy.canaryWeightsFromSteps && deployment.canary !== undefined) {
          const steps = deployment.rollout === undefined ? [] : catalog.rolloutPolicies.get(deployment.rollout)!.steps.map((step) => step.weight);
          if (!steps.includes(deployment.canary.weight)) {
            const allowed = steps.length === 0 ? 'no rollout policy is set' : `allowed: ${steps.join(', ')}`;
            report(at, `${path}.canary.weight`, `canary weight ${deployment.canary.weight} is not a step of its rollout policy (${allowed})`);
          }
        }
      });
    }
    if (policy.pinnedImages) {
      for (const card of catalog.models.values()) {
        if (card.training.image !== undefined && !isPinnedImage(card.training.image)) {
          report(card.declaredAt, 'spec.training.image', `training image '${card.training.image}' of '${card.name}' is not pinned to a tag or digest`);
        }
      }
    }
  }
  return problems;
}

/** The guardrail policies that require `dist/` to match what the catalog renders. */
export function policiesRequiringRenderedDist(catalog: Catalog): GuardrailPolicy[] {
  return [...catalog.guardrailPolicies.values()].filter((policy) => policy.renderedDist);
}

function environmentsOf(catalog: Catalog, policy: GuardrailPolicy): Environment[] {
  const all = [...catalog.environments.values()];
  return policy.environments.length === 0 ? all : all.filter((env) => policy.environments.includes(env.name));
}

function versionsServedBy(deployment: Deployment): string[] {
  return deployment.canary === undefined ? [deployment.stable] : [deployment.stable, deployment.canary.version];
}

function missingSections(card: ModelCard, deployment: Deployment, sections: readonly ModelCardSection[]): string[] {
  const versions = versionsServedBy(deployment).map((version) => card.versions.get(version)!);
  const present: Record<ModelCardSection, boolean> = {
    limitations: card.limitations.length > 0,
    ethics: card.ethics.considerations.length > 0,
    maintenance: card.maintenance.team !== undefined || card.maintenance.contact !== undefined,
    slices: versions.every((version) => version.slices.length > 0 || card.current.slices.length > 0),
    trainingData: versions.every((version) => version.trainingData !== undefined || card.current.trainingData !== undefined),
    referenceProfile: versions.every((version) => version.referenceProfile !== undefined),
  };
  return sections.filter((section) => !present[section]);
}
