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
}

/** What `ensurePullRequest` makes true. */
export interface PullRequestSpec {
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
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
   * Makes `write.branch` point at the write's commit; should be idempotent. Fails (without
   * writing) when the branch moved away from `write.expected` since it was read.
   */
  ensureBranch(write: BranchWrite): Promise<void>;
  /** The PRs whose head branch starts with `prefix`, any state, newest first. */
  listPullRequests(prefix: string): Promise<PullRequest[]>;
  /** The newest PR from `branch` in any state, or `null`. */
  findPullRequestByBranch(branch: string): Promise<PullRequest | null>;
  /**
   * Makes an open PR from `spec.branch` exist with this title, body and labels; should be
   * idempotent: an open PR for the branch is updated (only if something differs), never duplicated.
   */
  ensurePullRequest(spec: PullRequestSpec): Promise<{ pr: PullRequest; created: boolean; updated: boolean }>;
  /** Adds a comment. */
  comment(number: number, text: string): Promise<void>;
  /** Closes a PR unmerged; should be idempotent. */
  close(number: number): Promise<void>;
  /**
   * Arranges for the PR to be merged without a person: GitHub's auto-merge once required checks
   * pass; the local forge merges at once. Only called for changes a policy allows; idempotent.
   */
  enableAutoMerge(number: number): Promise<void>;
}

/** Raised for failures that retrying will not fix (bad credentials, missing repository). */
export class TerminalForgeError extends Error {
  override readonly name = 'TerminalForgeError';
}
