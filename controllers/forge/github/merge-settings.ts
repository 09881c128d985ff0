/**
 * What a repository lets the bot merge with: GitHub's `allow_auto_merge` (off by default) and its
 * three merge methods, read from `GET /repos/{owner}/{repo}`. GitHub leaves these fields out for a
 * token that cannot administer the repository; an absent field is `null` (unknown), and the bot
 * then tries and learns from GitHub's refusal.
 */
import type { MergeMethod } from '../forge.js';

/** A repository's merge settings; `null`: GitHub did not say. */
export interface MergeSettings {
  readonly autoMerge: boolean | null;
  readonly methods: Readonly<Record<MergeMethod, boolean | null>>;
}

/**
 * The bot's order of preference. A merge commit keeps the bot's own commit on the base (its id,
 * its `Slipway-Proposal` trailers, its deterministic date), so the history reads back which
 * proposal changed what; squash and rebase both have GitHub write a new commit. Squash beats
 * rebase: one commit either way, and squash is what most repositories that turn merge commits
 * off leave on.
 */
export const METHOD_PREFERENCE: readonly MergeMethod[] = ['merge', 'squash', 'rebase'];

/** Reads the settings from a repository as the REST API returns it. */
export function mergeSettingsOf(repository: Record<string, unknown>): MergeSettings {
  const flag = (name: string) => (typeof repository[name] === 'boolean' ? (repository[name] as boolean) : null);
  return {
    autoMerge: flag('allow_auto_merge'),
    methods: { merge: flag('allow_merge_commit'), squash: flag('allow_squash_merge'), rebase: flag('allow_rebase_merge') },
  };
}

/** The methods worth trying, best first: every method not known to be off. */
export function candidateMethods(settings: MergeSettings): MergeMethod[] {
  return METHOD_PREFERENCE.filter((method) => settings.methods[method] !== false);
}
