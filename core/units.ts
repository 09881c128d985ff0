/**
 * Units that appear in Slipway documents, parsed once by the loader so that every consumer works
 * with plain numbers: durations in milliseconds, percentages as fractions, versions as semver.
 */
import semver from 'semver';

const DURATION_UNITS_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

type DurationUnit = keyof typeof DURATION_UNITS_MS;

/** The textual form accepted for durations: one or more `<integer><unit>` parts, largest first. */
export const DURATION_PATTERN = '^(?:[0-9]+(?:ms|s|m|h|d|w))+$';

const DURATION_PART = /([0-9]+)(ms|s|m|h|d|w)/g;
const DURATION_WHOLE = new RegExp(DURATION_PATTERN);

/** Parses `1h30m`, `500ms`, `7d` into milliseconds; returns null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (!DURATION_WHOLE.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * DURATION_UNITS_MS[unit as DurationUnit];
  }
  return total;
}

/**
 * Formats milliseconds as the shortest duration text (`90m` → `1h30m`). Prometheus accepts the
 * same units, so the output is also a valid PromQL range and rule `for:` value.
 */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  const order: DurationUnit[] = ['w', 'd', 'h', 'm', 's', 'ms'];
  let rest = Math.round(milliseconds);
  let text = '';
  for (const unit of order) {
    const size = DURATION_UNITS_MS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
}

/** The textual form accepted for percentages: `5%`, `0.5%`, `100%`. */
export const PERCENT_PATTERN = '^[0-9]+(?:\\.[0-9]+)?%$';

/** Parses `5%` into 0.05; returns null when the text is not a percentage. */
export function parsePercent(text: string): number | null {
  if (!new RegExp(PERCENT_PATTERN).test(text)) return null;
  return Number(text.slice(0, -1)) / 100;
}

/** Semantic version 2.0.0 without a leading `v`, as model versions are written. */
export const SEMVER_PATTERN =
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$';

/** True when `text` is a strict semantic version (`2.0.0`, `1.4.0-rc.1`). */
export function isSemver(text: string): boolean {
  return semver.valid(text) === text;
}

/** Orders versions by semver precedence, for histories and "latest" look-ups. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/** The next version after `current` for a bump of the given size. */
export function bumpVersion(current: string, release: 'major' | 'minor' | 'patch'): string {
  const next = semver.inc(current, release);
  if (next === null) throw new Error(`cannot bump version '${current}'`);
  return next;
}

/** DNS-1123 label: what Kubernetes accepts as a name, and therefore what every document name is. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Kubernetes' limit on a DNS-1123 label. */
export const DNS_LABEL_MAX_LENGTH = 63;
