/**
 * The PrometheusRule of a model in an environment: SLO alerts from its RolloutPolicy and drift
 * alerts from its DriftPolicy, over the metric names in `core/metric-names.ts` only.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment, DriftPolicy, Environment, FeatureDtype, ModelCard, RolloutPolicy } from '../core/catalog.js';
import { INFERENCE_ROUTES, LABELS, METRICS } from '../core/metric-names.js';
import { formatDuration } from '../core/units.js';
import { DEFAULT_MAX_FALLBACK_RATIO } from '../core/load/resolve-environments.js';
import { runtimeLabels, SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_WAVES, syncWave } from './labels.js';
import { runtimeName } from './names.js';

/** Props of `RuntimePrometheusRule`. */
export interface RuntimePrometheusRuleProps {
  /** The environment: namespace, which scopes every selector (environments may share a Prometheus). */
  readonly environment: Environment;
  /** The deployment entry: served versions. */
  readonly deployment: Deployment;
  /** The model card: inputs of the served versions. */
  readonly card: ModelCard;
  /** The deployment's RolloutPolicy, for SLO alerts; none when undefined. */
  readonly rollout?: RolloutPolicy;
  /** The deployment's DriftPolicy, for drift alerts; none when undefined. */
  readonly drift?: DriftPolicy;
}

/** Props of `RuntimePrometheusRule`: the groups, computed once by `alertGroups`. */
export interface RuntimePrometheusRuleObjectProps {
  /** The environment: namespace. */
  readonly environment: Environment;
  /** The deployment entry naming the model. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the rule. */
  readonly card: ModelCard;
  /** The rule groups from `alertGroups`; at least one. */
  readonly groups: readonly AlertGroup[];
}

/** One alerting rule, as prometheus-operator and Prometheus read it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A named group of rules. */
export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** Alert names, stable so that routing and silences can rely on them. */
export const ALERTS = {
  errorRate: 'SlipwayErrorRateHigh',
  latencyP99: 'SlipwayLatencyP99High',
  scorePsiCanary: 'SlipwayScorePsiHigh',
  featureDriftWarn: 'SlipwayFeatureDriftWarning',
  featureDriftAct: 'SlipwayFeatureDriftAction',
  scoreDriftWarn: 'SlipwayScoreDriftWarning',
  scoreDriftAct: 'SlipwayScoreDriftAction',
  artifactFetchFailing: 'SlipwayArtifactFetchFailing',
  notServing: 'SlipwayNotServing',
  featureFallbackRatio: 'SlipwayFeatureFallbackRatioHigh',
} as const;

/** How long a pod may wait for its stable version (fetching, loading) before someone is paged. */
const NOT_SERVING_FOR = '5m';

/** The fallback ratio alerted in an environment without an online store (every stored input falls back). */
const FEATURE_FALLBACK_RATIO_MAX = DEFAULT_MAX_FALLBACK_RATIO;

/** The window the fallback ratio is taken over, and how long it must stay high. */
const FEATURE_FALLBACK_WINDOW = '10m';

/** Alerting rules for one model's runtime; rendered only when a policy yields at least one rule. */
export class RuntimePrometheusRule extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimePrometheusRuleObjectProps) {
    const { environment, deployment, card, groups } = props;
    if (groups.length === 0) throw new Error(`'groups' must not be empty (PrometheusRule of '${deployment.model}')`);
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        // The environment's labels first: the Prometheus selects on them (`release: …`); ours win on a clash.
        labels: { ...environment.monitoring.labels, ...runtimeLabels(environment.name, deployment.model, card) },
        annotations: { ...syncWave(SYNC_WAVES.monitoring), ...SKIP_DRY_RUN_ON_MISSING_RESOURCE },
      },
      spec: { groups },
    });
  }
}

/**
 * The rule groups for a deployment: `<model>-serving` always, then `<model>-slo` and
 * `<model>-drift`, each only when it has rules.
 */
export function alertGroups(props: RuntimePrometheusRuleProps): AlertGroup[] {
  const scope = new Scope(props.environment, props.deployment.model);
  const groups: AlertGroup[] = [{ name: `${props.deployment.model}-serving`, rules: servingRules(scope) }];
  if (props.rollout !== undefined) {
    const rules = sloRules(scope, props.rollout);
    if (rules.length > 0) groups.push({ name: `${props.deployment.model}-slo`, rules });
  }
  if (props.drift !== undefined) {
    const rules = driftRules(scope, props.drift, servedInputs(props.deployment, props.card));
    if (rules.length > 0) groups.push({ name: `${props.deployment.model}-drift`, rules });
  }
  return groups;
}

/** Selectors and labels shared by a deployment's rules. */
class Scope {
  constructor(
    readonly environment: Environment,
    readonly model: string,
  ) {}

