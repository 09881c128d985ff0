/**
 * Recording rules that compute, per model, version and input, a window's drift statistic from
 * the fleet's summed bin counts (`core/window-count.ts`), with the version's reference profile
 * carried as constants, and the alert rules that apply a DriftPolicy to them exactly: the
 * statistic the policy names per input type, its warn and act levels, its window, `minSamples`
 * over the fleet, `consecutiveWindows` non-overlapping windows and `minFeatures`.
 *
 * Why constants, not a reference gauge exported by every pod: the reference is part of the version
 * Git declares, so it is reviewed in the rendered rule's diff; it does not depend on a pod being
 * up or on forty pods exporting the same numbers; and a rule reads nothing a pod could get wrong.
 *
 * Each statistic's PromQL is the formula of `core/statistics/drift-statistics.ts` with the same
 * epsilon and the same reference normalization; `test/generators/drift-rules.test.ts` checks the
 * two against each other on a real Prometheus.
 */
import type { Distribution, DriftPolicy, ReferenceProfile } from '../core/catalog.js';
import { LABELS, METRICS, SCORE_FEATURE } from '../core/metric-names.js';
import { toFractions } from '../core/statistics/binning.js';
import { driftBins, type DriftBins } from '../core/statistics/drift-bins.js';
import { referenceCounts, type DriftStatisticName } from '../core/statistics/drift-statistics.js';
import { PSI_EPSILON } from '../core/statistics/psi.js';
import { windowCountQuery } from '../core/window-count.js';

/** One recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** What a window's rules are about: recorded series are named `slipway:<what>:<window name>`. */
export interface DriftRuleScope {
  /** `{namespace="…", model="…"}` plus extra equality matchers. */
  selector(equal?: Record<string, string>): string;
}

/** One measured input (or the score) of one version. */
export interface MeasuredInput {
  /** The `feature` label: the input reference, or `score`. */
  readonly feature: string;
  readonly distribution: Distribution;
  readonly statistic: DriftStatisticName;
  /** `numeric`, `categorical` or `score`: which of the policy's levels applies. */
  readonly inputType: 'numeric' | 'categorical' | 'score';
}

/** One served version and what of it is measured. */
export interface MeasuredVersion {
  readonly version: string;
  readonly profile: ReferenceProfile;
  readonly inputs: readonly MeasuredInput[];
}

/** Names of the recorded series of a window (`drift_window`, `analysis_window`). */
export function recordedNames(window: string): { readonly samples: string; readonly counts: string; readonly shares: string; readonly statistic: string } {
  return {
    samples: `slipway:drift_samples:${window}`,
    counts: `slipway:drift_observations:${window}`,
    shares: `slipway:drift_share:${window}`,
    statistic: `slipway:drift_statistic:${window}`,
  };
}

const GROUP = [LABELS.model, LABELS.version, LABELS.feature];
const BY_VERSION = ['namespace', LABELS.model, LABELS.version];
const BY_INPUT = ['namespace', ...GROUP];

/** The recording rules of one window: fleet samples, counts and shares per bin, then one statistic per version and input. */
export function statisticRecordingRules(scope: DriftRuleScope, window: string, windowMs: number, versions: readonly MeasuredVersion[]): RecordingRule[] {
  const names = recordedNames(window);
  const rules: RecordingRule[] = [
    { record: names.samples, expr: windowCountQuery(`${METRICS.driftSamples}${scope.selector()}`, BY_VERSION, windowMs) },
    { record: names.counts, expr: windowCountQuery(`${METRICS.driftObservations}${scope.selector()}`, [...BY_INPUT, LABELS.bin], windowMs) },
    {
      record: names.shares,
      expr: `${names.counts}${scope.selector()} / on (${BY_INPUT.join(', ')}) group_left () sum by (${BY_INPUT.join(', ')}) (${names.counts}${scope.selector()})`,
    },
  ];
  for (const version of versions) {
    for (const input of version.inputs) {
      const series = (record: string, bin?: string) =>
        `${record}${scope.selector({ [LABELS.version]: version.version, [LABELS.feature]: input.feature, ...(bin === undefined ? {} : { [LABELS.bin]: bin }) })}`;
      const bins = driftBins(input.distribution);
      rules.push({
        record: names.statistic,
        expr: STATISTIC_PROMQL[input.statistic]({ bins, rows: version.profile.rows, share: (bin) => series(names.shares, bin), count: (bin) => series(names.counts, bin) }),
        // The version and feature the expression yields anyway, stated so that each rule is distinct (promtool lint).
        labels: { [LABELS.version]: version.version, [LABELS.feature]: input.feature, statistic: input.statistic, input_type: input.inputType },
      });
    }
  }
  return rules;
}

