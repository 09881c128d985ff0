/**
 * The Octokit the GitHub forge uses: REST with the throttling plugin (GitHub's pacing of writes,
 * primary and secondary rate limits) and the retry plugin (5xx), plus honouring `retry-after` on
 * 429. Authenticated by a token or as a GitHub App installation.
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Log } from '../../reconcile.js';
import type { GitHubSettings } from './settings.js';

/** The client type. */
export type GitHubClient = InstanceType<typeof Octokit>;

/** Tuning, for tests and impatient people; the defaults are GitHub's recommendations. */
export interface ClientTuning {
  /** Milliseconds per second of `retry-after` (and per retry back-off unit). Default 1000. */
  readonly retryAfterBaseValue?: number;
  /** `github`: at most one write per second, three for notifying writes (default); `none`: no pacing. */
  readonly pacing?: 'github' | 'none';
  readonly retries?: number;
}

const ThrottledOctokit = Octokit.plugin(throttling, retry);

const NO_WAIT = { key: () => ({ schedule: (_options: unknown, job: (...args: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(job(...args)) }) };

/** Builds the client for `settings`. */
export function createGitHubClient(settings: GitHubSettings, log: Log, tuning: ClientTuning = {}): GitHubClient {
  const base = tuning.retryAfterBaseValue ?? 1000;
  const retries = tuning.retries ?? 3;
  const auth =
    settings.auth.type === 'token'
      ? { auth: settings.auth.token }
      : { authStrategy: createAppAuth, auth: { appId: settings.auth.appId, privateKey: settings.auth.privateKey, installationId: settings.auth.installationId } };
  const octokit = new ThrottledOctokit({
    ...auth,
    baseUrl: settings.apiUrl,
    userAgent: 'slipway-controller',
    // 405 and 409 are GitHub refusing a merge: asking again at once gets the same answer.
    retry: { retryAfterBaseValue: base, retries, doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451] },
    throttle: {
      retryAfterBaseValue: base,
      // Bottleneck groups in the plugin's own shape; typed loosely because the plugin does not export it.
      ...((tuning.pacing === 'none' ? { write: NO_WAIT, notifications: NO_WAIT } : {}) as object),
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _client: unknown, retryCount: number) => {
        log('github rate limit', { method: options.method, url: options.url, retryAfter, retryCount });
        return retryCount < retries;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _client: unknown, retryCount: number) => {
        log('github secondary rate limit', { method: options.method, url: options.url, retryAfter, retryCount });
        return retryCount < retries;
      },
    },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  // 429 Too Many Requests: wait what `retry-after` says, then try again (the retry plugin's
  // fixed back-off would ignore it, so 429 is in its doNotRetry list).
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const failure = error as { status?: number; response?: { headers?: Record<string, string | undefined> } };
        if (failure.status !== 429 || attempt >= retries) throw error;
        const seconds = Number(failure.response?.headers?.['retry-after'] ?? '1') || 1;
        log('github 429, waiting retry-after', { url: options.url, seconds, attempt });
        await new Promise((resolve) => setTimeout(resolve, seconds * base));
      }
    }
  });
  return octokit;
}

/** A token for Git over HTTPS (the installation token for an App). */
export async function gitToken(octokit: GitHubClient): Promise<string> {
  const result = (await octokit.auth({ type: 'installation' })) as { token?: string };
  if (result.token === undefined) throw new Error('the GitHub credentials yield no token for Git');
  return result.token;
}