  /** `{namespace="…", model="…"}` plus extra equality and regex matchers. */
  selector(equal: Record<string, string> = {}, regex: Record<string, string> = {}): string {
    const matchers = Object.entries({ namespace: this.environment.cluster.namespace, [LABELS.model]: this.model, ...equal }).map(
      ([key, value]) => `${key}=${JSON.stringify(value)}`,
    );
    for (const [key, value] of Object.entries(regex)) matchers.push(`${key}=~${JSON.stringify(value)}`);
    return `{${matchers.join(', ')}}`;
  }

  labels(severity: 'warning' | 'critical', policy: string): Record<string, string> {
    return { severity, slipway_environment: this.environment.name, slipway_policy: policy };
  }
}

/**
 * A version Git declares that pods cannot fetch or load (store down, credentials refused, bytes
 * that differ from the card's sha256), predictions made mostly from feature defaults, and a pod
 * that serves nothing because its stable version never loaded. None needs a policy: serving what
 * was merged, on the features it was trained on, is the contract itself.
 */
function servingRules(scope: Scope): AlertRule[] {
  const maxFallbackRatio = scope.environment.onlineStore?.maxFallbackRatio ?? FEATURE_FALLBACK_RATIO_MAX;
  const failed = scope.selector({}, { [LABELS.result]: 'missing|denied|unreachable|corrupt|conflict|unsupported|sha256-mismatch|invalid' });
  const by = `${LABELS.model}, ${LABELS.version}, ${LABELS.result}`;
  return [
    {
      alert: ALERTS.artifactFetchFailing,
      expr: `sum by (${by}) (increase(${METRICS.artifactFetches}${failed}[10m])) > 0`,
      for: '0m',
      labels: scope.labels('warning', 'serving'),
      annotations: annotations(
        `${scope.model} {{ $labels.version }} cannot be fetched or loaded ({{ $labels.result }})`,
        'the runtime keeps serving what it has and retries; its log names the object and the reason',
      ),
    },
    {
      alert: ALERTS.featureFallbackRatio,
      // Both counters count inputs (one per input of a request read from the store), so their ratio is the share served from defaults.
      expr:
        `sum by (${LABELS.model}) (rate(${METRICS.featureFallbacks}${scope.selector()}[${FEATURE_FALLBACK_WINDOW}])) / ` +
        `sum by (${LABELS.model}) (rate(${METRICS.featureLookups}${scope.selector()}[${FEATURE_FALLBACK_WINDOW}])) > ${number(maxFallbackRatio)}`,
      for: FEATURE_FALLBACK_WINDOW,
      labels: scope.labels('warning', 'serving'),
      annotations: annotations(
        `${scope.model} serves more than ${percent(maxFallbackRatio)} of its online inputs from their defaults`,
        `fallback ratio {{ $value | humanizePercentage }}; ${METRICS.featureFallbacks} by ${LABELS.cause} tells why: missing (materialization behind or values past their TTL), timeout or unavailable (Redis)`,
      ),
    },
    {
      alert: ALERTS.notServing,
      expr: `min by (${LABELS.model}) (${METRICS.serving}${scope.selector()}) == 0`,
      for: NOT_SERVING_FOR,
      labels: scope.labels('critical', 'serving'),
      annotations: annotations(`A pod of ${scope.model} serves nothing: its stable version has not loaded`, 'see SlipwayArtifactFetchFailing and the pod log'),
    },
  ];
}

function sloRules(scope: Scope, policy: RolloutPolicy): AlertRule[] {
  const window = formatDuration(policy.analysis.windowMs);
  const by = `${LABELS.model}, ${LABELS.version}`;
  // Prediction requests only: probes, scrapes and feedback would dilute the error rate and the p99.
  const inference = scope.selector({}, { [LABELS.route]: INFERENCE_ROUTES.join('|') });
  const requests = `${METRICS.requestDuration}_count${inference}`;
  // Too few requests say nothing about a version; the policy's own minimum gates every SLO alert.
  const enough = `and on (${by}) sum by (${by}) (increase(${requests}[${window}])) >= ${policy.analysis.minRequests}`;
  const pending = formatDuration(policy.analysis.intervalMs);
  const rules: AlertRule[] = [];
  for (const check of policy.analysis.checks) {
    if (check.metric === 'error-rate') {
      rules.push({
        alert: ALERTS.errorRate,
        expr:
          `(sum by (${by}) (rate(${METRICS.predictionErrors}${scope.selector()}[${window}])) / ` +
          `sum by (${by}) (rate(${requests}[${window}]))) > ${number(check.maxFraction)} ${enough}`,
        for: pending,
        labels: scope.labels('critical', policy.name),
        annotations: annotations(`Error rate of ${scope.model} {{ $labels.version }} above ${percent(check.maxFraction)}`, 'error rate {{ $value | humanizePercentage }}'),
      });
    } else if (check.metric === 'latency-p99') {
      rules.push({
        alert: ALERTS.latencyP99,
        expr:
          `histogram_quantile(0.99, sum by (${by}, le) (rate(${METRICS.requestDuration}_bucket${inference}[${window}]))) > ` +
          `${number(check.maxMs / 1000)} ${enough}`,
        for: pending,
        labels: scope.labels('critical', policy.name),
        annotations: annotations(`p99 latency of ${scope.model} {{ $labels.version }} above ${check.maxMs} ms`, 'p99 {{ $value | humanizeDuration }}'),
      });
    } else if (check.metric === 'score-psi') {
      rules.push({
        alert: ALERTS.scorePsiCanary,
        expr: `max by (${by}) (${METRICS.scorePsi}${scope.selector()}) > ${number(check.max)}`,
        for: pending,
        labels: scope.labels('critical', policy.name),
        annotations: annotations(`Score PSI of ${scope.model} {{ $labels.version }} above ${check.max}`, 'PSI {{ $value | printf "%.3f" }}'),
      });
    }
    // f1-drop compares a version against its own card metric once labels arrive; the controller
    // evaluates it from the outcomes counter, a static rule cannot know the baseline.
  }
  return rules;
}

