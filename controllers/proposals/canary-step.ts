/**
 * A canary under a RolloutPolicy: canary and stable compared over the analysis window. Passing for
 * the step's minimum duration proposes the next weight, or promotion to stable after the last
 * step; a failing check proposes an abort (canary removed), which the policy may auto-merge.
 */
import type { Catalog, Deployment, Environment, RolloutCheck, RolloutPolicy } from '../../core/catalog.js';
import { formatDuration } from '../../core/units.js';
import { deploymentEdit, figure } from './catalog-lookup.js';
import { describeMeasurement, type Measurement, type Series } from './evidence.js';
import { proposalKey, type Chart, type Decision, type EvidenceRow } from './proposal.js';
import { servedArtifactProblems, type ServedArtifacts } from './served-artifacts.js';

/** One analysis check, measured for canary and stable. */
export interface CheckMeasurement {
  readonly check: RolloutCheck;
  readonly canary: Measurement;
  readonly stable: Measurement;
}

/** What the metrics source measured for one canary. */
export interface CanaryAnalysis {
  /** What the pods serve: metrics of other weights than Git's judge nothing. */
  readonly served: ServedArtifacts;
  readonly canaryRequests: Measurement;
  readonly checks: readonly CheckMeasurement[];
  /** p99 latency over the window for canary and stable, for the chart. */
  readonly latencySeries: readonly Series[];
}

/** Everything a canary decision needs besides the catalog. */
export interface CanaryEvidence {
  readonly environment: string;
  readonly model: string;
  readonly analysis: CanaryAnalysis;
  /** How long the current canary weight has been merged; `null` when unknown. */
  readonly stepAgeMs: number | null;
}

/** Decides the next move of a canary. */
export function proposeCanaryStep(catalog: Catalog, evidence: CanaryEvidence): Decision {
  const env = catalog.environments.get(evidence.environment)!;
  const deployment = env.deployments.find((candidate) => candidate.model === evidence.model)!;
  const { key } = proposalKey('canary', evidence.model, env.name);
  const canary = deployment.canary;
  const rollout = deployment.rollout === undefined ? undefined : catalog.rolloutPolicies.get(deployment.rollout);
  if (canary === undefined || rollout === undefined) return { kind: 'wait', key, reasons: ['no canary under a rollout policy'] };
  // Before any figure: metrics of pods that serve other weights than Git's neither pass nor fail this canary.
  const notServing = servedArtifactProblems(deployment, catalog.models.get(deployment.model)!, evidence.analysis.served);
  if (notServing.length > 0) return { kind: 'wait', key, reasons: notServing };
  const requests = evidence.analysis.canaryRequests.value;
  if (requests === null || requests < rollout.analysis.minRequests) {
    return { kind: 'wait', key, reasons: [`canary requests in the window: ${describeMeasurement(evidence.analysis.canaryRequests)}; the policy needs ${rollout.analysis.minRequests}`] };
  }
  const rows = [requestsRow(evidence.analysis.canaryRequests, rollout), ...evidence.analysis.checks.map(checkRow)];
  const unknown = rows.filter((row, index) => row.pass === null && index > 0 && !isOptional(evidence.analysis.checks[index - 1].check));
  if (rows.some((row) => row.pass === false)) return { kind: 'propose', proposal: abort(env, deployment, rollout, rows, evidence) };
  if (unknown.length > 0) return { kind: 'wait', key, reasons: unknown.map((row) => `${row.name}: no data`) };
  const stepIndex = currentStep(rollout, canary.weight);
  const step = rollout.steps[stepIndex];
  const age = evidence.stepAgeMs;
  rows.push({
    name: `time at ${canary.weight} %`,
    observed: age === null ? null : formatDuration(Math.max(0, Math.floor(age / 1000) * 1000)),
    threshold: `≥ ${formatDuration(step.minDurationMs)}`,
    pass: age === null ? null : age >= step.minDurationMs,
    source: `git log of ${env.declaredAt.file}`,
  });
  if (age === null || age < step.minDurationMs) {
    return { kind: 'wait', key, reasons: [`step at ${canary.weight} % has run ${age === null ? 'an unknown time' : formatDuration(Math.floor(age / 1000) * 1000 || 1000)} of ${formatDuration(step.minDurationMs)}`] };
  }
  const last = stepIndex === rollout.steps.length - 1;
  const charts = latencyChart(evidence.analysis.latencySeries, env.name, deployment);
  const common = {
    key,
    branch: proposalKey('canary', deployment.model, env.name).branch,
    action: 'canary' as const,
    model: deployment.model,
    target: env.name,
    version: canary.version,
    evidence: rows,
    charts,
    labels: ['slipway', 'slipway/canary'],
    autoMerge: false,
  };
  const passed = `The canary ${deployment.model} ${canary.version} passed every check of RolloutPolicy \`${rollout.name}\``;
  if (last) {
    return {
      kind: 'propose',
      proposal: {
        ...common,
        subject: `${canary.version}@stable`,
        title: `Promote ${deployment.model} ${canary.version} to stable in ${env.name}`,
        summary:
          `${passed} at the last step (${canary.weight} %) for ${formatDuration(step.minDurationMs)}. ` +
          `This PR makes it stable in ${env.name} (replacing ${deployment.stable}) and removes the canary.`,
        edits: [deploymentEdit(env, deployment.model, 'set', ['stable'], canary.version), deploymentEdit(env, deployment.model, 'delete', ['canary'])],
      },
    };
  }
  const next = rollout.steps[stepIndex + 1].weight;
  return {
    kind: 'propose',
    proposal: {
      ...common,
      subject: `${canary.version}@${next}`,
      title: `Raise ${deployment.model} ${canary.version} canary to ${next} % in ${env.name}`,
      summary: `${passed} at ${canary.weight} % for ${formatDuration(step.minDurationMs)}. This PR moves it to the next step, ${next} %.`,
      edits: [deploymentEdit(env, deployment.model, 'set', ['canary', 'weight'], next)],
    },
  };
}

