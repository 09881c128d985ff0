/**
 * The PrometheusRule of a model in an environment: SLO alerts from its RolloutPolicy and drift
 * alerts from its DriftPolicy (over the recording rules of `./drift-rules.ts`), over the metric
 * names in `core/metric-names.ts` only.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { deployedVersions, type Deployment, type DriftPolicy, type Environment, type ModelCard, type RolloutPolicy } from '../core/catalog.js';
import { driftInputType } from '../core/drift-decision.js';
import { DRIFT_STATISTICS } from '../core/statistics/drift-statistics.js';
import { INFERENCE_ROUTES, LABELS, METRICS } from '../core/metric-names.js';
import { formatDuration } from '../core/units.js';
import { DEFAULT_MAX_FALLBACK_RATIO } from '../core/load/resolve-environments.js';
import { runtimeLabels, SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_WAVES, syncWave } from './labels.js';
import { measuredVersion, recordedNames, statisticRecordingRules, type MeasuredVersion, type RecordingRule } from './drift-rules.js';
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

/** A named group of rules; recording rules come before the alerts that read them. */
export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertRule)[];
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
    const rules = sloRules(scope, props.rollout, measuredVersions(props.deployment, props.card, null));
    if (rules.length > 0) groups.push({ name: `${props.deployment.model}-slo`, rules });
  }
  if (props.drift !== undefined) {
    const rules = driftRules(scope, props.drift, measuredVersions(props.deployment, props.card, props.drift));
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

function sloRules(scope: Scope, policy: RolloutPolicy, scored: readonly MeasuredVersion[]): (RecordingRule | AlertRule)[] {
  const window = formatDuration(policy.analysis.windowMs);
  const by = `${LABELS.model}, ${LABELS.version}`;
  // Prediction requests only: probes, scrapes and feedback would dilute the error rate and the p99.
  const inference = scope.selector({}, { [LABELS.route]: INFERENCE_ROUTES.join('|') });
  const requests = `${METRICS.requestDuration}_count${inference}`;
  // Too few requests say nothing about a version; the policy's own minimum gates every SLO alert.
  const enough = `and on (${by}) sum by (${by}) (increase(${requests}[${window}])) >= ${policy.analysis.minRequests}`;
  const pending = formatDuration(policy.analysis.intervalMs);
  const rules: (RecordingRule | AlertRule)[] = [];
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
      // The fleet's score PSI over the analysis window, as the controller computes it for the canary gate.
      const versions = scored.filter((version) => version.inputs.length > 0);
      if (versions.length === 0) continue;
      rules.unshift(...statisticRecordingRules(scope, ANALYSIS_WINDOW, policy.analysis.windowMs, versions));
      rules.push({
        alert: ALERTS.scorePsiCanary,
        expr: `max by (${by}) (${recordedNames(ANALYSIS_WINDOW).statistic}${scope.selector({ input_type: 'score' })}) > ${number(check.max)} ${enough}`,
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

/** The recorded windows: the DriftPolicy's and the RolloutPolicy's analysis window. */
const DRIFT_WINDOW = 'drift_window';
const ANALYSIS_WINDOW = 'analysis_window';

/** Every served version with a reference profile, and what of it `policy` measures (the score only without a policy). */
function measuredVersions(deployment: Deployment, card: ModelCard, policy: DriftPolicy | null): MeasuredVersion[] {
  const measured: MeasuredVersion[] = [];
  for (const name of [...new Set(deployedVersions(deployment))].sort()) {
    const version = card.versions.get(name);
    if (version?.referenceProfile === undefined) continue;
    const inputs = version.inputs.map((input) => ({ ref: input.ref, type: driftInputType(input.dtype) }));
    measured.push(measuredVersion(name, version.referenceProfile, inputs, policy));
  }
  return measured;
}

/**
 * The DriftPolicy as alerts over the recorded statistics, as `core/drift-decision.ts` decides:
 * warn when the latest window is above a warn level; act when at least `minFeatures` inputs (or
 * the score) are above their act level in each of the last `consecutiveWindows` windows; every
 * window judged must hold `minSamples` predictions over the fleet.
 */
function driftRules(scope: Scope, policy: DriftPolicy, versions: readonly MeasuredVersion[]): (RecordingRule | AlertRule)[] {
  if (versions.every((version) => version.inputs.length === 0)) return [];
  const names = recordedNames(DRIFT_WINDOW);
  const byVersion = `namespace, ${LABELS.model}, ${LABELS.version}`;
  const windows = Array.from({ length: policy.consecutiveWindows }, (_, index) => (index === 0 ? '' : ` offset ${formatDuration(index * policy.windowMs)}`));
  const enough = (offset: string) => `and on (${byVersion}) (${names.samples}${scope.selector()}${offset} >= ${policy.minSamples})`;
  const above = (type: string, level: number, offset: string) => `(${names.statistic}${scope.selector({ input_type: type })}${offset} > ${number(level)})`;
  const sustained = (type: string, level: number) => `(${windows.map((offset) => above(type, level, offset)).join(' and ')})`;
  const everyWindowEnough = windows.map(enough).join(' ');
  const present = new Set(versions.flatMap((version) => version.inputs.map((input) => input.inputType)));
  const types = (['numeric', 'categorical'] as const).filter((type) => present.has(type));
  const acting = types.map((type) => sustained(type, policy[type].act)).join(' or ');
  const rules: (RecordingRule | AlertRule)[] = [...statisticRecordingRules(scope, DRIFT_WINDOW, policy.windowMs, versions)];
  for (const type of types) {
    const levels = policy[type];
    const title = DRIFT_STATISTICS[levels.statistic].title;
    rules.push({
      alert: ALERTS.featureDriftWarn,
      expr: `${above(type, levels.warn, '')} ${enough('')}`,
      for: '0m',
      labels: { ...scope.labels('warning', policy.name), slipway_drift_level: 'warn', slipway_input_type: type },
      annotations: annotations(`Input {{ $labels.feature }} of ${scope.model} {{ $labels.version }} drifted (${type} ${title} > ${levels.warn})`, `${title} {{ $value | printf "%.3f" }} over the last ${formatDuration(policy.windowMs)}`),
    });
    rules.push({
      alert: ALERTS.featureDriftAct,
      // Per input, but only while at least minFeatures inputs of the version act.
      expr: `${sustained(type, levels.act)} and on (${byVersion}) (count by (${byVersion}) (${acting}) >= ${policy.minFeatures}) ${everyWindowEnough}`,
      for: '0m',
      labels: { ...scope.labels('critical', policy.name), slipway_drift_level: 'act', slipway_input_type: type },
      annotations: annotations(
        `Input {{ $labels.feature }} of ${scope.model} {{ $labels.version }} drifted (${type} ${title} > ${levels.act} in ${policy.consecutiveWindows} windows, with at least ${policy.minFeatures} inputs)`,
        `${title} {{ $value | printf "%.3f" }} over the last ${formatDuration(policy.windowMs)}`,
      ),
    });
  }
  if (policy.score !== undefined && present.has('score')) {
    rules.push({
      alert: ALERTS.scoreDriftWarn,
      expr: `${above('score', policy.score.warn, '')} ${enough('')}`,
      for: '0m',
      labels: { ...scope.labels('warning', policy.name), slipway_drift_level: 'warn' },
      annotations: annotations(`Prediction scores of ${scope.model} {{ $labels.version }} drifted (PSI > ${policy.score.warn})`, 'PSI {{ $value | printf "%.3f" }}'),
    });
    rules.push({
      alert: ALERTS.scoreDriftAct,
      expr: `${sustained('score', policy.score.act)} ${everyWindowEnough}`,
      for: '0m',
      labels: { ...scope.labels('critical', policy.name), slipway_drift_level: 'act' },
      annotations: annotations(`Prediction scores of ${scope.model} {{ $labels.version }} drifted (PSI > ${policy.score.act} in ${policy.consecutiveWindows} windows)`, 'PSI {{ $value | printf "%.3f" }}'),
    });
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