/** An input served by at least one version, with the dtype that picks its drift levels. */
interface ServedInput {
  readonly ref: string;
  readonly dtype: FeatureDtype;
}

function servedInputs(deployment: Deployment, card: ModelCard): ServedInput[] {
  const byRef = new Map<string, ServedInput>();
  for (const version of [deployment.stable, deployment.canary?.version, deployment.shadow?.version]) {
    if (version === undefined) continue;
    for (const input of card.versions.get(version)?.inputs ?? []) byRef.set(input.ref, { ref: input.ref, dtype: input.dtype });
  }
  return [...byRef.values()].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/** Which of the policy's levels applies to an input: categories for strings and booleans. */
export function inputType(dtype: FeatureDtype): 'numeric' | 'categorical' {
  return dtype === 'string' || dtype === 'bool' ? 'categorical' : 'numeric';
}

// Input references hold '-', ':' and '_' only, but stay safe for any future character.
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function driftRules(scope: Scope, policy: DriftPolicy, inputs: readonly ServedInput[]): AlertRule[] {
  const by = `${LABELS.model}, ${LABELS.version}`;
  // PSI over a handful of samples is noise: gate on the policy's minimum samples in the window.
  const enough = `and on (${by}) max by (${by}) (${METRICS.driftWindowSamples}${scope.selector()}) >= ${policy.minSamples}`;
  const warnFor = formatDuration(policy.windowMs);
  const actFor = formatDuration(policy.windowMs * policy.consecutiveWindows);
  const rules: AlertRule[] = [];
  // One rule per input type and level, matching its inputs by name: the alert still fires per
  // feature (it keeps the `feature` label), and the rule count does not grow with the inputs.
  for (const type of ['numeric', 'categorical'] as const) {
    const levels = policy[type];
    const refs = inputs.filter((input) => inputType(input.dtype) === type).map((input) => input.ref);
    // The runtime exports PSI only; KS and chi-squared levels are evaluated by the controller.
    if (refs.length === 0 || levels.statistic !== 'psi') continue;
    const psi = `max by (${by}, ${LABELS.feature}) (${METRICS.featurePsi}${scope.selector({}, { [LABELS.feature]: refs.map(escapeRegex).join('|') })})`;
    for (const [level, threshold, alert, severity, pending] of [
      ['warn', levels.warn, ALERTS.featureDriftWarn, 'warning', warnFor],
      ['act', levels.act, ALERTS.featureDriftAct, 'critical', actFor],
    ] as const) {
      rules.push({
        alert,
        expr: `${psi} > ${number(threshold)} ${enough}`,
        for: pending,
        labels: { ...scope.labels(severity, policy.name), slipway_drift_level: level, slipway_input_type: type },
        annotations: annotations(`Input {{ $labels.feature }} of ${scope.model} {{ $labels.version }} drifted (${type} PSI > ${threshold})`, 'PSI {{ $value | printf "%.3f" }}'),
      });
    }
  }
  if (policy.score !== undefined) {
    const psi = `max by (${by}) (${METRICS.scorePsi}${scope.selector()})`;
    for (const [level, threshold, alert, severity, pending] of [
      ['warn', policy.score.warn, ALERTS.scoreDriftWarn, 'warning', warnFor],
      ['act', policy.score.act, ALERTS.scoreDriftAct, 'critical', actFor],
    ] as const) {
      rules.push({
        alert,
        expr: `${psi} > ${number(threshold)} ${enough}`,
        for: pending,
        labels: { ...scope.labels(severity, policy.name), slipway_drift_level: level },
        annotations: annotations(`Prediction scores of ${scope.model} {{ $labels.version }} drifted (PSI > ${threshold})`, 'PSI {{ $value | printf "%.3f" }}'),
      });
    }
  }
  return rules;
}

function annotations(summary: string, description: string): Record<string, string> {
  return { summary, description };
}

// Thresholds come from parsed percentages and milliseconds; strip float noise (0.1 + 0.2) from the text.
function number(value: number): string {
  return String(Number(value.toPrecision(12)));
}

function percent(fraction: number): string {
  return `${number(fraction * 100)}%`;
}
