/**
 * What the controller wants to change: a proposal is pure data (key, branch, title, evidence, YAML
 * edits) computed from the catalog and evidence, so that it can be compared, tested and replayed.
 */
import type { Kind } from '../../core/schemas/index.js';

/** The kinds of change the bot proposes; the first segment of every branch after `slipway/`. */
export const ACTIONS = ['version', 'canary', 'abort', 'promote', 'rollback', 'retrain'] as const;

/** One of `ACTIONS`. */
export type Action = (typeof ACTIONS)[number];

/** Prefix of every branch the bot owns. */
export const BRANCH_PREFIX = 'slipway/';

/** Set by the bot on a canary or promotion PR it closed because an abort or rollback made it moot. */
export const SUPERSEDED_LABEL = 'slipway/superseded';

/**
 * Set by a person on a PR whose branch they pushed to, to hand the branch back: the bot rebuilds
 * it from the base (dropping their commits) and removes the label.
 */
export const REGENERATE_LABEL = 'slipway/regenerate';

/** The label of one action's PRs (`slipway/rollback`); the bot finds merged aborts and rollbacks by it. */
export function actionLabel(action: Action): string {
  return `slipway/${action}`;
}

/** The label every bot PR carries, and its action's. */
export function proposalLabels(action: Action): string[] {
  return ['slipway', actionLabel(action)];
}

/**
 * Every label the bot ever sets or acts on: the only labels it adds or removes. Any other label on
 * its PRs is a person's and stays.
 */
export const BOT_LABELS: readonly string[] = [...new Set([...ACTIONS.flatMap(proposalLabels), SUPERSEDED_LABEL, REGENERATE_LABEL])];

/** One figure a reviewer checks: what was observed, against which threshold, and where it came from. */
export interface EvidenceRow {
  readonly name: string;
  /** Observed value; `null` when it could not be measured. */
  readonly observed: number | string | null;
  /** The rule, as a reviewer reads it (`> 0.90`, `≤ 5 %`). */
  readonly threshold: string;
  /** `null`: informational, or not enough data to judge. */
  readonly pass: boolean | null;
  /** The PromQL query (or file) behind the figure. */
  readonly source: string;
}

/** One edit of a YAML document, addressed by kind and name inside a file. */
export interface YamlEdit {
  /** Path relative to the repository root. */
  readonly file: string;
  readonly kind: Kind;
  readonly name: string;
  /** `set` replaces or creates, `delete` removes, `prepend` inserts at the start of a sequence. */
  readonly op: 'set' | 'delete' | 'prepend';
  readonly path: readonly (string | number)[];
  readonly value?: unknown;
}

/** A chart for the PR body, in Mermaid (GitHub renders it natively). */
export interface Chart {
  readonly title: string;
  readonly mermaid: string;
}

/** A change the controller wants to see merged. */
export interface Proposal {
  /** `<action>/<model>/<target>`: one PR per key, ever updated, never duplicated. */
  readonly key: string;
  readonly action: Action;
  readonly model: string;
  /** The environment the change is about. */
  readonly target: string;
  /** `slipway/<key>`. */
  readonly branch: string;
  /** What a person closing the PR unmerged declines (e.g. a version); not proposed again for it. */
  readonly subject: string;
  readonly title: string;
  /** Why, in a few sentences of Markdown. */
  readonly summary: string;
  readonly evidence: readonly EvidenceRow[];
  readonly charts: readonly Chart[];
  readonly edits: readonly YamlEdit[];
  readonly labels: readonly string[];
  /** Only aborts and rollbacks whose policy allows it. */
  readonly autoMerge: boolean;
  /** The version this change brings into `target`, if any (checked against rolled-back versions). */
  readonly version?: string;
  /** The version this change takes out of `target`; never proposed there again automatically. */
  readonly rollsBack?: string;
}

/** The outcome of one decision: a proposal, nothing to do yet, or a refusal with reasons. */
export type Decision =
  | { readonly kind: 'propose'; readonly proposal: Proposal }
  | { readonly kind: 'wait'; readonly key: string; readonly reasons: readonly string[] }
  | { readonly kind: 'reject'; readonly key: string; readonly reasons: readonly string[] };

/** Builds the key and branch of a proposal. */
export function proposalKey(action: Action, model: string, target: string): { key: string; branch: string } {
  const key = `${action}/${model}/${target}`;
  return { key, branch: `${BRANCH_PREFIX}${key}` };
}

/** Evaluates `observed <op> value`. */
export function compare(observed: number, op: '>' | '>=' | '<' | '<=', value: number): boolean {
  switch (op) {
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
  }
}

/** Rounds a figure for display and fingerprints (4 significant digits), so noise does not churn PRs. */
export function roundFigure(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(4));
}
