/**
 * Evaluates every `GuardrailPolicy` against a loaded catalog. A broken rule is a blocking
 * problem that names the policy, so a reviewer knows which organisational rule said no.
 */
import { answeringVersions, trainingEnvironmentOf, type Catalog, type Deployment, type Environment, type GuardrailPolicy, type ModelCard, type ModelCardSection } from '../catalog.js';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';
import { isDigestImage } from '../load/resolve-environments.js';
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
          for (const version of answeringVersions(deployment)) {
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
      for (const problem of imagesNotByDigest(catalog, environmentsOf(catalog, policy))) report(problem.at, problem.path, problem.message);
    }
  }
  return problems;
}

/** The images of `environments` that are not named by digest: each environment's own, and those its training runs. */
function imagesNotByDigest(catalog: Catalog, environments: readonly Environment[]): { at: SourcePosition; path: string; message: string }[] {
  const problems: { at: SourcePosition; path: string; message: string }[] = [];
  const byDigest = 'name it by digest (…@sha256:<64 hex>), as the release workflow prints it';
  for (const env of environments) {
    if (!isDigestImage(env.image)) {
      const declaredHere = env.image !== catalog.project.image;
      problems.push({
        at: declaredHere ? env.declaredAt : catalog.project.declaredAt,
        path: 'spec.image',
        message: `image '${env.image}' of environment '${env.name}' is not named by digest; ${byDigest}`,
      });
    }
    for (const deployment of env.deployments) {
      const card = catalog.models.get(deployment.model)!;
      const image = card.training.image;
      if (image !== undefined && trainingEnvironmentOf(catalog, card.name) === env.name && !isDigestImage(image)) {
        problems.push({ at: card.declaredAt, path: 'spec.training.image', message: `training image '${image}' of '${card.name}' (trained in ${env.name}) is not named by digest; ${byDigest}` });
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

function missingSections(card: ModelCard, deployment: Deployment, sections: readonly ModelCardSection[]): string[] {
  const versions = answeringVersions(deployment).map((version) => card.versions.get(version)!);
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
