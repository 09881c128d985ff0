/**
 * Policies must speak the task of the cards they gate: a regression card deployed where the
 * PromotionPolicy names `auc`, or whose RolloutPolicy checks `f1-drop`, would be judged on a
 * number training never reports for it (and so always fail, or worse, pass on a missing value);
 * a binary card gated on `rmse` likewise. Cards meet policies through environments, so the check
 * runs once environments are resolved, and points at the policy's field.
 */
import type { Environment, ModelCard } from '../catalog.js';
import { isLowerBetter, TASK_METRICS, TASK_ROLLOUT_CHECKS, taskOfMetric, type ModelTask } from '../model-tasks.js';
import type { PromotionPolicyDocument, RolloutPolicyDocument } from '../schemas/documents.generated.js';
import type { Located, ResolveContext } from './context.js';
import type { PathSegments } from './locate.js';

/** The documents and resolved objects the check reads. */
export interface TaskMetricInputs {
  readonly promotionPolicies: readonly Located<PromotionPolicyDocument>[];
  readonly rolloutPolicies: readonly Located<RolloutPolicyDocument>[];
  readonly environments: ReadonlyMap<string, Environment>;
  readonly models: ReadonlyMap<string, ModelCard>;
}

/** Reports every policy field that names a metric or check of another task than a card it gates. */
export function checkTaskMetrics(inputs: TaskMetricInputs, context: ResolveContext): void {
  const promotion = new Map(inputs.promotionPolicies.map((located) => [located.raw.metadata.name, located]));
  const rollout = new Map(inputs.rolloutPolicies.map((located) => [located.raw.metadata.name, located]));
  const reported = new Set<string>();
  const report = (located: Located<PromotionPolicyDocument | RolloutPolicyDocument>, at: PathSegments, message: string) => {
    const key = `${located.raw.metadata.name}\u0000${at.join('.')}\u0000${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    context.report(located.document, at, message, 'task-metric');
  };
  for (const located of inputs.promotionPolicies) checkMetricDirections(located, report);
  for (const env of [...inputs.environments.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const policy = env.promotion === undefined ? undefined : promotion.get(env.promotion.policy);
    for (const deployment of env.deployments) {
      const card = inputs.models.get(deployment.model);
      if (card === undefined) continue;
      const where = `${card.task} model '${card.name}' (deployed in environment '${env.name}', ${deployment.declaredAt.file}:${deployment.declaredAt.line})`;
      if (policy !== undefined) {
        for (const [at, metric] of promotionMetrics(policy.raw)) {
          const owner = taskOfMetric(metric);
          if (owner !== null && owner !== card.task) report(policy, at, `'${metric}' is a ${owner} metric, but this policy gates ${where}, which is judged on ${metricsOf(card.task)}`);
        }
      }
      const steps = deployment.rollout === undefined ? undefined : rollout.get(deployment.rollout);
      steps?.raw.spec.analysis.checks.forEach((check, index) => {
        const owner = TASK_ROLLOUT_CHECKS[check.metric];
        if (owner !== undefined && owner !== card.task) {
          report(steps, ['spec', 'analysis', 'checks', index, 'metric'], `'${check.metric}' is a ${owner} check, but this policy rolls out ${where}; use error-rate, latency-p99 or score-psi`);
        }
      });
    }
  }
}

/** Every metric a PromotionPolicy names, with the path of its field. */
function promotionMetrics(raw: PromotionPolicyDocument): [PathSegments, string][] {
  const { spec } = raw;
  return [
    ...(spec.metrics ?? []).map((rule, index): [PathSegments, string] => [['spec', 'metrics', index, 'metric'], rule.metric]),
    ...(spec.noRegression?.metrics ?? []).map((metric, index): [PathSegments, string] => [['spec', 'noRegression', 'metrics', index], metric]),
    ...(spec.slices ?? []).map((rule, index): [PathSegments, string] => [['spec', 'slices', index, 'metric'], rule.metric ?? '']),
  ];
}

// `noRegression` allows a drop below the version replaced and slice rules set a minimum: both read
// "higher is better", so an error metric there would refuse better versions and pass worse ones.
function checkMetricDirections(located: Located<PromotionPolicyDocument>, report: (located: Located<PromotionPolicyDocument>, at: PathSegments, message: string) => void): void {
  const { spec } = located.raw;
  spec.noRegression?.metrics.forEach((metric, index) => {
    if (isLowerBetter(metric)) report(located, ['spec', 'noRegression', 'metrics', index], `'${metric}' is better when lower, and noRegression only bounds drops; bound it in spec.metrics (e.g. ${metric} < …) or use r2 here`);
  });
  spec.slices?.forEach((rule, index) => {
    if (rule.metric !== undefined && isLowerBetter(rule.metric)) report(located, ['spec', 'slices', index, 'metric'], `'${rule.metric}' is better when lower, and a slice rule sets a minimum; use r2 on slices`);
  });
}

function metricsOf(task: ModelTask): string {
  return TASK_METRICS[task].join(', ');
}