/** What a statistic's PromQL is built from. */
interface StatisticInput {
  readonly bins: DriftBins;
  /** Rows of the reference sample (chi-squared's reference counts). */
  readonly rows: number;
  /** The recorded share (or count) series of one bin, or of every bin without an argument. */
  share(bin?: string): string;
  count(bin?: string): string;
}

const BY = `sum by (${BY_INPUT.join(', ')})`;

/** The same formulas as `core/statistics` (psi.ts, ks.ts, chi-squared.ts), in PromQL. */
const STATISTIC_PROMQL: Readonly<Record<DriftStatisticName, (input: StatisticInput) => string>> = {
  // Σ (a - e) · ln(a / e), each side's share floored at PSI_EPSILON.
  psi: ({ bins, share }) => {
    const expected = toFractions(bins.reference).map((fraction) => Math.max(fraction, PSI_EPSILON));
    const terms = bins.labels.map((bin, index) => {
      const actual = `clamp_min(${share(bin)}, ${constant(PSI_EPSILON)})`;
      return `(${actual} - ${constant(expected[index])}) * ln(${actual} / ${constant(expected[index])})`;
    });
    return `${BY} (${terms.join(' or ')})`;
  },
  // max over bins of |cumulative window share - cumulative reference share|.
  ks: ({ bins, share }) => {
    const expected = toFractions(bins.reference);
    let cumulative = 0;
    const terms = bins.labels.map((bin, index) => {
      cumulative += expected[index];
      const upTo = bins.labels.slice(0, index + 1).join('|');
      return `label_replace(abs(${BY} (${share().slice(0, -1)}, ${LABELS.bin}=~"${upTo}"}) - ${constant(cumulative)}), "${LABELS.bin}", "${bin}", "", "")`;
    });
    return `max by (${BY_INPUT.join(', ')}) (${terms.join(' or ')})`;
  },
  // Cramér's V of the 2×k table (reference counts = shares × rows, window counts):
  // χ² = Σ (R_b·O − C_b·R)² / ((R_b + C_b)·R·O), which for R_b = 0 is C_b·R / O; V = sqrt(χ² / (R + O)).
  'chi-squared': ({ bins, rows, count }) => {
    const reference = referenceCounts(bins.reference, rows);
    const total = reference.reduce((sum, value) => sum + value, 0);
    const observed = `${BY} (${count()})`;
    const terms = bins.labels.map((bin, index) => {
      const window = `${BY} (${count(bin)})`;
      const term =
        reference[index] === 0
          ? `${window} * ${constant(total)} / ${observed}`
          : `(${constant(reference[index])} * ${observed} - ${window} * ${constant(total)}) ^ 2 / ((${constant(reference[index])} + ${window}) * ${constant(total)} * ${observed})`;
      return `label_replace(${term}, "${LABELS.bin}", "${bin}", "", "")`;
    });
    return `sqrt(${BY} (${terms.join(' or ')}) / (${observed} + ${constant(total)}))`;
  },
};

/** A constant at full precision: the rules must compute what core/statistics computes, not a rounding of it. */
function constant(value: number): string {
  return String(value);
}

/** The inputs and score of a version a policy measures, with the statistic it names per type. */
export function measuredVersion(version: string, profile: ReferenceProfile, inputs: readonly { readonly ref: string; readonly type: 'numeric' | 'categorical' }[], policy: Pick<DriftPolicy, 'numeric' | 'categorical'> | null): MeasuredVersion {
  const measured: MeasuredInput[] = [];
  if (policy !== null) {
    for (const input of inputs) {
      const distribution = profile.inputs[input.ref];
      if (distribution !== undefined) measured.push({ feature: input.ref, distribution, statistic: policy[input.type].statistic, inputType: input.type });
    }
  }
  if (profile.score !== undefined) measured.push({ feature: SCORE_FEATURE, distribution: profile.score, statistic: 'psi', inputType: 'score' });
  return { version, profile, inputs: measured };
}
