/** The record of one local pull request, stored as the message of a commit in `refs/slipway/pulls/<n>`. */
import type { PullRequestState } from '../forge.js';

/** Where local pull request records live. */
export const PULLS_REF_PREFIX = 'refs/slipway/pulls/';

/** One comment on a local PR. */
export interface LocalComment {
  readonly at: string;
  readonly author: string;
  readonly text: string;
}

/** A local pull request. */
export interface PullRecord {
  readonly number: number;
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly state: PullRequestState;
  readonly labels: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The merge commit, once merged. */
  readonly mergedSha?: string;
  readonly comments: readonly LocalComment[];
}

/** Parses a record; throws naming the ref when it is not one. */
export function parseRecord(text: string, ref: string): PullRecord {
  try {
    const value = JSON.parse(text) as PullRecord;
    if (typeof value.number !== 'number' || typeof value.branch !== 'string') throw new Error('missing number or branch');
    return value;
  } catch (error) {
    throw new Error(`${ref} does not hold a pull request record`, { cause: error });
  }
}