function abort(env: Environment, deployment: Deployment, rollout: RolloutPolicy, rows: EvidenceRow[], evidence: CanaryEvidence) {
  const canary = deployment.canary!;
  const { key, branch } = proposalKey('abort', deployment.model, env.name);
  const failed = rows.filter((row) => row.pass === false).map((row) => row.name);
  return {
    key,
    branch,
    action: 'abort' as const,
    model: deployment.model,
    target: env.name,
    subject: canary.version,
    title: `Abort the ${deployment.model} ${canary.version} canary in ${env.name}`,
    summary:
      `The canary ${deployment.model} ${canary.version} at ${canary.weight} % failed ${failed.join(', ')} under RolloutPolicy \`${rollout.name}\`. ` +
      `This PR removes the canary so that ${deployment.stable} answers all traffic; ${canary.version} will not be proposed for ${env.name} again automatically.` +
      (rollout.abort.autoMerge ? ' The policy allows the bot to merge this abort on its own (`abort.autoMerge: true`).' : ''),
    evidence: rows,
    charts: latencyChart(evidence.analysis.latencySeries, env.name, deployment),
    edits: [deploymentEdit(env, deployment.model, 'delete', ['canary'])],
    labels: ['slipway', 'slipway/abort'],
    autoMerge: rollout.abort.autoMerge,
    rollsBack: canary.version,
  };
}

// Quality needs labelled outcomes, which not every deployment has; without them the check is skipped.
function isOptional(check: RolloutCheck): boolean {
  return check.metric === 'f1-drop';
}

/** Index of the step the current weight belongs to: the last step whose weight it has reached. */
export function currentStep(rollout: RolloutPolicy, weight: number): number {
  let index = 0;
  rollout.steps.forEach((step, i) => {
    if (weight >= step.weight) index = i;
  });
  return index;
}

function requestsRow(measurement: Measurement, rollout: RolloutPolicy): EvidenceRow {
  return {
    name: 'canary requests in window',
    observed: measurement.value === null ? null : Math.round(measurement.value),
    threshold: `≥ ${rollout.analysis.minRequests}`,
    pass: measurement.value === null ? null : measurement.value >= rollout.analysis.minRequests,
    source: measurement.query,
  };
}

function checkRow(measured: CheckMeasurement): EvidenceRow {
  const { check, canary, stable } = measured;
  const source = `canary: ${canary.query}\nstable: ${stable.query}`;
  switch (check.metric) {
    case 'error-rate':
      return row('error rate (canary)', canary.value, `≤ ${figure(check.maxFraction * 100)} %`, canary.value === null ? null : canary.value <= check.maxFraction, source, (v) => `${figure(v * 100)} % (stable ${figure(nullable(stable.value, 100))} %)`);
    case 'latency-p99':
      return row('p99 latency (canary)', canary.value, `≤ ${check.maxMs} ms`, canary.value === null ? null : canary.value <= check.maxMs, source, (v) => `${figure(v)} ms (stable ${figure(stable.value)} ms)`);
    case 'score-psi':
      return row('score PSI (canary)', canary.value, `≤ ${check.max}`, canary.value === null ? null : canary.value <= check.max, source, (v) => `${figure(v)} (stable ${figure(stable.value)})`);
    case 'f1-drop': {
      const drop = canary.value === null || stable.value === null || stable.value === 0 ? null : (stable.value - canary.value) / stable.value;
      return row('F1 drop vs stable', drop, `≤ ${figure(check.maxFraction * 100)} %`, drop === null ? null : drop <= check.maxFraction, source, (v) => `${figure(v * 100)} % (F1 ${figure(canary.value)} vs ${figure(stable.value)})`);
    }
  }
}

function nullable(value: number | null, scale: number): number | null {
  return value === null ? null : value * scale;
}

function row(name: string, value: number | null, threshold: string, pass: boolean | null, source: string, show: (value: number) => string): EvidenceRow {
  return { name, observed: value === null ? null : show(value), threshold, pass, source };
}

function latencyChart(series: readonly Series[], env: string, deployment: Deployment): Chart[] {
  if (series.length === 0 || series.every((one) => one.points.length === 0)) return [];
  const length = Math.max(...series.map((one) => one.points.length));
  const start = Math.min(...series.flatMap((one) => one.points.map(([time]) => time)));
  const labels = Array.from({ length }, (_, index) => `"${index === 0 ? '0s' : `+${Math.round((series[0].points[index]?.[0] ?? start) - start)}s`}"`);
  return [
    {
      title: `p99 latency over the analysis window in ${env}: ${series.map((one) => one.label).join(' (first line) vs ')}`,
      mermaid: [
        'xychart-beta',
        `  title "${deployment.model} p99 latency (ms): canary vs stable"`,
        `  x-axis [${labels.join(', ')}]`,
        '  y-axis "ms"',
        ...series.map((one) => `  line [${one.points.map(([, value]) => Number(value.toPrecision(4))).join(', ')}]`),
      ].join('\n'),
    },
  ];
}
