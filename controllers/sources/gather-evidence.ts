/**
 * Turns a deployment and a metrics source into the evidence the proposal functions judge:
 * canary analysis, drift statistics and firing alerts. Every query resolves (errors are data).
 */
import type { Catalog, Deployment, Environment, RolloutCheck } from '../../core/catalog.js';
import type { CanaryAnalysis, CheckMeasurement } from '../proposals/canary-step.js';
import type { FeatureDrift } from '../proposals/drift.js';
import { noData, type Measurement, type Series } from '../proposals/evidence.js';
import type { MetricsSource } from './metrics-source.js';
import {
  driftSamplesQuery,
  errorRateQuery,
  f1Query,
  firingAlertsQuery,
  latencyP99Query,
  requestsQuery,
  scorePsiQuery,
  sustainedFeaturePsiQuery,
  sustainedScorePsiQuery,
  type Selector,
} from './queries.js';

/** Measures a canary against its stable over the rollout policy's analysis window. */
export async function analyseCanary(catalog: Catalog, env: Environment, deployment: Deployment, metrics: MetricsSource, nowMs: number): Promise<CanaryAnalysis> {
  const rollout = catalog.rolloutPolicies.get(deployment.rollout!)!;
  const windowMs = rollout.analysis.windowMs;
  const canary: Selector = { namespace: env.cluster.namespace, model: deployment.model, version: deployment.canary!.version };
  const stable: Selector = { ...canary, version: deployment.stable };
  const query = (check: RolloutCheck, selector: Selector): string => {
    switch (check.metric) {
      case 'error-rate':
        return errorRateQuery(selector, windowMs);
      case 'latency-p99':
        return latencyP99Query(selector, windowMs);
      case 'score-psi':
        return scorePsiQuery(selector, windowMs);
      case 'f1-drop':
        return f1Query(selector, windowMs);
    }
  };
  const [canaryRequests, checks, latencySeries] = await Promise.all([
    metrics.measure(requestsQuery(canary, windowMs)),
    Promise.all(
      rollout.analysis.checks.map(async (check): Promise<CheckMeasurement> => {
        const [canaryValue, stableValue] = await Promise.all([metrics.measure(query(check, canary)), metrics.measure(query(check, stable))]);
        return { check, canary: canaryValue, stable: stableValue };
      }),
    ),
    latencyOverWindow(metrics, canary, stable, rollout.analysis.windowMs, rollout.analysis.intervalMs, nowMs),
  ]);
  return { canaryRequests, checks, latencySeries };
}

async function latencyOverWindow(metrics: MetricsSource, canary: Selector, stable: Selector, windowMs: number, intervalMs: number, nowMs: number): Promise<Series[]> {
  const end = Math.floor(nowMs / 1000);
  const start = end - Math.floor(windowMs / 1000);
  // At most ~20 points, so the chart stays readable.
  const step = Math.max(1, Math.floor(intervalMs / 1000), Math.ceil((end - start) / 20));
  const rate = Math.max(intervalMs, step * 1000 * 2);
  const series = await Promise.all([
    metrics.range(latencyP99Query(canary, rate), `canary ${canary.version}`, start, end, step),
    metrics.range(latencyP99Query(stable, rate), `stable ${stable.version}`, start, end, step),
  ]);
  return series.filter((one): one is Series => one !== null);
}

/** Drift statistics of a deployment's stable version. */
export interface DriftMeasurements {
  readonly features: FeatureDrift[];
  readonly scorePsi: Measurement;
  readonly samples: Measurement;
  readonly previousScorePsi: Measurement;
  readonly errorRate: Measurement;
}

/** Measures drift of `deployment`'s stable version over the policy's consecutive windows. */
export async function measureDrift(
  catalog: Catalog,
  env: Environment,
  deployment: Deployment,
  metrics: MetricsSource,
  previous: { readonly version: string | null; readonly deployedAgoMs: number | null },
): Promise<DriftMeasurements> {
  const policy = catalog.driftPolicies.get(deployment.drift!)!;
  const card = catalog.models.get(deployment.model)!;
  const version = card.versions.get(deployment.stable) ?? card.current;
  const selector: Selector = { namespace: env.cluster.namespace, model: deployment.model, version: deployment.stable };
  const spanMs = policy.windowMs * policy.consecutiveWindows;
  const featureQuery = sustainedFeaturePsiQuery(selector, spanMs);
  const [byFeature, scorePsi, samples, errorRate, previousScorePsi] = await Promise.all([
    metrics.samples(featureQuery),
    metrics.measure(sustainedScorePsiQuery(selector, spanMs)),
    metrics.measure(driftSamplesQuery(selector, spanMs)),
    metrics.measure(errorRateQuery(selector, policy.windowMs)),
    previous.version === null || previous.deployedAgoMs === null
      ? Promise.resolve(noData('(no previous version in this environment)'))
      : metrics.measure(scorePsiQuery({ ...selector, version: previous.version }, policy.windowMs, previous.deployedAgoMs)),
  ]);
  const features: FeatureDrift[] = version.inputs.map((input) => {
    // The runtime may label a feature by its reference or by its bare name; accept either.
    const sample = byFeature.samples.find((candidate) => candidate.labels.feature === input.ref || candidate.labels.feature === input.feature);
    return {
      input: input.ref,
      psi: sample === undefined ? noData(`${featureQuery} → feature="${input.ref}"`, byFeature.error) : { value: sample.value, query: `${featureQuery} → feature="${sample.labels.feature}"` },
    };
  });
  return { features, scorePsi, samples, errorRate, previousScorePsi };
}

/** Firing alerts for a model in an environment. */
export function measureFiringAlerts(env: Environment, model: string, metrics: MetricsSource): Promise<Measurement> {
  return metrics.measure(firingAlertsQuery(env.name, model));
}
