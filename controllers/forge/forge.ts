/**
 * The one interface the reconcile sees for a code-review forge (Renovate's `Platform`): GitHub and
 * the local Git forge implement it side by side, and no forge type leaks past it. The base is read
 * with Git from `remoteUrl`; branches are written through the forge (`ensureBranch`), so GitHub
 * needs no push credentials, only its API.
 */
import type { BotIdentity } from '../git/bot-identity.js';

/** Where a PR stands. */
export type PullRequestState = 'open' | 'closed' | 'merged';

/** A pull request as the reconcile sees it. */
export interface PullRequest {
  readonly number: number;
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly state: PullRequestState;
  readonly labels: readonly string[];
  /** Head commit the PR showed when it was last read. */
  readonly headSha: string | null;
  readonly url: string;
  /** The forge will merge it on its own once its checks pass (GitHub's auto-merge is on). */
  readonly autoMerge: boolean;
}

/** A PR found by its label: what the issues API tells of it (no branch, no head). */
export interface LabelledPullRequest {
  readonly number: number;
  readonly body: string;
  readonly labels: readonly string[];
}

/** What `ensurePullRequest` makes true. */
export interface PullRequestSpec {
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  /** Labels the PR must carry. */
  readonly labels: readonly string[];
  /**
   * The labels the bot owns: one the PR carries that is not in `labels` is removed. Every other
   * label is a person's and is neither added nor removed.
   */
  readonly managedLabels: readonly string[];
}

/** One changed file of a branch commit, relative to its parent. */
export interface FileWrite {
  readonly path: string;
  readonly mode: '100644' | '100755' | '120000';
  /** `null`: the file is deleted. */
  readonly content: Buffer | null;
}

/** A bot commit on one parent, to be made the head of a branch. */
export interface BranchWrite {
  readonly branch: string;
  /** The commit as built locally; a forge that recreates it through an API may get another id. */
  readonly commit: string;
  readonly parent: string;
  readonly tree: string;
  readonly message: string;
  /** Author and committer date, ISO 8601: the same change on the same base is the same commit. */
  readonly date: string;
  /** The branch head this write replaces, `null` when the branch must not exist yet. */
  readonly expected: string | null;
  /** A Git directory holding the commit's objects (the working clone). */
  readonly objectsDir: string;
  /** The files the commit changes against its parent, read on demand. */
  changedFiles(): Promise<FileWrite[]>;
}

/** A forge: where pull requests live. */
export interface Forge {
  /** Short name for logs (`local`, `github`). */
  readonly name: string;
  /** Git URL (or path) to fetch the base and the bot's branches from. */
  readonly remoteUrl: string;
  /** Git `-c name=value` settings fetches need (credentials), if any. */
  gitConfig?(): Promise<string[]>;
  /** Who the bot's commits are by: the account the forge's credentials belong to. */
  identity(): Promise<BotIdentity>;
  /**
   * Forgets what the forge cached during the previous reconcile (GitHub's repository settings):
   * called once at the start of each reconcile, so a setting changed by a person counts next run.
   */
  beginReconcile?(): void;
  /**
   * Makes `write.branch` point at the write's commit; should be idempotent. Fails (without
   * writing) when the branch moved away from `write.expected` since it was read. Returns the
   * branch's head as the forge holds it (an API that recreates the commit may give another id).
   */
  ensureBranch(write: BranchWrite): Promise<string>;
  /**
   * Whether `base` only takes branches that are up to date with it (GitHub's "Require branches to
   * be up to date before merging"); only then does a moved base force the bot to rebuild a branch.
   */
  requiresUpToDate(base: string): Promise<boolean>;
  /**
   * The PRs from exactly `branch`, any state, newest first: one look-up by head branch, however
   * many pull requests the repository holds.
   */
  listPullRequestsByBranch(branch: string): Promise<PullRequest[]>;
  /** The newest PR from `branch` in any state, or `null`. */
  findPullRequestByBranch(branch: string): Promise<PullRequest | null>;
  /**
   * The merged PRs carrying `label`, newest first: only labelled ones are read (the bot's merged
   * aborts and rollbacks), never every pull request of the repository.
   */
  listMergedByLabel(label: string): Promise<LabelledPullRequest[]>;
  /**
   * Makes an open PR from `spec.branch` exist with this title, body and labels; should be
   * idempotent: an open PR for the branch is updated (only if something differs), never duplicated.
   * Labels are added and removed one by one (`spec.managedLabels`), never replaced wholesale.
   */
  ensurePullRequest(spec: PullRequestSpec): Promise<{ pr: PullRequest; created: boolean; updated: boolean }>;
  /** Adds a comment. */
  comment(number: number, text: string): Promise<void>;
  /** The texts of the PR's comments, oldest first. */
  comments(number: number): Promise<string[]>;
  /** Closes a PR unmerged; should be idempotent. */
  close(number: number): Promise<void>;
  /**
   * Arranges for the PR to be merged without a person, at `head` (the commit the bot wrote) and
   * nothing else: GitHub's auto-merge once required checks pass, or a merge at once when nothing
   * blocks it; the local forge merges at once. Only called for changes a policy allows;
   * idempotent. What the forge refuses comes back as a `refused` result, never as an error.
   */
  enableAutoMerge(number: number, head: string): Promise<AutoMergeResult>;
  /** Turns the forge's auto-merge off (a person took the branch over); idempotent. */
  disableAutoMerge(number: number): Promise<void>;
}

/**
 * Why a forge would not merge a PR without a person; each asks something different of a person
 * (the comment the reconcile posts says what), and each is a label value of
 * `slipway_controller_automerge_refusals_total`.
 */
export const AUTO_MERGE_REFUSALS = [
  /** The repository does not allow auto-merge (GitHub's default) and the PR cannot be merged yet. */
  'auto-merge-not-allowed',
  /** None of the merge methods the bot may use is enabled on the repository. */
  'merge-method-not-allowed',
  /** The base branch moved while the merge was attempted (GitHub's 405 "Base branch was modified"). */
  'base-modified',
  /** The PR's head is not the commit the bot wrote (someone pushed): the bot merges only its own. */
  'head-moved',
  /** Anything else that blocks the merge: conflicts, reviews, rules. */
  'not-mergeable',
] as const;

/** One of `AUTO_MERGE_REFUSALS`. */
export type AutoMergeRefusal = (typeof AUTO_MERGE_REFUSALS)[number];

/** How a merge method is named on every forge. */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

/** What `enableAutoMerge` achieved. */
export type AutoMergeResult =
  /** The forge merges it once required checks pass. */
  | { readonly kind: 'enabled'; readonly method: MergeMethod }
  /** Merged (now, or before). */
  | { readonly kind: 'merged'; readonly method: MergeMethod | null }
  /** Not merged and not arranged; `message` is the forge's own words. */
  | { readonly kind: 'refused'; readonly reason: AutoMergeRefusal; readonly message: string };

/** Raised for failures that retrying will not fix (bad credentials, missing repository). */
export class TerminalForgeError extends Error {
  override readonly name = 'TerminalForgeError';
}
