/**
 * The DriftPolicy's decision rule as one pure function, shared by everything that judges drift
 * (the drift bench today, the drift controller once it reads per-window values): act when at
 * least `minFeatures` inputs, or the prediction score, are above their `act` level in each of the
 * last `consecutiveWindows` windows, every one of which holds at least `minSamples` samples.
 * The statistic is whatever the policy names for the input's type (PSI, KS or chi-squared); this
 * rule only compares numbers with levels, so it does not care how they were computed.
 */
import type { DriftPolicy, FeatureDtype } from './catalog.js';

/** The policy fields the rule reads (a whole `DriftPolicy` fits). */
export type DriftRule = Pick<DriftPolicy, 'numeric' | 'categorical' | 'score' | 'minSamples' | 'consecutiveWindows' | 'minFeatures'>;

/** Which of the policy's level sets an input is judged by. */
export type DriftInputType = 'numeric' | 'categorical';

/** One input's statistic in one window, in the statistic the policy names for its type. */
export interface InputStatistic {
  /** `<view>:<feature>`. */
  readonly ref: string;
  readonly type: DriftInputType;
  readonly value: number;
}

/** The statistics of one window; windows passed together must not overlap. */
export interface DriftWindowStatistics {
  /** Requests counted in the window. */
  readonly samples: number;
  readonly inputs: readonly InputStatistic[];
  /** The score's PSI; `null` when the score is not measured (no model or no score profile). */
  readonly score: number | null;
}

/** What the rule concludes from the latest windows. */
export interface DriftDecision {
  /**
   * `act`: the act rule holds; `warn`: the latest window is above a warn level; `ok`: neither;
   * `wait`: the latest window has too few samples to judge.
   */
  readonly verdict: 'act' | 'warn' | 'ok' | 'wait';
  /** Inputs above `act` in every one of the last `consecutiveWindows` windows, sorted. */
  readonly acting: readonly string[];
  /** Whether the score is above its `act` level in every one of those windows. */
  readonly scoreActing: boolean;
  /** Inputs above `warn` in the latest window, sorted. */
  readonly warning: readonly string[];
  /** One sentence saying why, for logs and PR bodies. */
  readonly reason: string;
}

/** Strings and booleans are judged by the categorical levels, numbers by the numeric ones. */
export function driftInputType(dtype: FeatureDtype): DriftInputType {
  return dtype === 'string' || dtype === 'bool' ? 'categorical' : 'numeric';
}

/** Applies the policy's rule to `windows` (oldest first); only the last `consecutiveWindows` count. */
export function decideDrift(rule: DriftRule, windows: readonly DriftWindowStatistics[]): DriftDecision {
  const latest = windows.at(-1);
  if (latest === undefined || !(latest.samples >= rule.minSamples)) {
    const held = latest === undefined ? 'no window' : `the latest window holds ${latest.samples} samples`;
    return decision('wait', [], false, [], `${held}; the policy needs ${rule.minSamples}`);
  }
  const warning = latest.inputs.filter((input) => above(input.value, levelsOf(rule, input.type).warn)).map((input) => input.ref);
  const scoreWarning = rule.score !== undefined && latest.score !== null && above(latest.score, rule.score.warn);
  const streak = windows.slice(-rule.consecutiveWindows);
  const complete = streak.length === rule.consecutiveWindows && streak.every((window) => window.samples >= rule.minSamples);
  const acting = complete ? sustainedInputs(rule, streak) : [];
  const scoreActing = complete && rule.score !== undefined && streak.every((window) => window.score !== null && above(window.score, rule.score!.act));
  if (acting.length >= rule.minFeatures || scoreActing) {
    const what = scoreActing ? (acting.length > 0 ? `the score and ${list(acting)}` : 'the score') : list(acting);
    return decision('act', acting, scoreActing, sorted(warning), `${what} above the act level in ${rule.consecutiveWindows} consecutive windows`);
  }
  if (warning.length > 0 || scoreWarning) {
    const what = scoreWarning ? ['the score', ...sorted(warning)] : sorted(warning);
    return decision('warn', acting, false, sorted(warning), `${list(what)} above the warn level in the latest window`);
  }
  const why = complete
    ? `${acting.length} of the ${rule.minFeatures} inputs needed are above the act level in ${rule.consecutiveWindows} consecutive windows`
    : `fewer than ${rule.consecutiveWindows} consecutive windows with ${rule.minSamples} samples`;
  return decision('ok', acting, false, [], why);
}

/** Inputs above their act level in every window of the streak (present in each one). */
function sustainedInputs(rule: DriftRule, streak: readonly DriftWindowStatistics[]): string[] {
  const [first, ...rest] = streak;
  const acting = first.inputs
    .filter((input) => above(input.value, levelsOf(rule, input.type).act))
    .filter((input) => rest.every((window) => window.inputs.some((other) => other.ref === input.ref && above(other.value, levelsOf(rule, other.type).act))))
    .map((input) => input.ref);
  return sorted([...new Set(acting)]);
}

function levelsOf(rule: DriftRule, type: DriftInputType): { readonly warn: number; readonly act: number } {
  return type === 'categorical' ? rule.categorical : rule.numeric;
}

// Strictly above, as the rendered alert rules compare (`psi > act`); NaN is never above.
function above(value: number, level: number): boolean {
  return value > level;
}

function sorted(refs: readonly string[]): string[] {
  return [...refs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'nothing' : items.join(', ');
}

function decision(verdict: DriftDecision['verdict'], acting: readonly string[], scoreActing: boolean, warning: readonly string[], reason: string): DriftDecision {
  return { verdict, acting, scoreActing, warning, reason };
}
