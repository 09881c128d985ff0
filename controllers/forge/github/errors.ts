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

/** GraphQL refusal to enable auto-merge because the PR can be merged right away. */
export function isCleanStatusError(error: unknown): boolean {
  return /clean status/i.test(text(error));
}

/** 401 or 403 that is not a rate limit: retrying will not help. */
export function isAuthError(error: unknown): boolean {
  const status = (error as ResponseError).status;
  return status === 401 || (status === 403 && !/rate limit/i.test(text(error)));
}
