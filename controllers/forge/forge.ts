/**
 * The one interface the reconcile sees for a code-review forge (Renovate's `Platform`): GitHub and
 * the local Git forge implement it side by side, and no forge type leaks past it. Branch contents
 * travel through Git (`remoteUrl`); the forge only knows pull requests.
 */

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

/** A forge: where pull requests live. */
export interface Forge {
  /** Short name for logs (`local`, `github`). */
  readonly name: string;
  /** Git URL (or path) to fetch the base from and push proposal branches to. */
  readonly remoteUrl: string;
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
