/**
 * Turns a deployment and a metrics source into the evidence the proposal functions judge:
 * canary analysis, drift statistics and firing alerts. Every query resolves (errors are data).
 */
import type { Catalog, Deployment, Environment, RolloutCheck } from '../../core/catalog.js';
import type { CanaryAnalysis, CheckMeasurement } from '../proposals/canary-step.js';
import type { ServedArtifact, ServedArtifacts } from '../proposals/served-artifacts.js';
import { driftInputType, type InputStatistic } from '../../core/drift-decision.js';
import type { DriftWindow } from '../proposals/drift.js';
import { noData, type Measurement, type Series } from '../proposals/evidence.js';
import type { MetricsSource } from './metrics-source.js';
import { SCORE_FEATURE } from '../../core/metric-names.js';
import { measureScorePsi, measureStatistic, readDriftCounts } from './drift-counts.js';
import {
  errorRateQuery,
  f1Query,
  firingAlertsQuery,
  latencyP99Query,
  requestsQuery,
  servedArtifactsQuery,
  windowArtifactsQuery,
  type Selector,
} from './queries.js';

/** Measures a canary against its stable over the rollout policy's analysis window. */
export async function analyseCanary(catalog: Catalog, env: Environment, deployment: Deployment, metrics: MetricsSource, nowMs: number): Promise<CanaryAnalysis> {
  const rollout = catalog.rolloutPolicies.get(deployment.rollout!)!;
  const windowMs = rollout.analysis.windowMs;
  const canary: Selector = { namespace: env.cluster.namespace, model: deployment.model, version: deployment.canary!.version };
  const stable: Selector = { ...canary, version: deployment.stable };
  const card = catalog.models.get(deployment.model)!;
  const measure = (check: RolloutCheck, selector: Selector): Promise<Measurement> => {
    switch (check.metric) {
      case 'error-rate':
        return metrics.measure(errorRateQuery(selector, windowMs));
      case 'latency-p99':
        return metrics.measure(latencyP99Query(selector, windowMs));
      case 'score-psi':
        // The fleet's score counts over the analysis window against each version's own reference.
        return measureScorePsi(metrics, selector, card.versions.get(selector.version!)?.referenceProfile, windowMs);
      case 'f1-drop':
        return metrics.measure(f1Query(selector, windowMs));
    }
  };
  const [served, canaryRequests, checks, latencySeries] = await Promise.all([
    readServedArtifacts(metrics, env.cluster.namespace, deployment.model, windowMs),
    metrics.measure(requestsQuery(canary, windowMs)),
    Promise.all(
      rollout.analysis.checks.map(async (check): Promise<CheckMeasurement> => {
        const [canaryValue, stableValue] = await Promise.all([measure(check, canary), measure(check, stable)]);
        return { check, canary: canaryValue, stable: stableValue };
      }),
    ),
    latencyOverWindow(metrics, canary, stable, rollout.analysis.windowMs, rollout.analysis.intervalMs, nowMs),
  ]);
  return { served, canaryRequests, checks, latencySeries };
}

/** What the pods serve now and what served in the window, from `slipway_model_info`. */
async function readServedArtifacts(metrics: MetricsSource, namespace: string, model: string, windowMs: number): Promise<ServedArtifacts> {
  const queries = { now: servedArtifactsQuery(namespace, model), inWindow: windowArtifactsQuery(namespace, model, windowMs) };
  const [now, inWindow] = await Promise.all([metrics.samples(queries.now), metrics.samples(queries.inWindow)]);
  const error = now.error ?? inWindow.error;
  return {
    now: now.samples.map(({ labels }): ServedArtifact => ({
      pod: labels.pod ?? labels.instance ?? '(unknown)',
      version: labels.version ?? '',
      sha256: labels.sha256 ?? '',
      role: labels.role ?? '',
      weight: Number(labels.weight),
    })),
    inWindow: inWindow.samples.map(({ labels }) => ({ version: labels.version ?? '', sha256: labels.sha256 ?? '' })),
    queries,
    ...(error === undefined ? {} : { error }),
  };
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

/** Drift statistics of a deployment's stable version, one entry per policy window, oldest first. */
export interface DriftMeasurements {
  readonly windows: DriftWindow[];
  readonly previousScorePsi: Measurement;
  readonly errorRate: Measurement;
}

/**
 * Reads the fleet's drift counts at the end of each of the policy's last `consecutiveWindows`
 * windows (now, one window back, …): non-overlapping windows, as the shared rule in
 * `core/drift-decision.ts` expects them. Each input's statistic is the one the policy names for
 * its type, computed here from the counts; the score is judged by PSI.
 */
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
  const profile = version.referenceProfile;
  const selector: Selector = { namespace: env.cluster.namespace, model: deployment.model, version: deployment.stable };
  const offsets = Array.from({ length: policy.consecutiveWindows }, (_, index) => (policy.consecutiveWindows - 1 - index) * policy.windowMs);
  const [windows, errorRate, previousScorePsi] = await Promise.all([
    Promise.all(
      offsets.map(async (offsetMs): Promise<DriftWindow> => {
        const counts = await readDriftCounts(metrics, selector, policy.windowMs, offsetMs);
        const inputs: InputStatistic[] = [];
        for (const input of version.inputs) {
          const distribution = profile?.inputs[input.ref];
          if (distribution === undefined) continue;
          const type = driftInputType(input.dtype);
          const statistic = type === 'categorical' ? policy.categorical.statistic : policy.numeric.statistic;
          const value = measureStatistic(counts, input.ref, distribution, statistic, profile!.rows);
          if (value !== null) inputs.push({ ref: input.ref, type, value });
        }
        const score = profile?.score === undefined ? null : measureStatistic(counts, SCORE_FEATURE, profile.score, 'psi', profile.rows);
        return {
          offsetMs,
          samples: counts.samples,
          inputs,
          score,
          queries: { features: counts.queries.bins, score: counts.queries.bins, samples: counts.queries.samples },
          ...(counts.error === undefined ? {} : { error: counts.error }),
        };
      }),
    ),
    metrics.measure(errorRateQuery(selector, policy.windowMs)),
    previous.version === null || previous.deployedAgoMs === null
      ? Promise.resolve(noData('(no previous version in this environment)'))
      : measureScorePsi(metrics, { ...selector, version: previous.version }, card.versions.get(previous.version)?.referenceProfile, policy.windowMs, previous.deployedAgoMs),
  ]);
  return { windows, errorRate, previousScorePsi };
}

/** Firing alerts for a model in an environment. */
export function measureFiringAlerts(env: Environment, model: string, metrics: MetricsSource): Promise<Measurement> {
  return metrics.measure(firingAlertsQuery(env.name, model));
}
