/** Known GitHub failures, recognised by small predicates (Renovate's habit). */

interface ResponseError {
  readonly status?: number;
  readonly message?: string;
  readonly response?: { readonly data?: { readonly message?: string; readonly errors?: readonly { readonly message?: string }[] } };
}

function text(error: unknown): string {
  const failure = error as ResponseError;
  return [failure.message, failure.response?.data?.message, ...(failure.response?.data?.errors ?? []).map((one) => one.message)].join(' ');
}

/** 404. */
export function isNotFoundError(error: unknown): boolean {
  return (error as ResponseError).status === 404;
}

/** 422 "A pull request already exists for owner:branch." */
export function isPrAlreadyExistsError(error: unknown): boolean {
  return (error as ResponseError).status === 422 && /pull request already exists/i.test(text(error));
}

/** 401 or 403 that is not a rate limit: retrying will not help. */
export function isAuthError(error: unknown): boolean {
  const status = (error as ResponseError).status;
  return status === 401 || (status === 403 && !/rate limit/i.test(text(error)));
}

/** GraphQL: "Pull request Auto merge is not allowed for this repository" (the repository setting is off). */
export function isAutoMergeNotAllowedError(error: unknown): boolean {
  return /auto[ -]merge is not allowed/i.test(text(error));
}

/** REST 405 or GraphQL: "Merge commits are not allowed on this repository" (and squash, rebase). */
export function isMergeMethodNotAllowedError(error: unknown): boolean {
  return /(merge commits|squash merges|rebase merges) are not allowed/i.test(text(error));
}

/**
 * GraphQL refusal to enable auto-merge because the PR can be merged right away: "clean status",
 * or "unstable status" (only checks that are not required fail or run; GitHub still merges).
 */
export function isMergeableNowError(error: unknown): boolean {
  return /(clean|unstable) status/i.test(text(error));
}

/** REST 409, or GraphQL's `expectedHeadOid` refusal: "Head branch was modified". */
export function isHeadModifiedError(error: unknown): boolean {
  return (error as ResponseError).status === 409 || /head branch was modified/i.test(text(error));
}

/** REST 405 "Base branch was modified. Review and try the merge again." */
export function isBaseModifiedError(error: unknown): boolean {
  return /base branch was modified/i.test(text(error));
}

/** Any other REST 405 on merge: a required check, a review, an out-of-date head, a conflict. */
export function isMergeBlockedError(error: unknown): boolean {
  return (error as ResponseError).status === 405;
}
