/** Resolves `PromotionPolicy`, `RolloutPolicy` and `DriftPolicy` documents, parsing their units. */
import type { DriftLevels, DriftPolicy, GuardrailPolicy, PromotionPolicy, RolloutCheck, RolloutPolicy } from '../catalog.js';
import type { DriftPolicyDocument, GuardrailPolicyDocument, PromotionPolicyDocument, RolloutPolicyDocument } from '../schemas/documents.generated.js';
import { parseDuration, parsePercent } from '../units.js';
import { metaOf, type Located, type ResolveContext } from './context.js';

/** A `PromotionPolicy` as the catalog holds it. */
export function resolvePromotionPolicy(located: Located<PromotionPolicyDocument>): PromotionPolicy {
  const { spec } = located.raw;
  return {
    ...metaOf('PromotionPolicy', located),
    description: spec.description ?? '',
    metrics: spec.metrics ?? [],
    noRegression: spec.noRegression,
    slices: (spec.slices ?? []).map((slice) => ({ slice: slice.slice ?? '', metric: slice.metric ?? '', min: slice.min ?? 0 })),
    requiredChecks: spec.requiredChecks ?? [],
    manualApproval: spec.manualApproval ?? true,
    soakMs: spec.soak === undefined ? 0 : parseDuration(spec.soak)!,
    requireNoFiringAlerts: spec.requireNoFiringAlerts ?? false,
  };
}

/** A `RolloutPolicy` as the catalog holds it, or null when a step or a threshold is unsound. */
export function resolveRolloutPolicy(located: Located<RolloutPolicyDocument>, context: ResolveContext): RolloutPolicy | null {
  const { document, raw } = located;
  const { spec } = raw;
  let sound = true;
  spec.steps.forEach((step, index) => {
    const previous = spec.steps[index - 1];
    if (previous !== undefined && step.weight <= previous.weight) {
      context.report(document, ['spec', 'steps', index, 'weight'], `step weights must increase (${previous.weight} then ${step.weight})`, 'rollout-steps');
      sound = false;
    }
  });
  const checks: RolloutCheck[] = [];
  spec.analysis.checks.forEach((check, index) => {
    const parsed = parseRolloutCheck(check.metric, check.max);
    if (typeof parsed === 'string') {
      context.report(document, ['spec', 'analysis', 'checks', index, 'max'], parsed, 'threshold');
      sound = false;
    } else {
      checks.push(parsed);
    }
  });
  if (!sound) return null;
  const windowMs = parseDuration(spec.analysis.window)!;
  return {
    ...metaOf('RolloutPolicy', located),
    description: spec.description ?? '',
    steps: spec.steps.map((step) => ({ weight: step.weight, minDurationMs: parseDuration(step.minDuration)! })),
    analysis: {
      windowMs,
      intervalMs: spec.analysis.interval === undefined ? windowMs : parseDuration(spec.analysis.interval)!,
      minRequests: spec.analysis.minRequests ?? 100,
      checks,
    },
    abort: { autoMerge: spec.abort?.autoMerge ?? false },
  };
}

// Each metric has its own unit; the threshold is parsed into it here, once.
function parseRolloutCheck(metric: RolloutCheck['metric'], max: string | number): RolloutCheck | string {
  switch (metric) {
    case 'error-rate':
    case 'f1-drop': {
      const fraction = typeof max === 'number' ? max : parsePercent(max);
      if (fraction === null || fraction < 0 || fraction > 1) return `${JSON.stringify(max)} is not a share for ${metric}; write a percentage like 5%`;
      return { metric, maxFraction: fraction };
    }
    case 'latency-p99': {
      const milliseconds = typeof max === 'string' ? parseDuration(max) : null;
      if (milliseconds === null) return `${JSON.stringify(max)} is not a duration for latency-p99; write it like 10ms`;
      return { metric, maxMs: milliseconds };
    }
    case 'score-psi':
      if (typeof max !== 'number' || max < 0) return `${JSON.stringify(max)} is not a PSI level; write a number like 0.2`;
      return { metric, max };
  }
}

/** A `DriftPolicy` as the catalog holds it, or null when its levels contradict each other. */
export function resolveDriftPolicy(located: Located<DriftPolicyDocument>, context: ResolveContext): DriftPolicy | null {
  const { document, raw } = located;
  const { spec } = raw;
  let sound = true;
  const levels = (field: 'numeric' | 'categorical' | 'score') => {
    const value = spec[field];
    if (value !== undefined && value.warn > value.act) {
      context.report(document, ['spec', field, 'warn'], `warn level ${value.warn} is above act level ${value.act}`, 'drift-levels');
      sound = false;
    }
  };
  levels('numeric');
  levels('categorical');
  levels('score');
  if (!sound) return null;
  const withStatistic = (value: { statistic?: DriftLevels['statistic']; warn: number; act: number }): DriftLevels => ({
    statistic: value.statistic ?? 'psi',
    warn: value.warn,
    act: value.act,
  });
  return {
    ...metaOf('DriftPolicy', located),
    description: spec.description ?? '',
    numeric: withStatistic(spec.numeric),
    categorical: withStatistic(spec.categorical),
    score: spec.score,
    windowMs: parseDuration(spec.window)!,
    minSamples: spec.minSamples,
    consecutiveWindows: spec.consecutiveWindows ?? 1,
    minFeatures: spec.minFeatures ?? 1,
    actions: spec.actions,
    rollbackWithinMs: spec.rollbackWithin === undefined ? undefined : parseDuration(spec.rollbackWithin)!,
    autoMerge: { rollback: spec.autoMerge?.rollback ?? false },
    degradation: {
      maxScorePsiIncrease: spec.degradation?.maxScorePsiIncrease,
      maxErrorRate: spec.degradation?.maxErrorRate === undefined ? undefined : parsePercent(spec.degradation.maxErrorRate)!,
    },
  };
}

/** A `GuardrailPolicy` as the catalog holds it, or null when it names a missing environment. */
export function resolveGuardrailPolicy(
  located: Located<GuardrailPolicyDocument>,
  environmentNames: ReadonlySet<string>,
  context: ResolveContext,
): GuardrailPolicy | null {
  const { document, raw } = located;
  const { spec } = raw;
  const known = new Map([...environmentNames].map((environment) => [environment, true]));
  const environments = spec.environments ?? [];
  const sound = environments.every((environment, index) => context.checkReference(known, 'Environment', environment, document, ['spec', 'environments', index]));
  if (!sound) return null;
  return {
    ...metaOf('GuardrailPolicy', located),
    description: spec.description ?? '',
    environments,
    completeModelCard: spec.completeModelCard,
    promotionPath: spec.promotionPath ?? false,
    pinnedImages: spec.pinnedImages ?? false,
    resourceLimits: spec.resourceLimits ?? false,
    canaryWeightsFromSteps: spec.canaryWeightsFromSteps ?? false,
    renderedDist: spec.renderedDist ?? false,
  };
}
