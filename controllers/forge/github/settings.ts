/**
 * GitHub settings, read from the environment only (never from files in the repository, which
 * anyone who can open a PR can change): a token or GitHub App credentials, and the API URL for
 * GitHub Enterprise Server.
 */

/** How the bot authenticates. */
export type GitHubAuth =
  | { readonly type: 'token'; readonly token: string }
  | { readonly type: 'app'; readonly appId: string; readonly privateKey: string; readonly installationId: number };

/** Everything the GitHub forge needs. */
export interface GitHubSettings {
  readonly owner: string;
  readonly repo: string;
  /** REST base URL, `https://api.github.com` or `https://<host>/api/v3` on Enterprise. */
  readonly apiUrl: string;
  /** Git URL to fetch the base from. */
  readonly gitUrl: string;
  readonly auth: GitHubAuth;
}

/** Reads settings from `env`; `repository` (`owner/name`) may come from slipway.yaml. Throws a one-line message on a gap. */
export function githubSettingsFromEnv(env: NodeJS.ProcessEnv, repository?: string): GitHubSettings {
  const full = env.GITHUB_REPOSITORY ?? repository;
  if (full === undefined || !/^[^/\s]+\/[^/\s]+$/.test(full)) {
    throw new Error('GITHUB_REPOSITORY must be set to owner/name (or slipway.yaml spec.forge.repository)');
  }
  const [owner, repo] = full.split('/');
  const apiUrl = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '');
  const serverUrl = (env.GITHUB_SERVER_URL ?? (apiUrl === 'https://api.github.com' ? 'https://github.com' : apiUrl.replace(/\/api\/v3$/, ''))).replace(/\/$/, '');
  return { owner, repo, apiUrl, gitUrl: env.SLIPWAY_GIT_URL ?? `${serverUrl}/${owner}/${repo}.git`, auth: authFromEnv(env) };
}

function authFromEnv(env: NodeJS.ProcessEnv): GitHubAuth {
  if (env.GITHUB_APP_ID !== undefined) {
    const privateKey = env.GITHUB_APP_PRIVATE_KEY?.replace(/\\n/g, '\n');
    const installationId = Number(env.GITHUB_APP_INSTALLATION_ID);
    if (privateKey === undefined || privateKey === '') throw new Error('GITHUB_APP_ID is set but GITHUB_APP_PRIVATE_KEY is not');
    if (!Number.isInteger(installationId) || installationId <= 0) throw new Error('GITHUB_APP_ID is set but GITHUB_APP_INSTALLATION_ID is not a number');
    return { type: 'app', appId: env.GITHUB_APP_ID, privateKey, installationId };
  }
  const token = env.GITHUB_TOKEN ?? env.GH_TOKEN;
  if (token === undefined || token === '') throw new Error('set GITHUB_TOKEN, or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID');
  return { type: 'token', token };
}
