/**
 * The PromQL behind every figure the controller judges, built from the shared metric names in
 * `core/metric-names.ts`. Series are selected by namespace (the environment's, added by the
 * ServiceMonitor scrape), model and version.
 */
import { INFERENCE_ROUTES, LABELS, METRICS } from '../../core/metric-names.js';
import { formatDuration } from '../../core/units.js';
import { windowCountQuery } from '../../core/window-count.js';

/** Which series a query selects. */
export interface Selector {
  readonly namespace: string;
  readonly model: string;
  readonly version?: string;
}

/** A PromQL label matcher for `selector`, plus extra matchers. */
export function matchers(selector: Selector, extra: Record<string, string> = {}): string {
  const pairs: [string, string][] = [['namespace', selector.namespace], [LABELS.model, selector.model]];
  if (selector.version !== undefined) pairs.push([LABELS.version, selector.version]);
  pairs.push(...Object.entries(extra));
  return `{${pairs.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(',')}}`;
}

/**
 * `matchers` for prediction requests only: health checks, metadata, `/metrics`, feedback and
 * unknown paths are requests too, and would dilute an error rate and a p99 (and count towards
 * the policy's minimum requests).
 */
export function inferenceMatchers(selector: Selector): string {
  return `${matchers(selector).slice(0, -1)},${LABELS.route}=~${JSON.stringify(INFERENCE_ROUTES.join('|'))}}`;
}

/** A range selector duration (`10m`). */
export function range(ms: number): string {
  return formatDuration(Math.max(1000, ms));
}

/** Prediction requests answered over the window. */
export function requestsQuery(selector: Selector, windowMs: number): string {
  return `sum(increase(${METRICS.requestDuration}_count${inferenceMatchers(selector)}[${range(windowMs)}]))`;
}

/** Failed predictions as a fraction of prediction requests over the window. */
export function errorRateQuery(selector: Selector, windowMs: number): string {
  const w = range(windowMs);
  return `(sum(increase(${METRICS.predictionErrors}${matchers(selector)}[${w}])) or vector(0)) / sum(increase(${METRICS.requestDuration}_count${inferenceMatchers(selector)}[${w}]))`;
}

/** p99 latency of prediction requests in milliseconds over the window. */
export function latencyP99Query(selector: Selector, windowMs: number): string {
  return `1000 * histogram_quantile(0.99, sum by (le) (rate(${METRICS.requestDuration}_bucket${inferenceMatchers(selector)}[${range(windowMs)}])))`;
}

/**
 * The fleet's drift counts of one version per input (`feature`, `score` for the score) and bin,
 * in the window ending `offsetMs` ago: exact counts, summed over pods (`core/window-count.ts`).
 */
export function driftBinsQuery(selector: Selector, windowMs: number, offsetMs = 0): string {
  return windowCountQuery(`${METRICS.driftObservations}${matchers(selector)}`, [LABELS.feature, LABELS.bin], windowMs, offsetMs);
}

/** The fleet's predictions counted into the drift bins in the window ending `offsetMs` ago: what `minSamples` counts. */
export function driftSamplesQuery(selector: Selector, windowMs: number, offsetMs = 0): string {
  return windowCountQuery(`${METRICS.driftSamples}${matchers(selector)}`, [], windowMs, offsetMs);
}

/** F1 from labelled outcomes over the window: 2tp / (2tp + fp + fn). */
export function f1Query(selector: Selector, windowMs: number): string {
  const count = (outcome: string) => `sum(increase(${METRICS.outcomes}${matchers(selector, { [LABELS.outcome]: outcome })}[${range(windowMs)}]))`;
  return `2 * ${count('tp')} / (2 * ${count('tp')} + (${count('fp')} or vector(0)) + (${count('fn')} or vector(0)))`;
}

/** The versions every pod of the model serves now: one sample per pod and version, with its sha256, role and weight. */
export function servedArtifactsQuery(namespace: string, model: string): string {
  const by = ['pod', 'instance', LABELS.version, LABELS.sha256, LABELS.role, LABELS.weight].join(', ');
  return `max by (${by}) (${METRICS.modelInfo}${matchers({ namespace, model })})`;
}

/** Each version and sha256 that served the model at any time in the window. */
export function windowArtifactsQuery(namespace: string, model: string, windowMs: number): string {
  return `max by (${LABELS.version}, ${LABELS.sha256}) (max_over_time(${METRICS.modelInfo}${matchers({ namespace, model })}[${range(windowMs)}]))`;
}

/**
 * Firing alerts about the model in an environment (0 when none). The rendered rules aggregate the
 * namespace away and label every alert with `slipway_environment` instead.
 */
export function firingAlertsQuery(environment: string, model: string): string {
  return `count(ALERTS{alertstate="firing",slipway_environment=${JSON.stringify(environment)},${LABELS.model}=${JSON.stringify(model)}}) or vector(0)`;
}
